"""Entra ID (client-credentials token issuance) and Graph ``managedDevices`` on one HTTPS host.

Entra, as MSAL 1.39 uses it (shared/reference/source-apis.md §1.1):
- ``GET /<tenant>/v2.0/.well-known/openid-configuration``: https issuer/authorize/token
  endpoints on this host; unknown tenant -> 400 ``AADSTS90002``;
- ``POST /<tenant>/oauth2/v2.0/token`` (form): good secret -> Bearer token with
  ``expires_in`` >= 3600; bad secret -> 401 ``invalid_client`` AADSTS7000215; unknown client ->
  400 ``unauthorized_client`` AADSTS700016; wrong scope -> 400 AADSTS70011;
- ``GET /common/discovery/instance`` answered too, for clients that keep instance discovery on.

Graph ``GET /v1.0/deviceManagement/managedDevices`` (§1.2-1.3): Bearer check, ``$top`` (default
and maximum 1,000), ``$select`` (unknown property -> 400), absolute ``@odata.nextLink`` with an
opaque ``$skiptoken`` that repeats the other options, ``@odata.context``, LIST-shape masking
(``null`` ethernetMacAddress/iccid/udid/notes, ``0`` physicalMemoryInBytes), 403
double-encoded ``UnknownError`` when the app lacks the permission, 429 with the Intune shape.
"""

from __future__ import annotations

import base64
import hmac
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote

from connectors.emulators.catalog import Catalog
from connectors.emulators.server import EmulatorApp, Faults, Request, Response

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
LIST_PATH = "/v1.0/deviceManagement/managedDevices"
MAX_TOP = 1000
DEFAULT_TOP = 1000
# LIST never returns these values (only a per-device GET does).
LIST_MASK = {
    "ethernetMacAddress": None,
    "iccid": None,
    "udid": None,
    "notes": None,
    "physicalMemoryInBytes": 0,
}
# v1.0 managedDevice properties (Graph rejects $select of anything else).
V1_PROPERTIES = frozenset(
    {
        "id",
        "userId",
        "deviceName",
        "managedDeviceOwnerType",
        "enrolledDateTime",
        "lastSyncDateTime",
        "operatingSystem",
        "complianceState",
        "jailBroken",
        "managementAgent",
        "osVersion",
        "easActivated",
        "easDeviceId",
        "easActivationDateTime",
        "azureADRegistered",
        "deviceEnrollmentType",
        "activationLockBypassCode",
        "emailAddress",
        "azureADDeviceId",
        "deviceRegistrationState",
        "deviceCategoryDisplayName",
        "isSupervised",
        "exchangeLastSuccessfulSyncDateTime",
        "exchangeAccessState",
        "exchangeAccessStateReason",
        "remoteAssistanceSessionUrl",
        "remoteAssistanceSessionErrorDetails",
        "isEncrypted",
        "userPrincipalName",
        "model",
        "manufacturer",
        "imei",
        "complianceGracePeriodExpirationDateTime",
        "serialNumber",
        "phoneNumber",
        "androidSecurityPatchLevel",
        "userDisplayName",
        "configurationManagerClientEnabledFeatures",
        "wiFiMacAddress",
        "deviceHealthAttestationState",
        "subscriberCarrier",
        "meid",
        "totalStorageSpaceInBytes",
        "freeStorageSpaceInBytes",
        "managedDeviceName",
        "partnerReportedThreatState",
        "requireUserEnrollmentApproval",
        "managementCertificateExpirationDate",
        "iccid",
        "udid",
        "notes",
        "ethernetMacAddress",
        "physicalMemoryInBytes",
        "deviceActionResults",
        "deviceCategory",
        "users",
    }
)

FORBIDDEN_MESSAGE = (
    "Application is not authorized to perform this operation. Application must have one of the following "
    "scopes: DeviceManagementManagedDevices.Read.All, DeviceManagementManagedDevices.ReadWrite.All"
)


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _inner(rid: str) -> dict[str, str]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": rid,
        "client-request-id": rid,
    }


@dataclass
class _Token:
    issued: float
    expires: float
    pages: int = 0


class EntraGraphApp(EmulatorApp):
    """Entra token issuance + Graph managedDevices over one catalog."""

    name = "entra-graph"

    def __init__(
        self,
        catalog: Catalog,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        token_lifetime: tuple[int, int] = (3600, 5399),
        seed: int = 0,
        faults: Faults | None = None,
    ) -> None:
        self.catalog = catalog
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.faults = faults or Faults()
        self.missing_permission = False  # switch: the app lacks DeviceManagementManagedDevices.Read.All
        self._rng = random.Random(seed)
        self._tokens: dict[str, _Token] = {}
        self._lock = threading.Lock()
        self.tokens_issued = 0
        self.token_requests = 0
        self.secrets = (client_secret,)
        self._known_properties: frozenset[str] | None = None

    def reset(self) -> None:
        with self._lock:
            self.missing_permission = False
            self._tokens.clear()
            self.tokens_issued = 0
            self.token_requests = 0

    def is_data_request(self, request: Request) -> bool:
        return request.path.rstrip("/") == LIST_PATH

    # -- Entra -----------------------------------------------------------------------------
    def _aad_error(self, status: int, error: str, code: int, text: str) -> Response:
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = _now_text()
        return Response.json(
            status,
            {
                "error": error,
                "error_description": f"AADSTS{code}: {text} Trace ID: {trace} Correlation ID: {corr} Timestamp: {stamp}",
                "error_codes": [code],
                "timestamp": stamp,
                "trace_id": trace,
                "correlation_id": corr,
                "error_uri": f"https://login.microsoftonline.com/error?code={code}",
            },
        )

    def _unknown_tenant(self, tenant: str) -> Response:
        return self._aad_error(
            400,
            "invalid_tenant",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing "
            "into the correct cloud.",
        )

    def _openid_configuration(self, request: Request, tenant: str) -> Response:
        if tenant != self.tenant_id:
            return self._unknown_tenant(tenant)
        base = f"{request.base_url}/{tenant}"
        return Response.json(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{request.base_url}/{tenant}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/v2.0",
                "request_uri_parameter_supported": False,
                "userinfo_endpoint": f"{request.base_url}/oidc/userinfo",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "http_logout_supported": True,
                "frontchannel_logout_supported": True,
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid"],
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
            },
        )

    def _instance_discovery(self, request: Request) -> Response:
        return Response.json(
            200,
            {
                "tenant_discovery_endpoint": f"{request.base_url}/{self.tenant_id}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [],
            },
        )

    def _token(self, request: Request, tenant: str) -> Response:
        with self._lock:
            self.token_requests += 1
        if tenant != self.tenant_id:
            return self._unknown_tenant(tenant)
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return self._aad_error(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        client_id = form.get("client_id", "")
        if client_id != self.client_id:
            return self._aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can "
                "happen if the application has not been installed by the administrator of the tenant or "
                "consented to by any user in the tenant.",
            )
        secret = form.get("client_secret")
        if not secret:
            return self._aad_error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' "
                "or 'client_secret'.",
            )
        if not hmac.compare_digest(secret.encode(), self.client_secret.encode()):
            return self._aad_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                f"secret value, not the client secret ID, for a secret added to app '{client_id}'.",
            )
        if form.get("scope") != GRAPH_SCOPE:
            return self._aad_error(
                400, "invalid_scope", 70011, f"The provided value for scope {form.get('scope')} is not valid."
            )
        with self._lock:
            lifetime = self._rng.randint(*self.token_lifetime)
            raw = self._rng.getrandbits(256).to_bytes(32, "big")
            token = (
                "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0."
                + base64.urlsafe_b64encode(raw).decode().rstrip("=")
                + ".emulator"
            )
            now = time.time()
            self._tokens[token] = _Token(issued=now, expires=now + lifetime)
            self.tokens_issued += 1
        return Response.json(
            200,
            {
                "token_type": "Bearer",
                "expires_in": lifetime,
                "ext_expires_in": lifetime,
                "access_token": token,
            },
        )

    # -- Graph -----------------------------------------------------------------------------
    def _graph_error(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> Response:
        rid = str(uuid.uuid4())
        return Response.json(
            status, {"error": {"code": code, "message": message, "innerError": _inner(rid)}}, headers=headers
        )

    def throttled(self, faults: Faults) -> Response:
        rid = str(uuid.uuid4())
        inner = {"code": "429", "message": "Please retry after", "status": "429", **_inner(rid)}
        return Response.json(
            429,
            {
                "error": {
                    "code": "TooManyRequests",
                    "message": "Please retry again later.",
                    "innerError": inner,
                }
            },
        )

    def failed(self, status: int) -> Response:
        if status == 504:
            return self._graph_error(504, "UnknownError", "Gateway timeout")
        if status == 503:
            return self._graph_error(503, "serviceNotAvailable", "Service unavailable. Please retry later.")
        return self._graph_error(status, "generalException", f"HTTP {status}")

    def _forbidden(self) -> Response:
        activity = str(uuid.uuid4())
        inner_message = json.dumps(
            {
                "_version": 3,
                "Message": f"{FORBIDDEN_MESSAGE} - Operation ID (for customer support): "
                f"00000000-0000-0000-0000-000000000000 - Activity ID: {activity} - Url: "
                "https://fef.emulator.manage.microsoft.com/DeviceFE/StatelessDeviceFEService/"
                "deviceManagement/managedDevices?api-version=2024-01-01",
                "CustomApiErrorPhrase": "",
                "RetryAfter": None,
                "ErrorSourceService": "",
                "HttpHeaders": "{}",
            },
            indent=2,
        ).replace("\n", "\r\n")
        outer = json.dumps(
            {
                "ErrorCode": "Forbidden",
                "Message": inner_message,
                "Target": None,
                "Details": None,
                "InnerError": None,
                "InstanceAnnotations": [],
            },
            separators=(",", ":"),
        )
        return Response.json(
            403, {"error": {"code": "UnknownError", "message": outer, "innerError": _inner(activity)}}
        )

    def _check_bearer(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization") or ""
        unauthorized = {
            "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/'
            'common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"'
        }
        if not header.startswith("Bearer ") or not header[7:].strip():
            return self._graph_error(
                401, "InvalidAuthenticationToken", "Access token is empty.", unauthorized
            )
        token = header[7:].strip()
        limit = self.faults.token_expiry_after_pages
        with self._lock:
            state = self._tokens.get(token)
            if state is None:
                return self._graph_error(
                    401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.", unauthorized
                )
            if time.time() >= state.expires or (limit is not None and state.pages >= limit):
                return self._graph_error(
                    401,
                    "InvalidAuthenticationToken",
                    "Lifetime validation failed, the token is expired.",
                    unauthorized,
                )
            state.pages += 1
        return None

    def _properties(self) -> frozenset[str]:
        if self._known_properties is None:
            sample = self.catalog.page(0, 1)
            self._known_properties = V1_PROPERTIES | (frozenset(sample[0]) if sample else frozenset())
        return self._known_properties

    @staticmethod
    def _encode_skiptoken(offset: int) -> str:
        raw = json.dumps({"o": offset, "v": 1}, separators=(",", ":")).encode()
        return "RFNwdC" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode_skiptoken(token: str) -> int | None:
        try:
            raw = token[6:] if token.startswith("RFNwdC") else token
            data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            return int(data["o"])
        except (ValueError, KeyError, TypeError):
            return None

    def _list(self, request: Request) -> Response:
        denied = self._check_bearer(request)
        if denied is not None:
            return denied
        if self.missing_permission:
            return self._forbidden()
        select_raw = request.arg("$select")
        select: list[str] | None = None
        if select_raw:
            select = [s.strip() for s in select_raw.split(",") if s.strip()]
            known = self._properties()
            for prop in select:
                if prop not in known:
                    return self._graph_error(
                        400,
                        "BadRequest",
                        f"Could not find a property named '{prop}' on type 'microsoft.graph.managedDevice'.",
                    )
        top_raw = request.arg("$top")
        top = DEFAULT_TOP
        if top_raw is not None:
            try:
                top = int(top_raw)
            except ValueError:
                return self._graph_error(400, "BadRequest", f"Invalid value '{top_raw}' for $top.")
            if top < 1:
                return self._graph_error(400, "BadRequest", "$top must be a positive integer.")
            top = min(top, MAX_TOP)
        offset = 0
        skiptoken = request.arg("$skiptoken")
        if skiptoken is not None:
            decoded = self._decode_skiptoken(skiptoken)
            if decoded is None:
                return self._graph_error(400, "BadRequest", "The $skiptoken is invalid.")
            offset = decoded
        if request.arg("$skip") is not None:  # $skip does not page this endpoint: empty value
            return Response.json(200, {"@odata.context": self._context(request, select), "value": []})

        page = self.catalog.page(offset, top)
        if select is not None:
            value = [{k: (LIST_MASK[k] if k in LIST_MASK else d.get(k)) for k in select} for d in page]
        else:
            value = [{**d, **LIST_MASK} for d in page]
        body: dict[str, Any] = {"@odata.context": self._context(request, select)}
        if (request.arg("$count") or "").lower() == "true":
            body["@odata.count"] = len(self.catalog)
        next_offset = offset + len(page)
        if page and next_offset < len(self.catalog):
            parts = []
            if select_raw:
                parts.append("$select=" + quote(select_raw, safe=","))
            if top_raw is not None:
                parts.append(f"$top={top}")
            parts.append("$skiptoken=" + quote(self._encode_skiptoken(next_offset), safe=""))
            body["@odata.nextLink"] = f"{request.base_url}{LIST_PATH}?" + "&".join(parts)
        body["value"] = value
        return Response.json(200, body)

    @staticmethod
    def _context(request: Request, select: list[str] | None) -> str:
        suffix = f"({','.join(select)})" if select else ""
        return f"{request.base_url}/v1.0/$metadata#deviceManagement/managedDevices{suffix}"

    # -- routing ---------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if request.method == "GET" and request.path.rstrip("/") == LIST_PATH:
            return self._list(request)
        if (
            request.method == "GET"
            and parts[-3:] == ["v2.0", ".well-known", "openid-configuration"]
            and len(parts) == 4
        ):
            return self._openid_configuration(request, parts[0])
        if request.method == "POST" and len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            return self._token(request, parts[0])
        if request.method == "GET" and parts == ["common", "discovery", "instance"]:
            return self._instance_discovery(request)
        if parts[:1] == ["v1.0"]:
            return self._graph_error(400, "BadRequest", f"Resource not found for the segment '{parts[-1]}'.")
        return Response.json(404, {"error": "not_found", "error_description": f"no route for {request.path}"})

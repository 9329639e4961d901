"""Client-credentials tokens for Microsoft Graph via MSAL.

``MsalTokenProvider`` builds ``msal.ConfidentialClientApplication`` lazily: the constructor
does network I/O (OpenID discovery), so building it at import or configuration time could
hang or fail far from the extraction. Facts this code relies on (msal 1.39, see
shared/reference/source-apis.md §1.1):

- MSAL refuses non-https authorities; a trailing slash in the authority yields ``//v2.0``.
- For a host MSAL does not know (an emulator) it would first call the real
  ``login.microsoftonline.com`` instance discovery, so ``instance_discovery=False`` there.
- ``acquire_token_for_client(force_refresh=True)`` raises ValueError; to replace a token the
  server rejected we remove it from the app's token cache and ask again.
- MSAL caches an identical HTTP 400 token answer for 60 s per app object.
- MSAL's own ``requests.Session`` carries ``verify`` at session level, which requests
  replaces with ``REQUESTS_CA_BUNDLE`` whenever that variable is set. We therefore hand MSAL
  a session that applies our ``verify`` and ``timeout`` to every request.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any
from urllib.parse import urlsplit

import requests

from connectors.errors import AuthenticationError, ConnectorError, SourceUnavailableError
from connectors.http import describe_exception
from connectors.records import INTUNE
from connectors.redact import Redactor

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"

# Hosts MSAL knows (msal/authority.py WELL_KNOWN_AUTHORITY_HOSTS); others skip instance discovery.
MICROSOFT_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoft.com",
        "login.windows.net",
        "sts.windows.net",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
        "login.microsoftonline.de",
        "login-us.microsoftonline.com",
        "login.microsoftonline.us",
        "login.usgovcloudapi.net",
        "login.sovcloud-identity.fr",
        "login.sovcloud-identity.de",
        "login.sovcloud-identity.sg",
    }
)

# AADSTS code -> what to fix (names the settings the pipeline reads).
AADSTS_HINTS = {
    "7000215": "invalid client secret: check ITAM_INTUNE_CLIENT_SECRET (secret value, not its ID; not expired)",
    "7000222": "the client secret has expired: create a new one and update ITAM_INTUNE_CLIENT_SECRET",
    "700016": "unknown application: check ITAM_INTUNE_CLIENT_ID and that the app is registered in this tenant",
    "90002": "unknown tenant: check ITAM_INTUNE_TENANT_ID (directory ID or verified domain)",
    "900023": "malformed tenant: check ITAM_INTUNE_TENANT_ID",
    "70011": "invalid scope: the scope must be https://graph.microsoft.com/.default",
    "7000218": "the request has no client secret: set ITAM_INTUNE_CLIENT_SECRET",
}
_AADSTS_RE = re.compile(r"AADSTS(\d+)")


class _PinnedSession(requests.Session):
    """A requests session that applies ``verify`` and ``timeout`` to every request."""

    def __init__(self, verify: bool | str, timeout: float | tuple[float, float]) -> None:
        super().__init__()
        self._verify = verify
        self._timeout = timeout
        adapter = requests.adapters.HTTPAdapter(max_retries=1)  # what MSAL's own session does
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self._timeout)
        kwargs["verify"] = self._verify
        return super().request(method, url, *args, **kwargs)


def _aadsts_code(text: str) -> str | None:
    match = _AADSTS_RE.search(text or "")
    return match.group(1) if match else None


def _first_line(text: str) -> str:
    """``AADSTS7000215: Invalid client secret provided.`` without Trace/Correlation ids."""
    text = (text or "").strip().splitlines()[0] if text else ""
    for marker in (" Trace ID:", " Correlation ID:", " Timestamp:"):
        if marker in text:
            text = text.split(marker, 1)[0]
    return text.strip()


class MsalTokenProvider:
    """Application tokens for Graph (client-credentials flow) with typed, redacted errors."""

    source = INTUNE

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        authority_host: str = DEFAULT_AUTHORITY_HOST,
        *,
        verify: bool | str = True,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        scope: str = GRAPH_SCOPE,
    ) -> None:
        self.tenant_id = tenant_id.strip()
        self.client_id = client_id.strip()
        self._client_secret = client_secret
        self.authority_host = authority_host.strip().rstrip("/")
        self.authority = f"{self.authority_host}/{self.tenant_id.strip('/')}"
        self.verify = verify
        self.timeout = timeout
        self.scope = scope
        self.redact = Redactor([client_secret])
        self._app: Any = None
        self._lock = threading.Lock()
        self.tokens_acquired = 0  # tokens fetched from the identity provider (not the cache)

    def __repr__(self) -> str:  # never show the secret
        return f"MsalTokenProvider(authority={self.authority!r}, client_id={self.client_id!r})"

    @property
    def instance_discovery(self) -> bool:
        host = (urlsplit(self.authority_host).hostname or "").lower()
        return host in MICROSOFT_AUTHORITY_HOSTS

    def secrets(self) -> tuple[str, ...]:
        return self.redact.secrets

    # -- app construction ------------------------------------------------------------------
    def _build_app(self) -> Any:
        import msal  # lazy: keeps `import connectors` cheap

        if not urlsplit(self.authority_host).scheme == "https":
            raise AuthenticationError(
                INTUNE,
                f"authority host {self.authority_host!r} is not https",
                hint="MSAL only accepts https authorities: check ITAM_INTUNE_AUTHORITY_HOST",
            )
        failure: ConnectorError | None = None
        try:
            return msal.ConfidentialClientApplication(
                client_id=self.client_id,
                client_credential=self._client_secret,
                authority=self.authority,
                instance_discovery=self.instance_discovery,
                http_client=_PinnedSession(self.verify, self.timeout),
                timeout=self.timeout,
                verify=self.verify,
            )
        except ValueError as exc:
            failure = self._discovery_error(exc)
        except requests.exceptions.SSLError as exc:
            failure = ConnectorError(
                INTUNE,
                self.redact(f"TLS verification failed for {self.authority}: {describe_exception(exc)}"),
                hint="point verify / REQUESTS_CA_BUNDLE at the CA bundle of the authority host",
            )
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            failure = SourceUnavailableError(
                INTUNE,
                self.redact(f"identity provider {self.authority} unreachable: {describe_exception(exc)}"),
                hint="check ITAM_INTUNE_AUTHORITY_HOST, DNS and proxy settings",
            )
        except requests.exceptions.RequestException as exc:
            failure = SourceUnavailableError(
                INTUNE,
                self.redact(f"OpenID discovery at {self.authority} failed: {describe_exception(exc)}"),
            )
        except msal.exceptions.MsalServiceError as exc:  # 5xx during discovery
            failure = SourceUnavailableError(
                INTUNE,
                self.redact(f"OpenID discovery at {self.authority} failed: {exc}"),
            )
        raise failure

    def _discovery_error(self, exc: ValueError) -> ConnectorError:
        # MSAL wraps the discovery response ("OIDC Discovery failed ... HTTP status: 400, Error: {...
        # AADSTS90002 ...}") in a generic ValueError; the original sits in __context__.
        texts = [str(exc)]
        if exc.__context__ is not None:
            texts.append(str(exc.__context__))
        joined = " ".join(texts)
        code = _aadsts_code(joined)
        if code is None and ("HTTP status: 400" in joined or "HTTP status: 404" in joined):
            code = "90002"
        hint = AADSTS_HINTS.get(code or "", "check ITAM_INTUNE_TENANT_ID and ITAM_INTUNE_AUTHORITY_HOST")
        detail = f"AADSTS{code}" if code else "OpenID configuration not available"
        return AuthenticationError(
            INTUNE, self.redact(f"tenant discovery failed for {self.authority}: {detail}"), hint=hint
        )

    def _get_app(self) -> Any:
        with self._lock:
            if self._app is None:
                self._app = self._build_app()  # not cached on failure: the next call tries again
            return self._app

    # -- tokens ----------------------------------------------------------------------------
    def _drop_cached_tokens(self, app: Any) -> None:
        cache = app.token_cache
        kind = cache.CredentialType.ACCESS_TOKEN
        search = getattr(cache, "search", None) or cache.find  # search() is newer; find() deprecated
        for item in list(search(kind)):
            cache.remove_at(item)

    def get_token(self, force_refresh: bool = False) -> str:
        """A valid access token; ``force_refresh`` discards the cached one (e.g. after a 401)."""
        import msal

        app = self._get_app()
        failure: ConnectorError | None = None
        with self._lock:
            if force_refresh:
                self._drop_cached_tokens(app)
            try:
                result = app.acquire_token_for_client(scopes=[self.scope])
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                failure = SourceUnavailableError(
                    INTUNE,
                    self.redact(f"token endpoint unreachable: {describe_exception(exc)}"),
                )
                result = None
            except msal.exceptions.MsalServiceError as exc:
                failure = SourceUnavailableError(INTUNE, self.redact(f"token endpoint failed: {exc}"))
                result = None
        if failure is not None:
            raise failure
        if not isinstance(result, dict):
            raise AuthenticationError(INTUNE, "MSAL returned no token result")
        token = result.get("access_token")
        if token:
            self.redact.add(token)
            if result.get("token_source") != "cache":
                self.tokens_acquired += 1
                log.info("%s: acquired an access token (expires in %s s)", INTUNE, result.get("expires_in"))
            return str(token)
        raise self._token_error(result)

    def _token_error(self, result: dict[str, Any]) -> AuthenticationError:
        error = str(result.get("error") or "unknown_error")
        description = _first_line(str(result.get("error_description") or ""))
        codes = result.get("error_codes") or []
        code = str(codes[0]) if codes else _aadsts_code(description)
        hint = AADSTS_HINTS.get(code or "", "check the Intune app registration settings")
        label = f"AADSTS{code}" if code else error
        message = (
            f"token request rejected ({error}, {label}): {description}"
            if description
            else f"token request rejected ({error}, {label})"
        )
        return AuthenticationError(INTUNE, self.redact(message), hint=hint)

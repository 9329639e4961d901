"""Intune managed devices from Microsoft Graph v1.0.

``GET {graph}/v1.0/deviceManagement/managedDevices?$select=...`` with an application token
(permission ``DeviceManagementManagedDevices.Read.All``, admin consent granted). Pages are
followed through ``@odata.nextLink`` verbatim (``$skip`` does not work for this endpoint);
each page is yielded and dropped, so memory stays flat however large the tenant.

Not done here, on purpose:
- de-duplication on ``id``: Graph pages by a keyset on device name, so a device renamed
  during a sweep can be seen twice (or missed); the normalizer de-duplicates per run.
- per-device GETs for the fields LIST hides (``ethernetMacAddress``, ``udid``, ``iccid``,
  ``physicalMemoryInBytes``): one request per device would not scale to 1,000,000 devices.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote, urljoin

from connectors.errors import AuthenticationError, MalformedResponseError, PermissionDeniedError
from connectors.http import HttpClient, RetryPolicy
from connectors.msal_auth import MsalTokenProvider
from connectors.records import INTUNE, RawRecord

log = logging.getLogger(__name__)

DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
REQUIRED_PERMISSION = "DeviceManagementManagedDevices.Read.All"
LIST_PATH = "/v1.0/deviceManagement/managedDevices"

# v1.0 properties the pipeline uses (beta-only ones such as chassisType are not valid here).
DEFAULT_SELECT: tuple[str, ...] = (
    "id",
    "deviceName",
    "serialNumber",
    "imei",
    "meid",
    "wiFiMacAddress",
    "ethernetMacAddress",
    "azureADDeviceId",
    "manufacturer",
    "model",
    "operatingSystem",
    "osVersion",
    "userPrincipalName",
    "emailAddress",
    "userDisplayName",
    "managedDeviceOwnerType",
    "enrolledDateTime",
    "lastSyncDateTime",
    "complianceState",
    "managementAgent",
    "deviceEnrollmentType",
    "totalStorageSpaceInBytes",
    "freeStorageSpaceInBytes",
    "phoneNumber",
    "isEncrypted",
    "deviceCategoryDisplayName",
)
PROGRESS_EVERY_PAGES = 25


def parse_graph_error(body: Any) -> tuple[str, str]:
    """(code, message) of a Graph error, unwrapping Intune's double-encoded ``UnknownError``.

    ``error.message`` may be a JSON string ``{"ErrorCode": "Forbidden", "Message": "<JSON>"}``
    whose ``Message`` is JSON again with the human text under ``Message``.
    """
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return "", ""
    code = str(body["error"].get("code") or "")
    message: Any = body["error"].get("message") or ""
    for _ in range(3):  # peel at most three layers
        if not isinstance(message, str) or not message.lstrip().startswith("{"):
            break
        try:
            inner = json.loads(message)
        except ValueError:
            break
        if not isinstance(inner, dict):
            break
        code = str(inner.get("ErrorCode") or code)
        message = inner.get("Message", inner.get("message", ""))
    text = " ".join(str(message).split())
    for cut in (" - Operation ID", " - Activity ID"):
        if cut in text:
            text = text.split(cut, 1)[0]
    return code, text


class IntuneClient:
    """Streams Intune ``managedDevice`` objects as RawRecords."""

    source = INTUNE

    def __init__(
        self,
        token_provider: MsalTokenProvider,
        graph_url: str = DEFAULT_GRAPH_URL,
        *,
        page_size: int | None = None,
        select: Sequence[str] = DEFAULT_SELECT,
        verify: bool | str = True,
        timeout: float | tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
        sleep: Any = None,
        http: HttpClient | None = None,
    ) -> None:
        if isinstance(token_provider, str) and not isinstance(graph_url, str):
            # Tolerate the (graph_url, token_provider) positional order as well.
            token_provider, graph_url = graph_url, token_provider
        self.graph_url = graph_url.rstrip("/")
        self.token_provider = token_provider
        self.page_size = page_size
        self.select = tuple(select)
        kwargs: dict[str, Any] = {
            "timeout": timeout,
            "verify": verify,
            "retry": retry,
            "secrets": token_provider.secrets(),
            "headers": {"Accept": "application/json"},
        }
        if sleep is not None:
            kwargs["sleep"] = sleep
        self.http = http or HttpClient(INTUNE, **kwargs)
        self.pages_fetched = 0

    def first_url(self, *, top: int | None = None, select: Sequence[str] | None = None) -> str:
        """The first page URL; Graph wants literal ``$`` option names."""
        parts = []
        fields = self.select if select is None else select
        if fields:
            parts.append("$select=" + quote(",".join(fields), safe=","))
        top = self.page_size if top is None else top
        if top:
            parts.append(f"$top={int(top)}")
        return self.graph_url + LIST_PATH + ("?" + "&".join(parts) if parts else "")

    def _bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_provider.get_token()}"}

    def _get_page(self, url: str) -> dict[str, Any]:
        """One page; on 401 fetch a fresh token and retry the same URL once."""
        refreshed = False
        while True:
            response = self.http.get(url, accept_status=(401, 403), headers_factory=self._bearer)
            if response.status_code == 401:
                if refreshed:
                    code, text = parse_graph_error(_safe_json(response))
                    raise AuthenticationError(
                        INTUNE,
                        self.http.redact(f"Graph rejected a freshly issued token (HTTP 401 {code}: {text})"),
                        hint=f"check that the app is in the right tenant and has {REQUIRED_PERMISSION}",
                    )
                log.info("%s: HTTP 401 on page %d; acquiring a fresh token", INTUNE, self.pages_fetched + 1)
                self.token_provider.get_token(force_refresh=True)
                refreshed = True
                continue
            if response.status_code == 403:
                code, text = parse_graph_error(_safe_json(response))
                raise PermissionDeniedError(
                    INTUNE,
                    self.http.redact(
                        f"Graph refused the device list (HTTP 403 {code or 'Forbidden'}): "
                        f"{text or 'no detail'}"
                    ),
                    hint=f"add the application permission {REQUIRED_PERMISSION} to the app registration "
                    "and grant admin consent (the tenant also needs an Intune licence)",
                )
            body = self.http.json(response, f"managedDevices page {self.pages_fetched + 1}")
            if not isinstance(body, dict) or not isinstance(body.get("value"), list):
                keys = sorted(body)[:8] if isinstance(body, dict) else type(body).__name__
                raise MalformedResponseError(
                    INTUNE,
                    f"managedDevices page {self.pages_fetched + 1} has no 'value' list (got {keys})",
                )
            return body

    def iter_records(self) -> Iterator[RawRecord]:
        """Every managed device, page by page (a generator: nothing is accumulated)."""
        url: str | None = self.first_url()
        seen_links: set[str] = set()
        total = 0
        self.pages_fetched = 0
        while url:
            body = self._get_page(url)
            self.pages_fetched += 1
            page = body["value"]
            for device in page:
                if not isinstance(device, dict):
                    raise MalformedResponseError(
                        INTUNE,
                        f"managedDevices page {self.pages_fetched} holds a non-object item",
                    )
                device_id = device.get("id")
                yield RawRecord(
                    source=INTUNE,
                    source_record_id=str(device_id) if device_id not in (None, "") else None,
                    payload=device,
                    error=None if device_id not in (None, "") else "managedDevice without id",
                )
            total += len(page)
            next_link = body.get("@odata.nextLink")
            level = logging.INFO if self.pages_fetched % PROGRESS_EVERY_PAGES == 0 else logging.DEBUG
            log.log(level, "%s: page %d, %d records so far", INTUNE, self.pages_fetched, total)
            if next_link is not None and not isinstance(next_link, str):
                raise MalformedResponseError(INTUNE, "@odata.nextLink is not a string")
            if next_link:
                if next_link in seen_links or next_link == url:
                    raise MalformedResponseError(
                        INTUNE,
                        f"@odata.nextLink repeats after page {self.pages_fetched}: paging would loop",
                    )
                seen_links.add(next_link)
                if len(seen_links) > 64:  # keep the loop guard small on million-device sweeps
                    seen_links = {next_link}
            url = urljoin(url, next_link) if next_link else None  # Graph sends absolute links
        log.info("%s: extraction complete: %d records in %d pages", INTUNE, total, self.pages_fetched)

    def check(self) -> str:
        """Acquire a token and read one device: proves credentials, permission and reachability."""
        url = self.first_url(top=1, select=("id",))
        body = self._get_page(url)
        count = body.get("@odata.count")
        if isinstance(count, int):
            return f"OK: {count} devices"
        more = " (more pages available)" if body.get("@odata.nextLink") else ""
        return (
            f"OK: token acquired, device list readable, first page has {len(body['value'])} device(s){more}"
        )


def _safe_json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None

"""Miradore devices from API v1 (XML): ``GET <site_url>/API/Device?auth=<key>&select=...``.

The API key travels in the query string, so every URL is a secret: URLs, requests
exceptions and library log lines are all passed through ``connectors.redact`` (and the
urllib3 loggers get a redacting filter). XML is parsed with defusedxml: DTDs and entity
declarations are refused outright.

Each ``<Device>`` becomes a flat dict keyed by attribute path (``InvDevice.SerialNumber``);
plural containers become lists (``<Tags><Tag><Name>x</Name></Tag></Tags>`` -> ``Tags: ["x"]``;
items with several fields -> list of dicts). ``Deleted`` devices are kept and flagged with
``"_deleted": True`` so downstream can retire them explicitly. ``source_record_id`` is the
native ``ID``, unique only within one site.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from connectors.errors import AuthenticationError, ConnectorError, MalformedResponseError
from connectors.http import HttpClient, RetryPolicy
from connectors.records import MIRADORE, RawRecord

log = logging.getLogger(__name__)

DEFAULT_SELECT: tuple[str, ...] = (
    "ID",
    "Status",
    "OnlineStatus",
    "Platform",
    "OSVersionName",
    "LastReported",
    "Created",
    "Modified",
    "IPAddress",
    "MACAddress",
    "PurchaseDate",
    "WarrantyEndDate",
    "InvDevice.DeviceName",
    "InvDevice.Manufacturer",
    "InvDevice.Model",
    "InvDevice.MarketingName",
    "InvDevice.SerialNumber",
    "InvDevice.HardwareSerialNumber",
    "InvDevice.IMEI",
    "InvDevice.UDID",
    "InvDevice.WiFiMAC",
    "InvDevice.DeviceType",
    "InvOS.Platform",
    "InvOS.Version",
    "InvOS.Build",
    "User.Name",
    "User.Email",
    "User.Firstname",
    "User.Lastname",
    "Location.Name",
    "Organization.Name",
    "Category.Name",
    "Tag.Name",
    "Client.ManagementType",
    "BIOS.SerialNumber",
)
# Plural list containers (known even when empty) -> their item element.
LIST_CONTAINERS = {
    "Tags": "Tag",
    "InvApplications": "InvApplication",
    "InvStorages": "InvStorage",
    "InvSIMs": "InvSIM",
    "InvNetworkAdapters": "InvNetworkAdapter",
    "CustomAttributes": "CustomAttribute",
}
PROGRESS_EVERY_PAGES = 10


def _text(element: Element) -> str | None:
    """A leaf's text exactly as sent (None for an empty element)."""
    return element.text


def _is_list_container(element: Element) -> bool:
    if element.tag in LIST_CONTAINERS:
        return True
    children = list(element)
    if not children:
        return False
    child_tag = children[0].tag
    if any(child.tag != child_tag for child in children):
        return False
    tag = element.tag
    return tag in (child_tag + "s", child_tag + "es") or (
        child_tag.endswith("y") and tag == child_tag[:-1] + "ies"
    )


def _item_value(item: Element) -> Any:
    """A list item: the single field's text (``Tag/Name`` -> "x") or a dict of its fields."""
    fields = list(item)
    if not fields:
        return _text(item)
    if len(fields) == 1 and not len(fields[0]):
        return _text(fields[0])
    out: dict[str, Any] = {}
    _flatten(item, "", out)
    return out


def _flatten(element: Element, prefix: str, out: dict[str, Any]) -> None:
    for child in element:
        key = f"{prefix}{child.tag}"
        if _is_list_container(child):
            out[key] = [_item_value(item) for item in child]
        elif len(child):
            _flatten(child, key + ".", out)
        else:
            out[key] = _text(child)


def device_payload(device: Element) -> dict[str, Any]:
    """Flatten one ``<Device>`` element to the attribute-path dict."""
    payload: dict[str, Any] = {}
    _flatten(device, "", payload)
    if (payload.get("Status") or "").strip().lower() == "deleted":
        payload["_deleted"] = True
    return payload


class MiradoreClient:
    """Streams Miradore devices (API v1, XML) as RawRecords."""

    source = MIRADORE

    def __init__(
        self,
        site_url: str,
        api_key: str,
        *,
        page_size: int = 100,
        select: Sequence[str] = DEFAULT_SELECT,
        verify: bool | str = True,
        timeout: float | tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
        sleep: Any = None,
        http: HttpClient | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be positive")
        self.site_url = site_url.rstrip("/")
        self._api_key = api_key
        self.page_size = page_size
        self.select = tuple(select)
        kwargs: dict[str, Any] = {
            "timeout": timeout,
            "verify": verify,
            "retry": retry,
            "secrets": [api_key],
            "headers": {"Accept": "application/xml"},
        }
        if sleep is not None:
            kwargs["sleep"] = sleep
        self.http = http or HttpClient(MIRADORE, **kwargs)
        self.pages_fetched = 0

    def __repr__(self) -> str:  # never show the key
        return f"MiradoreClient(site_url={self.site_url!r})"

    def _url(self, page: int, rows: int, select: Sequence[str]) -> str:
        query = f"auth={quote(self._api_key, safe='')}"
        if select:
            query += "&select=" + quote(",".join(select), safe=",.*")
        query += f"&options=rows={int(rows)},page={int(page)}"
        return f"{self.site_url}/API/Device?{query}"

    def _fetch(self, page: int, rows: int, select: Sequence[str]) -> Element:
        url = self._url(page, rows, select)
        response = self.http.get(url, accept_status=(400, 401, 500))
        where = f"{self.site_url}/API/Device page {page}"
        status = response.status_code
        if status == 500:
            raise ConnectorError(
                MIRADORE,
                f"HTTP 500 from {where}: Miradore answers 500 when the site does not exist",
                hint="the site name in ITAM_MIRADORE_URL is wrong or has the wrong case (it is case-sensitive)",
            )
        root = self._parse(response, where)
        error = root.find("Error") if root.tag == "Content" else (root if root.tag == "Error" else None)
        if error is not None or status in (400, 401):
            description = (error.findtext("Description") if error is not None else None) or ""
            code = (error.findtext("Code") if error is not None else None) or str(status)
            description = self.http.redact(" ".join(description.split()))[:300]
            if code == "401" or status == 401:
                raise AuthenticationError(
                    MIRADORE,
                    f"{where}: {description or 'Authentication failed'}",
                    hint="check ITAM_MIRADORE_API_KEY (API v1 key, API feature enabled on the site)",
                )
            if code == "400" or status == 400:
                raise MalformedResponseError(
                    MIRADORE,
                    f"{where}: request rejected: {description or 'HTTP 400'}",
                    hint="an attribute in select is unknown to this Miradore version; remove or rename it",
                )
            raise ConnectorError(MIRADORE, f"{where}: error {code}: {description}")
        if root.tag != "Content":
            raise MalformedResponseError(MIRADORE, f"{where}: XML root is <{root.tag}>, expected <Content>")
        return root

    def _parse(self, response: Any, where: str) -> Element:
        ctype = response.headers.get("Content-Type", "").lower()
        body = response.content
        head = body[:512].lstrip().lower()
        if "html" in ctype or head.startswith((b"<!doctype html", b"<html")):
            raise MalformedResponseError(
                MIRADORE,
                f"{where}: got an HTML page (HTTP {response.status_code}) instead of XML",
                hint="a login, proxy or maintenance page answered; check ITAM_MIRADORE_URL",
            )
        failure: str | None = None
        try:
            return SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except DefusedXmlException as exc:
            failure = f"unsafe XML refused ({type(exc).__name__}: DTDs and entities are not accepted)"
        except (ParseError, ValueError) as exc:
            failure = f"invalid or truncated XML ({len(body)} bytes): {str(exc)[:120]}"
        raise MalformedResponseError(MIRADORE, self.http.redact(f"{where}: {failure}"))

    @staticmethod
    def _count(root: Element) -> tuple[Element, int | None]:
        items = root.find("Items")
        if items is None:
            raise MalformedResponseError(MIRADORE, "response has no <Items> element")
        raw = items.get("count", root.get("count"))
        try:
            return items, int(raw) if raw is not None else None
        except ValueError:
            raise MalformedResponseError(MIRADORE, f"<Items count={raw!r}> is not a number") from None

    def iter_records(self) -> Iterator[RawRecord]:
        """Every device (including Deleted ones, flagged), page by page."""
        page = 1
        collected = 0
        previous_ids: list[str | None] | None = None
        self.pages_fetched = 0
        while True:
            root = self._fetch(page, self.page_size, self.select)
            items, count = self._count(root)
            devices = items.findall("Device")
            self.pages_fetched += 1
            ids = [d.findtext("ID") for d in devices]
            if devices and ids == previous_ids:
                raise MalformedResponseError(
                    MIRADORE,
                    f"page {page} repeats page {page - 1}: the server ignores the page option",
                )
            previous_ids = ids
            for device in devices:
                payload = device_payload(device)
                native = payload.get("ID")
                yield RawRecord(
                    source=MIRADORE,
                    source_record_id=str(native) if native else None,
                    payload=payload,
                    error=None if native else "device without ID (add ID to select)",
                )
            collected += len(devices)
            level = logging.INFO if self.pages_fetched % PROGRESS_EVERY_PAGES == 0 else logging.DEBUG
            log.log(level, "%s: page %d, %d of %s devices", MIRADORE, page, collected, count)
            if count is None:
                if len(devices) < self.page_size:
                    break
            elif collected >= count:
                break
            elif not devices:
                raise MalformedResponseError(
                    MIRADORE,
                    f"incomplete: got {collected} of {count} devices (page {page} was empty)",
                )
            page += 1
        if count is not None and collected != count:
            raise MalformedResponseError(MIRADORE, f"incomplete: got {collected} of {count} devices")
        log.info("%s: extraction complete: %d devices in %d pages", MIRADORE, collected, self.pages_fetched)

    def check(self) -> str:
        root = self._fetch(1, 1, ("ID",))
        _, count = self._count(root)
        return f"OK: {count} devices" if count is not None else "OK: device list readable"

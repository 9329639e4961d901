"""Miradore Online API v1: ``GET /<site>/API/Device?auth=<key>&select=...&options=rows=N,page=P``.

Behaviour reproduced (shared/reference/source-apis.md §3):
- the site name in the path is case-sensitive: unknown or wrong-case site -> HTTP 500 page;
- ``auth`` query key compared after percent-decoding; bad/missing -> 401 XML "Authentication failed";
- ``select`` validated against the known attribute list (``Entity.*`` wildcards accepted): one
  unknown attribute -> 400 ``Entity 'X' does not have property 'Y'.``;
- ``options=rows=N,page=P`` (1-based pages, default 100 rows, clamped at ``max_rows``);
- XML ``<Content><Items count="N"><Device>...``; flat attribute paths are rendered nested
  (``InvDevice.SerialNumber`` -> ``<InvDevice><SerialNumber>``), list attributes in plural
  containers (``Tags: ["x"]`` -> ``<Tags><Tag><Name>x</Name></Tag></Tags>``); datetimes as
  ``dd.MM.yyyy HH:mm:ss``;
- switches: ``ignore_paging`` (always page 1), ``count_on_content`` (``count`` on <Content>).
"""

from __future__ import annotations

import hmac
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from connectors.emulators.catalog import Catalog
from connectors.emulators.server import EmulatorApp, Request, Response

XML_HEADER = '<?xml version="1.0" encoding="utf-8"?>\n'
DEFAULT_ROWS = 100
# Attribute paths this emulated Miradore knows (Appendix 2 names used by live-tested clients).
KNOWN_ATTRIBUTES = frozenset(
    {
        "ID",
        "Name",
        "Status",
        "OnlineStatus",
        "Platform",
        "OSVersionName",
        "LastReported",
        "Created",
        "Modified",
        "IPAddress",
        "LocalIpAddress",
        "MACAddress",
        "AndroidID",
        "PurchaseDate",
        "WarrantyEndDate",
        "InvDevice.DeviceName",
        "InvDevice.Manufacturer",
        "InvDevice.Model",
        "InvDevice.MarketingName",
        "InvDevice.ProductName",
        "InvDevice.SerialNumber",
        "InvDevice.HardwareSerialNumber",
        "InvDevice.IMEI",
        "InvDevice.UDID",
        "InvDevice.WiFiMAC",
        "InvDevice.BluetoothMAC",
        "InvDevice.DeviceType",
        "InvOS.Platform",
        "InvOS.Version",
        "InvOS.Build",
        "InvOS.Language",
        "User.ID",
        "User.Name",
        "User.Email",
        "User.Firstname",
        "User.Lastname",
        "User.PhoneNumber",
        "Location.Name",
        "Location.FullName",
        "Organization.Name",
        "Organization.FullName",
        "Category.Name",
        "Tag.Name",
        "Client.Version",
        "Client.ManagementType",
        "Enrollment.ID",
        "Enrollment.Created",
        "Enrollment.Completed",
        "Enrollment.Type",
        "Security.PasscodeSet",
        "Security.EncryptionStatus",
        "BIOS.Manufacturer",
        "BIOS.SerialNumber",
        "BIOS.Version",
        "InvStorage.TotalSpace",
        "InvStorage.FreeSpace",
        "InvStorage.Type",
        "InvApplication.Name",
        "InvApplication.Version",
        "InvApplication.Identifier",
        "InvApplication.Size",
        "InvApplication.OSCategory",
        "InvApplication.InventoryTime",
    }
)
DEFAULT_SELECTION = ("ID", "Name", "Platform", "Status")
# Singular list entity -> plural container key used in the flat payload and the XML.
LIST_ENTITIES = {"Tag": "Tags", "InvApplication": "InvApplications", "InvStorage": "InvStorages"}


def _xml_error(description: str, code: int) -> str:
    return (
        f"{XML_HEADER}<Content><Error><Description>{escape(description)}</Description>"
        f"<Code>{code}</Code></Error></Content>"
    )


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y 00:00:00")
    if isinstance(value, bool):
        return "True" if value else "False"
    return escape(str(value))


SERVER_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Runtime Error</title></head><body><h1>Server Error in '/' "
    b"Application.</h1><h2><i>Runtime Error</i></h2></body></html>\n"
)


class MiradoreApp(EmulatorApp):
    name = "miradore"

    def __init__(self, catalog: Catalog, *, site: str, api_key: str, max_rows: int = 1000) -> None:
        self.catalog = catalog
        self.site = site
        self.api_key = api_key
        self.max_rows = max_rows
        self.secrets = (api_key,)
        self._known: frozenset[str] | None = None
        self.reset()

    def reset(self) -> None:
        self.ignore_paging = False
        self.count_on_content = False

    def is_data_request(self, request: Request) -> bool:
        parts = [p for p in request.path.split("/") if p]
        return len(parts) == 3 and parts[0] == self.site and parts[1] == "API" and parts[2] == "Device"

    def throttled(self, faults) -> Response:
        return Response.xml(429, _xml_error("Too many requests", 429))

    def failed(self, status: int) -> Response:
        return Response.xml(status, _xml_error("Service unavailable", status))

    def _known_attributes(self) -> frozenset[str]:
        if self._known is None:
            extra: set[str] = set()
            for payload in self.catalog.page(0, 50):
                for key in payload:
                    if key.startswith("_"):
                        continue
                    singular = next((s for s, p in LIST_ENTITIES.items() if p == key), None)
                    extra.add(f"{singular}.Name" if singular else key)
            self._known = KNOWN_ATTRIBUTES | extra
        return self._known

    def _validate(self, selection: list[str]) -> str | None:
        known = self._known_attributes()
        entities = {a.split(".", 1)[0] for a in known if "." in a}
        for attribute in selection:
            if attribute in known:
                continue
            entity, _, prop = attribute.rpartition(".")
            if prop == "*" and entity in entities:
                continue
            if entity and entity not in entities:
                return f"Entity '{entity}' does not exist."
            return f"Entity '{entity or 'Device'}' does not have property '{prop}'."
        return None

    def _expand(self, selection: list[str]) -> list[str]:
        out: list[str] = []
        for attribute in selection:
            if attribute.endswith(".*"):
                prefix = attribute[:-1]
                out.extend(sorted(a for a in self._known_attributes() if a.startswith(prefix)))
            else:
                out.append(attribute)
        return list(dict.fromkeys(out))

    def _render_device(self, payload: dict[str, Any], selection: list[str]) -> str:
        # Group selected attributes by entity, keeping selection order; render nested.
        top: list[str] = []
        groups: dict[str, list[str]] = {}
        for attribute in selection:
            if "." in attribute:
                entity, prop = attribute.split(".", 1)
                if entity not in groups:
                    groups[entity] = []
                    top.append(entity)
                groups[entity].append(prop)
            else:
                top.append(attribute)
        parts = ["<Device>"]
        for name in top:
            if name not in groups:
                value = payload.get(name)
                if value is not None:
                    parts.append(f"<{name}>{_text(value)}</{name}>")
                continue
            props = groups[name]
            plural = LIST_ENTITIES.get(name)
            if plural is not None:
                items = payload.get(plural)
                if items is None:
                    continue
                parts.append(f"<{plural}>")
                for item in items:
                    parts.append(f"<{name}>")
                    for prop in props:
                        value = (
                            item.get(prop) if isinstance(item, dict) else (item if prop == "Name" else None)
                        )
                        if value is not None:
                            parts.append(f"<{prop}>{_text(value)}</{prop}>")
                    parts.append(f"</{name}>")
                parts.append(f"</{plural}>")
                continue
            inner = []
            for prop in props:
                value = payload.get(f"{name}.{prop}")
                if value is not None:
                    inner.append(f"<{prop}>{_text(value)}</{prop}>")
            if inner:
                parts.append(f"<{name}>{''.join(inner)}</{name}>")
        parts.append("</Device>")
        return "".join(parts)

    def handle(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if len(parts) >= 2 and parts[1].lower() == "api" and parts[0] != self.site:
            return Response.html(500, SERVER_ERROR_PAGE)  # unknown or wrong-case site
        if not self.is_data_request(request):
            return Response.xml(404, _xml_error(f"Unknown item '{'/'.join(parts[2:])}'", 404))
        key = request.arg("auth")
        if not key or not hmac.compare_digest(key.encode(), self.api_key.encode()):
            return Response.xml(401, _xml_error("Authentication failed", 401))
        select_raw = request.arg("select")
        selection = (
            [s.strip() for s in select_raw.split(",") if s.strip()] if select_raw else list(DEFAULT_SELECTION)
        )
        problem = self._validate(selection)
        if problem:
            return Response.xml(400, _xml_error(problem, 400))
        selection = self._expand(selection)
        rows, page = DEFAULT_ROWS, 1
        for option in (request.arg("options") or "").split(","):
            name, _, value = option.partition("=")
            name = name.strip().lower()
            if name in ("rows", "page"):
                try:
                    number = int(value)
                except ValueError:
                    return Response.xml(400, _xml_error(f"Invalid value '{value}' for option '{name}'.", 400))
                if number < 1:
                    return Response.xml(400, _xml_error(f"Option '{name}' must be positive.", 400))
                if name == "rows":
                    rows = min(number, self.max_rows)
                else:
                    page = number
        if self.ignore_paging:
            page = 1
        total = len(self.catalog)
        offset = (page - 1) * rows
        devices = self.catalog.page(offset, rows) if offset < total else []
        body = [XML_HEADER]
        if self.count_on_content:
            body.append(f'<Content count="{total}"><Items>')
        else:
            body.append(f'<Content><Items count="{total}">')
        body.extend(self._render_device(d, selection) for d in devices)
        body.append("</Items></Content>")
        return Response.xml(200, "".join(body))

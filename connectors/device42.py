"""Device42 devices from ``GET /api/1.0/devices/all/`` (HTTP Basic auth).

Paging quirks handled (shared/reference/source-apis.md §2.2):
- the appliance clamps ``limit`` silently to its "API GET Limit" and reports the limit it
  applied: ``offset`` advances by the *reported* limit (by the rows returned if none);
- with "Enforce API GET Limits" off the appliance ignores ``limit``/``offset`` and returns the
  whole inventory in one response; we notice (more rows than the limit, or no limit echo
  and everything delivered) and stop instead of asking again forever;
- the array key is ``Devices`` in practice, ``devices`` in the OpenAPI spec: both are read;
- ``code`` != 0 is a logical error even under HTTP 200.
At the end the number of distinct devices must equal ``total_count``; a shortfall raises
``MalformedResponseError`` rather than reading as "devices were deleted".
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from connectors.errors import AuthenticationError, ConnectorError, MalformedResponseError
from connectors.http import HttpClient, RetryPolicy
from connectors.records import DEVICE42, RawRecord
from connectors.redact import basic_auth_token

log = logging.getLogger(__name__)

DEVICES_PATH = "/api/1.0/devices/all/"
PROGRESS_EVERY_PAGES = 10


class Device42Client:
    """Streams Device42 device objects as RawRecords."""

    source = DEVICE42

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        page_size: int = 1000,
        verify: bool | str = True,
        timeout: float | tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
        sleep: Any = None,
        http: HttpClient | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be positive")
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.page_size = page_size
        kwargs: dict[str, Any] = {
            "timeout": timeout,
            "verify": verify,
            "retry": retry,
            "secrets": [password, basic_auth_token(username, password)],
            "auth": (username, password),
            "headers": {"Accept": "application/json"},
        }
        if sleep is not None:
            kwargs["sleep"] = sleep
        self.http = http or HttpClient(DEVICE42, **kwargs)
        self.pages_fetched = 0

    def _get(self, limit: int, offset: int) -> dict[str, Any]:
        url = f"{self.base_url}{DEVICES_PATH}"
        response = self.http.get(url, params={"limit": limit, "offset": offset}, accept_status=(401,))
        if response.status_code == 401:
            detail = ""
            try:
                body = response.json()
                detail = str(body.get("msg") or body.get("detail") or "") if isinstance(body, dict) else ""
            except ValueError:
                pass
            raise AuthenticationError(
                DEVICE42,
                self.http.redact(f"HTTP 401 from {url}" + (f": {detail}" if detail else "")),
                hint="check ITAM_DEVICE42_USERNAME / ITAM_DEVICE42_PASSWORD (an API user with read access)",
            )
        body = self.http.json(response, f"devices page at offset {offset}")
        if not isinstance(body, dict):
            raise MalformedResponseError(DEVICE42, f"devices page at offset {offset} is not a JSON object")
        code = body.get("code")
        if code not in (None, 0, "0"):
            raise ConnectorError(
                DEVICE42,
                self.http.redact(f"Device42 reported error code {code}: {body.get('msg')!r}"),
                hint="a logical error under HTTP 200; check the query parameters and the API user's rights",
            )
        return body

    @staticmethod
    def _rows(body: dict[str, Any], offset: int) -> list[Any]:
        rows = body.get("Devices", body.get("devices"))
        if not isinstance(rows, list):
            raise MalformedResponseError(
                DEVICE42,
                f"devices page at offset {offset} has no 'Devices' list (keys {sorted(body)[:8]})",
            )
        return rows

    @staticmethod
    def _int(value: Any) -> int | None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def iter_records(self) -> Iterator[RawRecord]:
        """Every device, page by page; verifies the count against ``total_count`` at the end."""
        offset = 0
        seen: set[str] = set()
        duplicates = 0
        total: int | None = None
        self.pages_fetched = 0
        while True:
            body = self._get(self.page_size, offset)
            rows = self._rows(body, offset)
            self.pages_fetched += 1
            reported_total = self._int(body.get("total_count"))
            if reported_total is not None:
                total = reported_total
            reported_limit = self._int(body.get("limit"))
            new_rows = 0
            for device in rows:
                if not isinstance(device, dict):
                    raise MalformedResponseError(DEVICE42, f"page at offset {offset} holds a non-object item")
                native = device.get("device_id", device.get("id"))
                if native in (None, ""):
                    yield RawRecord(
                        source=DEVICE42,
                        source_record_id=None,
                        payload=device,
                        error="device without device_id/id",
                    )
                    continue
                key = str(native)
                if key in seen:  # overlapping pages (server ignored offset): already yielded
                    duplicates += 1
                    continue
                seen.add(key)
                new_rows += 1
                yield RawRecord(source=DEVICE42, source_record_id=key, payload=device)
            level = logging.INFO if self.pages_fetched % PROGRESS_EVERY_PAGES == 0 else logging.DEBUG
            log.log(
                level,
                "%s: page %d (offset %d, %d rows, limit reported %s), %d devices so far",
                DEVICE42,
                self.pages_fetched,
                offset,
                len(rows),
                reported_limit,
                len(seen),
            )

            # Decide whether there is another page.
            if not rows:
                break
            if reported_limit is None and total is not None and len(seen) >= total:
                break  # no paging echo and nothing missing: the server sent everything at once
            if reported_limit is not None and len(rows) > reported_limit:
                log.info(
                    "%s: server returned %d rows for limit %d: paging is not enforced",
                    DEVICE42,
                    len(rows),
                    reported_limit,
                )
                break
            if reported_limit is None and len(rows) > self.page_size:
                break
            if new_rows == 0:
                break  # the same rows again: the server ignores offset
            step = reported_limit if reported_limit else len(rows)
            offset += step
            if total is not None and offset >= total:
                break
            if total is None and len(rows) < (reported_limit or self.page_size):
                break  # a short page without total_count: the last one

        if total is not None and len(seen) != total:
            raise MalformedResponseError(
                DEVICE42,
                f"incomplete: got {len(seen)} of {total} devices (total_count) in {self.pages_fetched} pages"
                + (f", {duplicates} duplicate rows skipped" if duplicates else ""),
                hint="the appliance changed during the sweep or paging is inconsistent; run again",
            )
        log.info("%s: extraction complete: %d devices in %d pages", DEVICE42, len(seen), self.pages_fetched)

    def check(self) -> str:
        body = self._get(1, 0)
        self._rows(body, 0)
        total = self._int(body.get("total_count"))
        return f"OK: {total} devices" if total is not None else "OK: device list readable"

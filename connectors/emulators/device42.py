"""Device42 appliance: ``GET /api/1.0/devices/all/`` with HTTP Basic auth.

Behaviour reproduced (shared/reference/source-apis.md §2):
- 401 ``{"msg": ..., "code": 1}`` for missing or wrong credentials;
- "Enforce API GET Limits" on (default): ``limit``/``offset`` honoured, ``limit`` silently
  clamped to ``max_limit`` and the *applied* limit echoed with ``total_count`` and ``offset``;
- switch ``enforce_limits = False``: paging parameters ignored, the whole inventory in one
  response with only ``total_count`` (no limit/offset echo);
- array key ``Devices`` (switch ``devices_key`` to ``"devices"`` as in the OpenAPI spec);
- switches ``logical_error`` (HTTP 200 with ``code`` != 0) and ``inflate_total_count``
  (``total_count`` larger than what can be paged: an incomplete extraction).
"""

from __future__ import annotations

import base64
import binascii
import hmac

from connectors.emulators.catalog import Catalog
from connectors.emulators.server import EmulatorApp, Request, Response

DEVICES_PATH = "/api/1.0/devices/all"


class Device42App(EmulatorApp):
    name = "device42"

    def __init__(self, catalog: Catalog, *, username: str, password: str, max_limit: int = 500) -> None:
        self.catalog = catalog
        self.username = username
        self.password = password
        self.default_max_limit = max_limit
        self.secrets = (password,)
        self.reset()

    def reset(self) -> None:
        self.max_limit = self.default_max_limit  # the appliance's "API GET Limit"
        self.enforce_limits = True
        self.devices_key = "Devices"
        self.logical_error = False
        self.inflate_total_count = 0

    def is_data_request(self, request: Request) -> bool:
        return request.path.rstrip("/") == DEVICES_PATH

    def throttled(self, faults) -> Response:  # Device42 documents no rate limit; a proxy might send this
        return Response.json(429, {"msg": "Too many requests", "code": 1})

    def failed(self, status: int) -> Response:
        return Response.json(status, {"msg": "Instance is not healthy. Please try again later.", "code": 1})

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user.encode(), self.username.encode()) and hmac.compare_digest(
            password.encode(), self.password.encode()
        )

    @staticmethod
    def _int_arg(request: Request, name: str, default: int) -> int | None:
        raw = request.arg(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            return None
        return value if value >= 0 else None

    def handle(self, request: Request) -> Response:
        if request.path.rstrip("/") != DEVICES_PATH:
            return Response.json(404, {"msg": f"Not found: {request.path}", "code": 1})
        if request.method != "GET":
            return Response.json(405, {"msg": "Method not allowed", "code": 1})
        if not self._authorized(request):
            return Response.json(
                401,
                {"msg": "Invalid username/password.", "code": 1},
                headers={"WWW-Authenticate": 'Basic realm="api"'},
            )
        if self.logical_error:
            return Response.json(200, {"msg": "Object category matching query does not exist.", "code": 2})
        total = len(self.catalog)
        reported_total = total + self.inflate_total_count
        if not self.enforce_limits:
            return Response.json(
                200, {"total_count": reported_total, self.devices_key: self.catalog.page(0, total)}
            )
        limit = self._int_arg(request, "limit", self.max_limit)
        offset = self._int_arg(request, "offset", 0)
        if limit is None or offset is None:
            return Response.json(400, {"msg": "limit and offset must be non-negative integers", "code": 1})
        limit = min(limit, self.max_limit) or self.max_limit
        rows = self.catalog.page(offset, limit) if offset < total else []
        return Response.json(
            200, {"total_count": reported_total, "limit": limit, "offset": offset, self.devices_key: rows}
        )

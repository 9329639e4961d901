"""Threaded HTTPS servers for the source emulators, with switchable faults.

Each emulator is an ``EmulatorApp`` (routing + vendor-shaped bodies) served by an
``EmulatorServer`` (stdlib ``ThreadingHTTPServer`` + ``ssl``; the TLS handshake runs in the
connection's own thread so a stalled client cannot block the accept loop). HTTP/1.1
keep-alive is on, so a client pays one handshake per connection, not per page.

``Faults`` are plain attributes: set them when starting or flip them while a test runs.
They apply to *data* requests (device lists), never to discovery/token endpoints, and the
random ones use a seeded generator so runs are repeatable.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.emulators.tls import TlsFiles
from connectors.redact import redact

try:  # orjson is much faster for 1,000-device pages; json is the fallback
    import orjson as _orjson

    def dumps(obj: Any) -> bytes:
        return _orjson.dumps(obj)
except ImportError:  # pragma: no cover - depends on the environment
    import json as _json

    def dumps(obj: Any) -> bytes:
        return _json.dumps(obj, separators=(",", ":")).encode()


log = logging.getLogger(__name__)

HTML_LOGIN_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in to your account</title></head>"
    b'<body><form method="post" action="/login"><input name="loginfmt"/>'
    b"<p>Your session has expired. Please sign in again.</p></form></body></html>\n"
)


@dataclass
class Faults:
    """Failure switches of one emulator (settable at start and at runtime)."""

    throttle_rate: float = 0.0  # fraction of data requests answered 429
    throttle_next: int = 0  # the next N data requests are answered 429
    throttle_without_retry_after: bool = False  # 429s carry no Retry-After header
    retry_after_seconds: int = 1  # value of Retry-After on 429 (and 503 when error_retry_after)
    error_rate: float = 0.0  # fraction of data requests answered error_status
    error_next: int = 0  # the next N data requests are answered error_status
    error_status: int = 503  # 503 or 504 (or any 5xx)
    error_retry_after: bool = False  # 5xx answers carry Retry-After too
    slow_seconds: float = 0.0  # delay before answering each data request
    token_expiry_after_pages: int | None = None  # Graph: a token dies after N pages -> 401
    malformed_page: int | None = None  # the Nth successful data page (1-based, since reset) is malformed
    malformed_kind: str = "html"  # html | truncated | envelope | dtd (XML with DTD + entity)
    down: bool = False  # every request answered 503 (service down)
    seed: int = 0

    def reset(self) -> None:
        for f in fields(self):
            if f.name != "seed":
                setattr(self, f.name, f.default)


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    base_url: str  # https://host:port as the client addressed it

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
        return cls(status, dumps(obj), "application/json; charset=utf-8", dict(headers or {}))

    @classmethod
    def xml(cls, status: int, text: str | bytes, headers: dict[str, str] | None = None) -> Response:
        body = text.encode("utf-8") if isinstance(text, str) else text
        return cls(status, body, "text/xml; charset=utf-8", dict(headers or {}))

    @classmethod
    def html(cls, status: int, body: bytes) -> Response:
        return cls(status, body, "text/html; charset=utf-8")


class EmulatorApp:
    """Routing and vendor-shaped bodies of one emulated service."""

    name = "emulator"
    secrets: tuple[str, ...] = ()  # masked in the emulator's own log lines
    faults: Faults

    def is_data_request(self, request: Request) -> bool:
        """True for device-list requests (the ones faults apply to)."""
        return False

    def handle(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def throttled(self, faults: Faults) -> Response:
        return Response.json(429, {"error": "too many requests"})

    def failed(self, status: int) -> Response:
        return Response.json(status, {"error": f"HTTP {status}"})

    def malformed(self, kind: str, real: Response) -> Response:
        if kind == "truncated":
            return Response(200, real.body[: max(1, len(real.body) // 2)], real.content_type)
        if kind == "envelope":
            return Response.json(200, {"unexpected": "envelope"})
        if kind == "dtd":
            return Response.xml(200, DTD_BOMB)
        return Response.html(200, HTML_LOGIN_PAGE)


DTD_BOMB = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<!DOCTYPE Content [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
    '<Content><Items count="1"><Device><ID>&xxe;</ID><Status>&b;</Status></Device></Items></Content>'
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: EmulatorServer, context: ssl.SSLContext) -> None:
        self.emulator = emulator
        self.ssl_context = context
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Runs in the connection's thread: do the TLS handshake here, not in the accept loop.
        try:
            request.settimeout(15)
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with self.connections_lock:
            self.connections.add(tls)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            with self.connections_lock:
                self.connections.discard(tls)
            with contextlib.suppress(OSError):
                tls.close()

    def close_connections(self) -> None:
        with self.connections_lock:
            open_ = list(self.connections)
        for conn in open_:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ItamEmulator/1.0"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are closed after this
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        emulator = self.server.emulator
        log.debug("%s: %s", emulator.app.name, redact(format % args, emulator.app.secrets))

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        request = Request(
            method=self.command,
            path=split.path,
            query_string=split.query,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
            base_url=f"https://{host}",
        )
        try:
            response = self.server.emulator.respond(request)
        except Exception:  # an emulator bug must show up as a 500, not a hung client
            log.exception("%s: handler failed", self.server.emulator.app.name)
            response = Response.json(500, {"error": "emulator failure"})
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


class EmulatorServer:
    """One emulated service on https://127.0.0.1:<port> (port 0 = ephemeral)."""

    def __init__(
        self,
        app: EmulatorApp,
        tls: TlsFiles,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
    ) -> None:
        self.app = app
        self.tls = tls
        self.host = host
        self.requested_port = port
        self.faults = faults or getattr(app, "faults", None) or Faults()
        app.faults = self.faults  # one switchboard shared by the server and its app
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.data_pages_served = 0
        self.requests_seen = 0

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> EmulatorServer:
        if self._server is not None:
            return self
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(self.tls.cert), str(self.tls.key))
        self._server = _Server((self.host, self.requested_port), self, context)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"emulator-{self.app.name}",
            daemon=True,
        )
        self._thread.start()
        log.info("%s emulator listening on %s", self.app.name, self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("emulator not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def reset(self) -> None:
        """Clear every fault and counter (the app's own switches are reset by the app)."""
        with self._lock:
            self.faults.reset()
            self._rng = random.Random(self.faults.seed)
            self.data_pages_served = 0
            self.requests_seen = 0
        reset = getattr(self.app, "reset", None)
        if callable(reset):
            reset()

    # -- fault injection -------------------------------------------------------------------
    def _draw(self, counter: str, rate: float) -> bool:
        with self._lock:
            pending = getattr(self.faults, counter)
            if pending > 0:
                setattr(self.faults, counter, pending - 1)
                return True
            return rate > 0 and self._rng.random() < rate

    def respond(self, request: Request) -> Response:
        with self._lock:
            self.requests_seen += 1
        faults = self.faults
        if faults.down:
            return self.app.failed(503)
        if not self.app.is_data_request(request):
            return self.app.handle(request)
        if faults.slow_seconds > 0:
            time.sleep(faults.slow_seconds)
        if self._draw("throttle_next", faults.throttle_rate):
            response = self.app.throttled(faults)
            if faults.throttle_without_retry_after:
                response.headers.pop("Retry-After", None)
            else:
                response.headers["Retry-After"] = str(faults.retry_after_seconds)
            return response
        if self._draw("error_next", faults.error_rate):
            response = self.app.failed(faults.error_status)
            if faults.error_retry_after:
                response.headers["Retry-After"] = str(faults.retry_after_seconds)
            return response
        response = self.app.handle(request)
        if 200 <= response.status < 300:
            with self._lock:
                self.data_pages_served += 1
                page_number = self.data_pages_served
            if faults.malformed_page is not None and page_number == faults.malformed_page:
                return self.app.malformed(faults.malformed_kind, response)
        return response


def start_all(servers: Iterable[EmulatorServer]) -> list[EmulatorServer]:
    started = []
    try:
        for server in servers:
            started.append(server.start())
    except BaseException:
        for server in started:
            server.stop()
        raise
    return started

"""HttpClient: timeouts, bounded retries honouring Retry-After, verify handling, typed errors."""

from __future__ import annotations

import email.utils
import time
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from emulator_helpers import FAST_RETRY, exception_texts

from connectors.emulators.server import EmulatorApp, EmulatorServer, Request, Response
from connectors.emulators.tls import ensure_tls_files
from connectors.errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    PermissionDeniedError,
    SourceUnavailableError,
)
from connectors.http import HttpClient, RetryPolicy, parse_retry_after


class ScriptedApp(EmulatorApp):
    """Answers with queued responses, then with a default JSON page."""

    name = "scripted"

    def __init__(self) -> None:
        self.queue: deque[Response] = deque()
        self.seen: list[Request] = []

    def is_data_request(self, request: Request) -> bool:
        return True

    def handle(self, request: Request) -> Response:
        self.seen.append(request)
        if self.queue:
            return self.queue.popleft()
        return Response.json(200, {"ok": True, "query": request.query_string})


@pytest.fixture(scope="module")
def scripted_server(tmp_path_factory) -> Iterator[EmulatorServer]:
    tls = ensure_tls_files(tmp_path_factory.mktemp("tls"))
    server = EmulatorServer(ScriptedApp(), tls).start()
    yield server
    server.stop()


@pytest.fixture
def server(scripted_server) -> Iterator[EmulatorServer]:
    scripted_server.reset()
    scripted_server.app.queue.clear()
    scripted_server.app.seen.clear()
    yield scripted_server
    if scripted_server.faults.slow_seconds:
        # Handler threads of timed-out requests are still asleep; let them finish here, or they
        # wake up during the next test and answer with that test's queued responses.
        time.sleep(scripted_server.faults.slow_seconds + 1.0)


def client(server: EmulatorServer, **kwargs) -> HttpClient:
    kwargs.setdefault("retry", FAST_RETRY)
    return HttpClient("test", verify=str(server.tls.ca), timeout=5, **kwargs)


def test_parse_retry_after() -> None:
    now = datetime(2025, 3, 4, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("17") == 17.0
    assert parse_retry_after(" 0 ") == 0.0
    later = email.utils.format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now) == 30.0
    past = email.utils.format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


def test_real_retry_after_one_second(server) -> None:
    """The real sleep path: the server says Retry-After: 1 and we really wait that long."""
    server.faults.throttle_next = 1
    server.faults.retry_after_seconds = 1
    http = client(server)
    started = time.monotonic()
    response = http.get(server.url + "/x")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert 1.0 <= elapsed < 3.0
    assert http.total_waited == 1.0


def test_retry_after_as_http_date(server, sleeps) -> None:
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    server.app.queue.append(Response.json(503, {"error": "busy"}, headers={"Retry-After": when}))
    http = client(server, sleep=sleeps)
    assert http.get(server.url + "/x").status_code == 200
    assert len(sleeps) == 1 and 1.5 <= sleeps[0] <= 3.0


def test_backoff_without_retry_after_grows(server, sleeps) -> None:
    server.faults.throttle_next = 4
    server.faults.throttle_without_retry_after = True
    policy = RetryPolicy(max_attempts=6, backoff_base=0.01, backoff_max=1.0, max_total_wait=5)
    assert client(server, sleep=sleeps, retry=policy).get(server.url + "/x").status_code == 200
    assert len(sleeps) == 4
    # equal jitter: attempt n waits between half and all of base * 2**(n-1)
    for n, delay in enumerate(sleeps, start=1):
        ceiling = 0.01 * 2 ** (n - 1)
        assert ceiling / 2 <= delay <= ceiling


def test_attempts_are_bounded(server, sleeps) -> None:
    server.faults.error_next = 100
    with pytest.raises(SourceUnavailableError, match="HTTP 503") as info:
        client(server, sleep=sleeps).get(server.url + "/x")
    assert len(sleeps) == FAST_RETRY.max_attempts - 1
    assert info.value.retryable


def test_total_wait_is_bounded(server, sleeps) -> None:
    server.faults.throttle_next = 100
    server.faults.retry_after_seconds = 2
    policy = RetryPolicy(max_attempts=50, max_total_wait=5, max_retry_after=10)
    with pytest.raises(SourceUnavailableError, match="429"):
        client(server, sleep=sleeps, retry=policy).get(server.url + "/x")
    assert sleeps == [2.0, 2.0]  # a third wait would exceed the 5 s budget


def test_unreasonable_retry_after_gives_up_at_once(server, sleeps) -> None:
    server.faults.throttle_next = 1
    server.faults.retry_after_seconds = 3600
    with pytest.raises(SourceUnavailableError):
        client(server, sleep=sleeps).get(server.url + "/x")
    assert sleeps == []


def test_read_timeout_is_retried_then_reported(server, sleeps) -> None:
    server.faults.slow_seconds = 0.5
    http = HttpClient("test", verify=str(server.tls.ca), timeout=(2, 0.1), retry=FAST_RETRY, sleep=sleeps)
    with pytest.raises(SourceUnavailableError, match="unreachable"):
        http.get(server.url + "/x")
    assert len(sleeps) == FAST_RETRY.max_attempts - 1


def test_connection_refused(closed_port, sleeps) -> None:
    http = HttpClient("test", retry=FAST_RETRY, sleep=sleeps, secrets=["s3cr3t"])
    with pytest.raises(SourceUnavailableError, match="Connection refused") as info:
        http.get(f"https://127.0.0.1:{closed_port}/x?auth=s3cr3t&password=s3cr3t")
    assert "s3cr3t" not in exception_texts(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None  # no URL-bearing chain


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, ConnectorError),
        (500, SourceUnavailableError),
    ],
)
def test_status_errors_are_typed(server, status, error, sleeps) -> None:
    server.app.queue.append(Response.json(status, {"error": "nope"}))
    with pytest.raises(error, match=f"HTTP {status}"):
        client(server, sleep=sleeps).get(server.url + "/x")
    assert sleeps == []  # not retried


def test_accept_status_hands_the_response_back(server) -> None:
    server.app.queue.append(Response.json(401, {"error": "expired"}))
    assert client(server).get(server.url + "/x", accept_status=(401,)).status_code == 401


def test_json_refuses_html_and_truncation(server) -> None:
    http = client(server)
    server.app.queue.append(Response.html(200, b"<!DOCTYPE html><html><body>Sign in</body></html>"))
    with pytest.raises(MalformedResponseError, match="HTML"):
        http.json(http.get(server.url + "/x"), "page")
    server.app.queue.append(Response(200, b'{"value": [{"id": 1}, {"id"', "application/json"))
    with pytest.raises(MalformedResponseError, match="truncated"):
        http.json(http.get(server.url + "/x"), "page")
    server.app.queue.append(Response(200, b"id,name\n1,x\n", "text/csv"))
    with pytest.raises(MalformedResponseError, match="Content-Type"):
        http.json(http.get(server.url + "/x"), "page")


def test_explicit_verify_is_used_even_with_requests_ca_bundle_set(server, monkeypatch) -> None:
    import certifi

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())  # a bundle that does not know our CA
    assert client(server).get(server.url + "/x").status_code == 200


def test_requests_ca_bundle_is_honoured_with_verify_true(server, monkeypatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.tls.ca))
    http = HttpClient("test", verify=True, retry=FAST_RETRY)
    assert http.get(server.url + "/x").status_code == 200


def test_untrusted_certificate_is_a_tls_error(server, monkeypatch) -> None:
    import certifi

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    with pytest.raises(ConnectorError, match="TLS verification failed"):
        HttpClient("test", verify=True, retry=FAST_RETRY).get(server.url + "/x")


def test_params_and_headers_are_sent(server) -> None:
    http = client(server, headers={"Accept": "application/json"})
    http.get(server.url + "/x", params={"limit": 5, "offset": 10}, headers_factory=lambda: {"X-Test": "1"})
    request = server.app.seen[-1]
    assert request.query == {"limit": ["5"], "offset": ["10"]}
    assert request.headers["X-Test"] == "1"
    assert request.headers["Accept"] == "application/json"


def test_wait_budget_is_per_request(server, sleeps) -> None:
    # A long sweep may be throttled on many pages; each request gets its own budget.
    policy = RetryPolicy(max_attempts=5, max_total_wait=3, max_retry_after=10)
    http = client(server, sleep=sleeps, retry=policy)
    for _ in range(3):
        server.faults.throttle_next = 1
        server.faults.retry_after_seconds = 2
        assert http.get(server.url + "/x").status_code == 200
    assert sleeps == [2.0, 2.0, 2.0] and http.total_waited == 6.0

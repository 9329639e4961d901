"""The small HTTP helper every API connector uses.

- a (connect, read) timeout on every call;
- retries of idempotent GETs on 429/502/503/504/408/425 and on connection errors or
  timeouts, honouring ``Retry-After`` (seconds or HTTP date) and falling back to exponential
  backoff with jitter; attempts and the total time spent waiting are both bounded;
- ``verify`` (True or a CA bundle path) is passed on *every* request: a session-level
  ``verify`` is silently replaced by ``REQUESTS_CA_BUNDLE`` when that variable is set;
- typed errors (``connectors.errors``) whose text went through ``connectors.redact``:
  requests exceptions embed the URL (with the Miradore key in it), so they are never
  chained: errors are raised outside the ``except`` block with a redacted summary.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from connectors.errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    PermissionDeniedError,
    SourceUnavailableError,
)
from connectors.redact import Redactor

try:  # orjson is a transitive dependency here; json is the fallback
    import orjson as _orjson

    def _loads(data: bytes) -> Any:
        return _orjson.loads(data)

    _JSON_ERRORS: tuple[type[Exception], ...] = (_orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover - depends on the environment
    import json as _json

    def _loads(data: bytes) -> Any:
        return _json.loads(data)

    _JSON_ERRORS = (ValueError,)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (10.0, 120.0)  # connect, read (seconds)
RETRY_STATUSES = frozenset({408, 425, 429, 502, 503, 504})
USER_AGENT = "itam-pipeline-connector/0.1"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. ``backoff_base`` doubles per attempt, capped at ``backoff_max``."""

    max_attempts: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_total_wait: float = 300.0  # per request, summed over its retries
    max_retry_after: float = 300.0  # a single Retry-After longer than this gives up at once
    statuses: frozenset[int] = RETRY_STATUSES


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def describe_exception(exc: BaseException) -> str:
    """A short, URL-free description of a transport error (class name + reason)."""
    name = type(exc).__name__
    reason = str(exc)
    # requests/urllib3 texts look like "HTTPSConnectionPool(host=..., port=...): Max retries
    # exceeded with url: /path?auth=... (Caused by NewConnectionError(...: [Errno 111] ...))"
    if "Caused by" in reason:
        reason = reason.split("Caused by", 1)[1].strip(" ()")
    for marker in (
        "[Errno",
        "timed out",
        "Connection refused",
        "Name or service not known",
        "CERTIFICATE_VERIFY_FAILED",
        "Remote end closed",
        "Connection reset",
    ):
        if marker in reason:
            start = reason.index(marker)
            reason = reason[start : start + 120]
            break
    return f"{name}: {reason[:200].rstrip(chr(39) + chr(34) + ')')}"


class HttpClient:
    """A requests session with timeouts, bounded retries and typed, redacted errors."""

    def __init__(
        self,
        source: str,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        secrets: Iterable[str | None] = (),
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.source = source
        self.timeout = timeout if isinstance(timeout, tuple) else (float(timeout), float(timeout))
        self.verify = verify
        self.retry = retry or RetryPolicy()
        self.redact = Redactor(secrets)
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        if headers:
            self.session.headers.update(headers)
        if auth is not None:
            self.session.auth = auth
        self.requests_sent = 0
        self.total_waited = 0.0

    def close(self) -> None:
        self.session.close()

    # -- retries ---------------------------------------------------------------------------
    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        ceiling = min(self.retry.backoff_max, self.retry.backoff_base * (2 ** (attempt - 1)))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def _wait(self, seconds: float, why: str, attempt: int, url: str, waited: float) -> bool:
        """Sleep before the next attempt; False when this call's budget (attempts, wait) is spent."""
        if attempt >= self.retry.max_attempts:
            return False
        if seconds > self.retry.max_retry_after:
            return False
        if waited + seconds > self.retry.max_total_wait:
            return False
        log.info(
            "%s: %s on %s; retry %d/%d in %.2f s",
            self.source,
            why,
            self.redact(url),
            attempt,
            self.retry.max_attempts - 1,
            seconds,
        )
        self.total_waited += seconds
        self.sleep(seconds)
        return True

    # -- the one call ----------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        accept_status: Collection[int] = (),
        headers_factory: Callable[[], Mapping[str, str]] | None = None,
    ) -> requests.Response:
        """GET ``url`` with retries. Returns a 2xx response or one whose status is in
        ``accept_status`` (for the caller to interpret); raises a ConnectorError otherwise.

        ``headers_factory`` is called before every attempt (e.g. a fresh bearer token).
        """
        attempt = 0
        waited = 0.0  # the budget is per call: a long sweep may be throttled many times
        while True:
            attempt += 1
            call_headers = dict(headers or {})
            if headers_factory is not None:
                call_headers.update(headers_factory())
            failure: str | None = None
            started = time.monotonic()
            try:
                self.requests_sent += 1
                response = self.session.get(
                    url, params=params, headers=call_headers, timeout=self.timeout, verify=self.verify
                )
            except requests.exceptions.SSLError as exc:
                error: ConnectorError = ConnectorError(
                    self.source,
                    self.redact(f"TLS verification failed for {_origin(url)}: {describe_exception(exc)}"),
                    hint="point verify / REQUESTS_CA_BUNDLE at the CA bundle that signed the server certificate",
                )
                break
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                failure = describe_exception(exc)
            except requests.exceptions.RequestException as exc:
                error = ConnectorError(self.source, self.redact(f"request failed: {describe_exception(exc)}"))
                break
            if failure is not None:
                delay = self._backoff(attempt)
                if self._wait(delay, self.redact(failure), attempt, url, waited):
                    waited += delay
                    continue
                error = SourceUnavailableError(
                    self.source,
                    self.redact(f"{_origin(url)} unreachable after {attempt} attempt(s): {failure}"),
                    hint="check the URL, DNS, firewall/proxy and that the service is up",
                )
                break

            status = response.status_code
            log.debug(
                "%s: GET %s -> %d (%d bytes, %.0f ms)",
                self.source,
                self.redact(url),
                status,
                len(response.content),
                (time.monotonic() - started) * 1000,
            )
            if 200 <= status < 300 or status in accept_status:
                return response
            if status in self.retry.statuses:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                delay = retry_after if retry_after is not None else self._backoff(attempt)
                why = f"HTTP {status}" + (
                    f" (Retry-After {response.headers.get('Retry-After')})" if retry_after is not None else ""
                )
                if self._wait(delay, why, attempt, url, waited):
                    waited += delay
                    continue
                error = SourceUnavailableError(
                    self.source,
                    self.redact(
                        f"{why} from {_origin(url)} persisted after {attempt} attempt(s) "
                        f"and {waited:.1f} s of waiting"
                    ),
                    hint="the service is throttling or unhealthy; try again later",
                )
                break
            error = self.status_error(response)
            break
        raise error

    def status_error(self, response: requests.Response) -> ConnectorError:
        """The typed error for a non-retryable, non-accepted HTTP status."""
        status = response.status_code
        snippet = self.redact(_snippet(response))
        where = self.redact(_origin(response.url))
        if status == 401:
            return AuthenticationError(
                self.source, f"HTTP 401 from {where}: {snippet}", hint="check the configured credentials"
            )
        if status == 403:
            return PermissionDeniedError(
                self.source, f"HTTP 403 from {where}: {snippet}", hint="the account lacks a permission"
            )
        if status >= 500:
            return SourceUnavailableError(self.source, f"HTTP {status} from {where}: {snippet}")
        return ConnectorError(
            self.source, f"HTTP {status} from {where}: {snippet}", hint="check the base URL and parameters"
        )

    # -- body parsing ----------------------------------------------------------------------
    def json(self, response: requests.Response, what: str) -> Any:
        """Parse a JSON body, refusing HTML pages and truncated/invalid JSON."""
        ctype = response.headers.get("Content-Type", "").lower()
        body = response.content
        head = body[:512].lstrip().lower()
        if "html" in ctype or head.startswith((b"<!doctype html", b"<html")):
            raise MalformedResponseError(
                self.source,
                f"{what}: got an HTML page (HTTP {response.status_code}, Content-Type {ctype or 'none'}) "
                "instead of JSON",
                hint="a proxy, login or maintenance page answered; check the URL and network path",
            )
        if ctype and "json" not in ctype:
            raise MalformedResponseError(
                self.source, f"{what}: unexpected Content-Type {ctype!r} (expected JSON)"
            )
        try:
            return _loads(body)
        except _JSON_ERRORS as exc:
            problem = f"{type(exc).__name__}: {str(exc)[:120]}"
        raise MalformedResponseError(
            self.source,
            self.redact(f"{what}: invalid or truncated JSON ({len(body)} bytes): {problem}"),
        )


def _origin(url: str) -> str:
    """scheme://host:port/path without the query string (which may hold secrets)."""
    return url.split("?", 1)[0]


def _snippet(response: requests.Response, limit: int = 300) -> str:
    try:
        text = response.text
    except Exception:  # undecodable body
        return f"<{len(response.content)} bytes>"
    text = " ".join(text.split())
    return text[:limit] + ("..." if len(text) > limit else "")

"""Keep secrets out of every message, log line and exception text.

``redact(text, secrets)`` masks each secret (and its percent-encoded and Basic-auth forms)
plus the value of well-known credential parameters in URLs and form bodies (``auth=``,
``client_secret=``, ``password=``, ``access_token=``) and ``Bearer`` tokens.

Third-party libraries log URLs on their own: urllib3 logs every request line at DEBUG,
including the query string that carries the Miradore API key. ``install_log_redaction``
attaches a filter to those loggers (and ours) that rewrites each record through ``redact``
with every secret registered by a connector in this process.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_REGISTERED_SECRET = 4

# Query/form parameters whose value is a credential, whatever the secret list says.
_PARAM_RE = re.compile(
    r"(?i)(?P<key>(?:^|(?<=[?&;\s\"',({]))(?:auth|client_secret|password|passwd|api_key|apikey|access_token|"
    r"refresh_token|token|client_assertion)=)(?P<value>[^&\s\"'#<>)]*)"
)
_BEARER_RE = re.compile(r"(?i)\b(?P<key>Bearer\s+)(?P<value>[A-Za-z0-9\-._~+/]+=*)")
_BASIC_RE = re.compile(r"(?i)\b(?P<key>Basic\s+)(?P<value>[A-Za-z0-9+/]+=*)")

# Secrets registered by connectors in this process (for third-party log records).
_REGISTRY: set[str] = set()
_REGISTRY_LOCK = threading.Lock()


def _variants(secret: str) -> set[str]:
    """The forms a secret takes on the wire: raw, percent-encoded (both flavours)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)}
    return {f for f in forms if f}


def redact(text: object, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` as a string with every secret and credential parameter masked.

    ``secrets`` may contain ``None``/empty values (ignored). Longer secrets are masked first
    so a secret that contains another is masked whole.
    """
    out = str(text)
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms |= _variants(str(secret))
    for form in sorted(forms, key=len, reverse=True):
        out = out.replace(form, MASK)
    out = _PARAM_RE.sub(lambda m: m.group("key") + (MASK if m.group("value") else ""), out)
    out = _BEARER_RE.sub(lambda m: m.group("key") + MASK, out)
    out = _BASIC_RE.sub(lambda m: m.group("key") + MASK, out)
    return out


def basic_auth_token(username: str, password: str) -> str:
    """The base64 text of an HTTP Basic header, so it can be registered as a secret too."""
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


class Redactor:
    """A callable bound to one connector's secrets; also registers them for log filtering."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets: tuple[str, ...] = tuple(s for s in secrets if s)
        register_secrets(self.secrets)

    def add(self, secret: str | None) -> None:
        if secret and secret not in self.secrets:
            self.secrets = (*self.secrets, secret)
            register_secrets([secret])

    def __call__(self, text: object) -> str:
        return redact(text, self.secrets)


def register_secrets(secrets: Iterable[str | None]) -> None:
    """Remember secrets so log records of third-party libraries are masked too."""
    with _REGISTRY_LOCK:
        # Process-wide masking of third-party log lines ignores strings too short to be a real
        # secret: masking every "s" would make every log unreadable. redact() with an explicit
        # secret list still masks any length.
        _REGISTRY.update(s for s in secrets if s and len(s) >= MIN_REGISTERED_SECRET)
    install_log_redaction()


def registered_secrets() -> tuple[str, ...]:
    with _REGISTRY_LOCK:
        return tuple(_REGISTRY)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message through ``redact`` with every registered secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            message = str(record.msg)
        cleaned = redact(message, registered_secrets())
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks of requests exceptions embed URLs: render and mask them now.
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info), registered_secrets())
            record.exc_info = None
        return True


_FILTER = RedactingFilter()
# Library loggers that may print URLs, request bodies or tokens.
_LIBRARY_ROOTS = ("urllib3", "requests", "msal", "connectors")


def install_log_redaction() -> None:
    """Attach the redacting filter to every existing logger of urllib3, requests, msal and ours.

    Logger filters apply only to records created by that exact logger, so each one is
    covered individually; calling this again after new loggers appear is cheap and idempotent.
    """
    names = [
        name for name in list(logging.root.manager.loggerDict) if name.split(".", 1)[0] in _LIBRARY_ROOTS
    ]
    names += [
        "urllib3.connectionpool",
        "urllib3.util.retry",
        "urllib3.response",
        "urllib3.poolmanager",
        "msal.application",
        "msal.authority",
        "msal.token_cache",
        "msal.oauth2cli.oauth2",
        "msal.throttled_http_client",
    ]
    for name in set(names):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

"""Typed connector errors. Each names the cause and, where known, the fix.

Messages never contain secrets: connectors pass every URL and text through
``connectors.redact`` before building an error.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class: the extraction from ``source`` failed."""

    retryable: bool = False

    def __init__(self, source: str, message: str, *, hint: str | None = None) -> None:
        self.source = source
        self.message = message
        self.hint = hint
        text = f"{source}: {message}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class NotConfiguredError(ConnectorError):
    """Required settings (URL, credentials) are missing: the source is skipped, not failed."""


class AuthenticationError(ConnectorError):
    """Credentials were rejected (bad secret, unknown client, unknown tenant)."""


class PermissionDeniedError(ConnectorError):
    """Authenticated, but the account lacks a permission (e.g. a Graph application role)."""


class MalformedResponseError(ConnectorError):
    """The source answered with something that is not the documented envelope.

    An HTML login page, truncated JSON or XML without the expected root must never read
    as "no devices": downstream logic would retire the fleet.
    """


class SourceUnavailableError(ConnectorError):
    """Unreachable host, timeouts, or transient errors that outlived every retry."""

    retryable = True


class FileRejectedError(ConnectorError):
    """A dropped file as a whole cannot be read (outside the drop folder, too large, not CSV/XLSX)."""

"""Factories for connectors aimed at the test emulators (imported by the connector tests)."""

from __future__ import annotations

from typing import Any

from connectors.device42 import Device42Client
from connectors.emulators import EmulatorSet
from connectors.http import RetryPolicy
from connectors.intune import IntuneClient
from connectors.miradore import MiradoreClient
from connectors.msal_auth import MsalTokenProvider

FLEET_SIZE = 2500
FAST_RETRY = RetryPolicy(
    max_attempts=5, backoff_base=0.01, backoff_max=0.05, max_total_wait=5.0, max_retry_after=5.0
)


class Sleeps(list):
    """A fake ``sleep`` that records the requested delays."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def token_provider(emus: EmulatorSet, **overrides: Any) -> MsalTokenProvider:
    env = emus.env()
    args: dict[str, Any] = {
        "tenant_id": env["ITAM_INTUNE_TENANT_ID"],
        "client_id": env["ITAM_INTUNE_CLIENT_ID"],
        "client_secret": env["ITAM_INTUNE_CLIENT_SECRET"],
        "authority_host": env["ITAM_INTUNE_AUTHORITY_HOST"],
        "verify": emus.ca_path,
        "timeout": 10,
    }
    args.update(overrides)
    return MsalTokenProvider(**args)


def intune_client(
    emus: EmulatorSet, *, provider: MsalTokenProvider | None = None, **overrides: Any
) -> IntuneClient:
    args: dict[str, Any] = {
        "graph_url": emus.graph_url,
        "page_size": 100,
        "verify": emus.ca_path,
        "retry": FAST_RETRY,
        "timeout": 10,
    }
    args.update(overrides)
    return IntuneClient(provider or token_provider(emus), **args)


def device42_client(emus: EmulatorSet, **overrides: Any) -> Device42Client:
    env = emus.env()
    args: dict[str, Any] = {
        "base_url": env["ITAM_DEVICE42_URL"],
        "username": env["ITAM_DEVICE42_USERNAME"],
        "password": env["ITAM_DEVICE42_PASSWORD"],
        "page_size": 1000,
        "verify": emus.ca_path,
        "retry": FAST_RETRY,
        "timeout": 10,
    }
    args.update(overrides)
    return Device42Client(**args)


def miradore_client(emus: EmulatorSet, **overrides: Any) -> MiradoreClient:
    env = emus.env()
    args: dict[str, Any] = {
        "site_url": env["ITAM_MIRADORE_URL"],
        "api_key": env["ITAM_MIRADORE_API_KEY"],
        "page_size": 100,
        "verify": emus.ca_path,
        "retry": FAST_RETRY,
        "timeout": 10,
    }
    args.update(overrides)
    return MiradoreClient(**args)


def exception_texts(exc: BaseException) -> str:
    """The text of an exception and of everything chained to it (cause and context)."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__}: {current!s} {current!r} {current.args!r}")
        current = current.__cause__ or current.__context__
    return "\n".join(parts)

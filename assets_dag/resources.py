"""Dagster resources: configuration from environment variables, clients from ``connectors``.

Each source resource is a thin ``ConfigurableResource`` whose ``connector()`` returns the
pure-Python client; HTTP logic stays in ``connectors`` so the CLI and tests use it without
Dagster. Secrets arrive through ``EnvVar`` (see ``itam_pipeline.definitions``), so the UI
shows the variable name, never the value.
"""

from pathlib import Path

import dagster as dg
from sqlalchemy.engine import Engine

from connectors.errors import NotConfiguredError
from connectors.file_drop import FileDropConnector
from connectors.http import RetryPolicy
from connectors.records import DEVICE42, INTUNE, MIRADORE, DeviceSource
from itam_pipeline.alerts import AlertThresholds
from itam_pipeline.lake import Lake
from itam_pipeline.repository import Thresholds, create_engine


class SourceResource(dg.ConfigurableResource):
    """Common HTTP settings of the API sources."""

    timeout_seconds: float = 60.0
    ca_bundle: str | None = None  # REQUESTS_CA_BUNDLE; None lets requests use its default
    http_attempts: int = 6

    def _verify(self) -> str | bool:
        return self.ca_bundle or True

    def _retry(self) -> RetryPolicy:
        return RetryPolicy(max_attempts=self.http_attempts)

    def connector(self) -> DeviceSource:  # pragma: no cover - overridden
        raise NotImplementedError


class IntuneResource(SourceResource):
    """Microsoft Intune through Microsoft Graph, authenticated with MSAL client credentials."""

    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    authority_host: str = "https://login.microsoftonline.com"
    graph_url: str = "https://graph.microsoft.com"

    def connector(self) -> DeviceSource:
        from connectors.intune import IntuneClient
        from connectors.msal_auth import MsalTokenProvider

        missing = [
            name
            for name, value in (
                ("ITAM_INTUNE_TENANT_ID", self.tenant_id),
                ("ITAM_INTUNE_CLIENT_ID", self.client_id),
                ("ITAM_INTUNE_CLIENT_SECRET", self.client_secret),
            )
            if not value
        ]
        if missing:
            raise NotConfiguredError(INTUNE, "not configured", hint=f"set {', '.join(missing)}")
        tokens = MsalTokenProvider(
            tenant_id=self.tenant_id,
            client_id=self.client_id,
            client_secret=self.client_secret,
            authority_host=self.authority_host,
            verify=self._verify(),
            timeout=self.timeout_seconds,
        )
        return IntuneClient(
            graph_url=self.graph_url,
            token_provider=tokens,
            verify=self._verify(),
            timeout=self.timeout_seconds,
            retry=self._retry(),
        )


class Device42Resource(SourceResource):
    """Device42 appliance (basic auth)."""

    url: str | None = None
    username: str | None = None
    password: str | None = None

    def connector(self) -> DeviceSource:
        from connectors.device42 import Device42Client

        if not (self.url and self.username and self.password):
            raise NotConfiguredError(
                DEVICE42,
                "not configured",
                hint="set ITAM_DEVICE42_URL, ITAM_DEVICE42_USERNAME, ITAM_DEVICE42_PASSWORD",
            )
        return Device42Client(
            base_url=self.url,
            username=self.username,
            password=self.password,
            verify=self._verify(),
            timeout=self.timeout_seconds,
            retry=self._retry(),
        )


class MiradoreResource(SourceResource):
    """Miradore API v1 (XML; the API key travels in the URL and is masked everywhere)."""

    url: str | None = None
    api_key: str | None = None

    def connector(self) -> DeviceSource:
        from connectors.miradore import MiradoreClient

        if not (self.url and self.api_key):
            raise NotConfiguredError(
                MIRADORE, "not configured", hint="set ITAM_MIRADORE_URL and ITAM_MIRADORE_API_KEY"
            )
        return MiradoreClient(
            site_url=self.url,
            api_key=self.api_key,
            verify=self._verify(),
            timeout=self.timeout_seconds,
            retry=self._retry(),
        )


class FileDropResource(dg.ConfigurableResource):
    """The file-drop folder (one sub-folder per feed)."""

    drop_dir: str = "drops"

    def connector(self) -> FileDropConnector:
        return FileDropConnector(Path(self.drop_dir))

    def delta_feeds(self) -> set[str]:
        """Feeds whose files add and change records but never prove absence (every feed not set to full)."""
        drops = self.connector()
        return {name for name in drops.feeds() if drops.feed_config(name).mode == "delta"}


class RepositoryResource(dg.ConfigurableResource):
    """The asset repository (SQLAlchemy URL) and the lake folder next to it."""

    database_url: str
    lake_dir: str
    max_retire_fraction: float = 0.02
    max_count_drop: float = 0.20

    def thresholds(self) -> Thresholds:
        return Thresholds(
            max_retire_fraction=self.max_retire_fraction, max_count_drop_fraction=self.max_count_drop
        )

    def engine(self) -> Engine:
        return create_engine(self.database_url)

    def lake(self) -> Lake:
        return Lake(Path(self.lake_dir))


class AlertResource(dg.ConfigurableResource):
    """Alert thresholds and the optional webhook for run failures and threshold alerts."""

    webhook_url: str | None = None
    warranty_days: int = 30
    free_storage_pct: float = 10.0
    not_seen_days: int = 30
    min_quality: float = 80.0

    def thresholds(self) -> AlertThresholds:
        return AlertThresholds(
            warranty_days=self.warranty_days,
            free_storage_pct=self.free_storage_pct,
            not_seen_days=self.not_seen_days,
            min_quality=self.min_quality,
        )

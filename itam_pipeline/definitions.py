"""Composition root: the one ``Definitions`` the UI, the daemon and the CLI load.

Configuration comes from environment variables (and ``.env``). A variable that is set
reaches its resource as an ``EnvVar``, so the UI shows the variable name and never a
secret; an unset source credential leaves the field empty and the source is skipped.
"""

from __future__ import annotations

import os

import dagster as dg

from assets_dag.extract import build_raw_source_assets, raw_file_drops
from assets_dag.jobs import all_jobs
from assets_dag.normalize import normalized_file_drops, normalized_source_assets
from assets_dag.reconcile import reconciled_plan, repository_assets, repository_incidents
from assets_dag.reporting import reporting_alerts
from assets_dag.resources import (
    AlertResource,
    Device42Resource,
    FileDropResource,
    IntuneResource,
    MiradoreResource,
    RepositoryResource,
)
from assets_dag.schedules import build_schedules
from assets_dag.sensors import file_drop_sensor, sync_failure_sensor
from data_checks.pipeline_checks import build_pipeline_checks
from itam_pipeline import settings


def _env(name: str, *, fallback: str | None = None) -> dg.EnvVar | str | None:
    """``EnvVar(name)`` when the variable is set, otherwise the fallback (never a secret)."""
    if os.environ.get(name):
        return dg.EnvVar(name)
    return fallback if fallback is not None else settings.BY_ENV[name].default


def _number(name: str) -> float:
    return settings.float_setting(name)


def build_resources() -> dict[str, dg.ConfigurableResource]:
    paths = settings.paths()
    http = {
        "timeout_seconds": _number("ITAM_HTTP_TIMEOUT"),
        "ca_bundle": _env("REQUESTS_CA_BUNDLE"),
        "http_attempts": settings.int_setting("ITAM_HTTP_ATTEMPTS"),
    }
    return {
        "intune": IntuneResource(
            tenant_id=_env("ITAM_INTUNE_TENANT_ID"),
            client_id=_env("ITAM_INTUNE_CLIENT_ID"),
            client_secret=_env("ITAM_INTUNE_CLIENT_SECRET"),
            authority_host=_env("ITAM_INTUNE_AUTHORITY_HOST"),
            graph_url=_env("ITAM_GRAPH_URL"),
            **http,
        ),
        "device42": Device42Resource(
            url=_env("ITAM_DEVICE42_URL"),
            username=_env("ITAM_DEVICE42_USERNAME"),
            password=_env("ITAM_DEVICE42_PASSWORD"),
            **http,
        ),
        "miradore": MiradoreResource(
            url=_env("ITAM_MIRADORE_URL"), api_key=_env("ITAM_MIRADORE_API_KEY"), **http
        ),
        "file_drop": FileDropResource(drop_dir=str(paths.drop_dir)),
        "repository": RepositoryResource(
            database_url=_env("ITAM_DATABASE_URL", fallback=paths.database_url),
            lake_dir=str(paths.lake_dir),
            max_retire_fraction=_number("ITAM_MAX_RETIRE_FRACTION"),
            max_count_drop=_number("ITAM_MAX_COUNT_DROP"),
        ),
        "alerting": AlertResource(
            webhook_url=_env("ITAM_ALERT_WEBHOOK_URL"),
            warranty_days=settings.int_setting("ITAM_ALERT_WARRANTY_DAYS"),
            free_storage_pct=_number("ITAM_ALERT_FREE_STORAGE_PCT"),
            not_seen_days=settings.int_setting("ITAM_ALERT_NOT_SEEN_DAYS"),
            min_quality=_number("ITAM_ALERT_MIN_QUALITY"),
        ),
    }


def build_executor() -> dg.ExecutorDefinition:
    """Multiprocess on one machine (default), in-process for small estates, or Celery workers."""
    kind = settings.raw("ITAM_EXECUTOR")
    if kind == "celery":
        from dagster_celery import celery_executor  # optional extra: pip install 'itam-pipeline[celery]'

        return celery_executor.configured(
            {"broker": settings.raw("ITAM_CELERY_BROKER"), "backend": settings.raw("ITAM_CELERY_BACKEND")}
        )
    if kind == "in_process":
        return dg.in_process_executor  # one process per run: least overhead for small estates
    if kind != "multiprocess":
        raise settings.ConfigError(f"ITAM_EXECUTOR={kind!r}: use 'multiprocess', 'in_process' or 'celery'")
    return dg.multiprocess_executor.configured({"max_concurrent": 4})


def build_definitions() -> dg.Definitions:
    settings.load_env_file()
    return dg.Definitions(
        assets=[
            *build_raw_source_assets(),
            raw_file_drops,
            *normalized_source_assets,
            normalized_file_drops,
            reconciled_plan,
            repository_assets,
            repository_incidents,
            reporting_alerts,
        ],
        asset_checks=build_pipeline_checks(),
        jobs=all_jobs,
        schedules=build_schedules(),
        sensors=[file_drop_sensor, sync_failure_sensor],
        resources=build_resources(),
        executor=build_executor(),
    )


defs = build_definitions()

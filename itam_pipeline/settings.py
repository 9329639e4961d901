"""Every setting of itam-pipeline, read from the environment (and a ``.env`` file).

This module is the single declaration of configuration: each ``Setting`` names its
environment variable, default and meaning. ``itam-pipeline config show`` prints them,
the README table is checked against them by a test, and the Dagster resources read the
same variable names through ``EnvVar`` so secrets never become plain run config.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv


@dataclass(frozen=True)
class Setting:
    env: str
    default: str | None
    help: str
    secret: bool = False


HOME = Setting(
    "ITAM_HOME", ".itam", "Working folder for local state (SQLite repository, lake, Dagster home)."
)
SETTINGS: tuple[Setting, ...] = (
    HOME,
    Setting(
        "ITAM_DATABASE_URL",
        None,
        "SQLAlchemy URL of the asset repository. Default: SQLite file `$ITAM_HOME/itam.db`. "
        "PostgreSQL: `postgresql+psycopg://user@host:5432/db`.",
    ),
    Setting("ITAM_DROP_DIR", "drops", "File-drop folder: one sub-folder per feed, optional `feeds.yaml`."),
    Setting("ITAM_LAKE_DIR", None, "Raw and normalized Parquet snapshots. Default: `$ITAM_HOME/lake`."),
    Setting("DAGSTER_HOME", None, "Dagster instance folder (run history). Default: `$ITAM_HOME/dagster`."),
    Setting("ITAM_INTUNE_TENANT_ID", None, "Entra tenant id (GUID or domain) of the Intune tenant."),
    Setting("ITAM_INTUNE_CLIENT_ID", None, "Application (client) id of the app registration."),
    Setting(
        "ITAM_INTUNE_CLIENT_SECRET",
        None,
        "Client secret of the app registration (needs DeviceManagementManagedDevices.Read.All).",
        secret=True,
    ),
    Setting(
        "ITAM_INTUNE_AUTHORITY_HOST",
        "https://login.microsoftonline.com",
        "Entra authority host (sovereign clouds).",
    ),
    Setting("ITAM_GRAPH_URL", "https://graph.microsoft.com", "Microsoft Graph base URL."),
    Setting("ITAM_DEVICE42_URL", None, "Device42 appliance base URL, e.g. `https://d42.example.com`."),
    Setting("ITAM_DEVICE42_USERNAME", None, "Device42 API user."),
    Setting("ITAM_DEVICE42_PASSWORD", None, "Device42 API password.", secret=True),
    Setting("ITAM_MIRADORE_URL", None, "Miradore site base URL, e.g. `https://online.miradore.com/<site>`."),
    Setting(
        "ITAM_MIRADORE_API_KEY",
        None,
        "Miradore API key (travels in the URL; masked everywhere).",
        secret=True,
    ),
    Setting("REQUESTS_CA_BUNDLE", None, "CA bundle for every HTTPS call (standard requests variable)."),
    Setting("ITAM_HTTP_TIMEOUT", "60", "Timeout in seconds of every HTTP call to a source."),
    Setting(
        "ITAM_HTTP_ATTEMPTS",
        "6",
        "Attempts per HTTP call on 429/5xx/timeouts (Retry-After honoured, else backoff).",
    ),
    Setting("ITAM_EXTRACT_RETRIES", "3", "Dagster retries of a whole extraction after a transient outage."),
    Setting(
        "ITAM_EXTRACT_RETRY_DELAY", "30", "Seconds before the first extraction retry (doubles each time)."
    ),
    Setting(
        "ITAM_JUNK_REGISTRY",
        None,
        "Extra junk-identifier YAML files (os.pathsep-separated) added to the bundled registry.",
    ),
    Setting(
        "ITAM_RECONCILIATION_CONFIG", None, "YAML file overriding precedence, refresh and lifecycle windows."
    ),
    Setting(
        "ITAM_MAX_RETIRE_FRACTION",
        "0.02",
        "Stop the write when more than this share of the fleet would retire.",
    ),
    Setting(
        "ITAM_MAX_COUNT_DROP",
        "0.20",
        "Stop the write when a source's record count drops more than this share.",
    ),
    Setting(
        "ITAM_ALERT_WEBHOOK_URL",
        None,
        "Optional webhook receiving run failures and threshold alerts (JSON POST).",
        secret=True,
    ),
    Setting("ITAM_ALERT_WARRANTY_DAYS", "30", "Alert on warranties ending within this many days."),
    Setting(
        "ITAM_ALERT_FREE_STORAGE_PCT", "10", "Alert on devices with less free storage than this percentage."
    ),
    Setting("ITAM_ALERT_NOT_SEEN_DAYS", "30", "Alert on active assets not seen for this many days."),
    Setting(
        "ITAM_ALERT_MIN_QUALITY", "80", "Alert when a source's quality score falls below this value (0-100)."
    ),
    Setting("ITAM_SCHEDULE_INTUNE", "0 * * * *", "Cron schedule of the Intune sync."),
    Setting("ITAM_SCHEDULE_MIRADORE", "0 */4 * * *", "Cron schedule of the Miradore sync."),
    Setting("ITAM_SCHEDULE_DEVICE42", "0 2 * * *", "Cron schedule of the Device42 sync."),
    Setting("ITAM_SCHEDULE_TIMEZONE", "UTC", "Time zone of the schedules."),
    Setting(
        "ITAM_EXECUTOR",
        "multiprocess",
        "Dagster executor of the jobs: `multiprocess`, `in_process` (least overhead) or `celery` (celery extra).",
    ),
    Setting(
        "ITAM_CELERY_BROKER",
        "redis://127.0.0.1:6379/0",
        "Celery broker URL (Redis or RabbitMQ `pyamqp://...`).",
    ),
    Setting("ITAM_CELERY_BACKEND", "redis://127.0.0.1:6379/0", "Celery result backend URL."),
)
BY_ENV = {s.env: s for s in SETTINGS}


class ConfigError(Exception):
    """A setting has a value the pipeline cannot use; the message names the variable and the fix."""


def load_env_file(path: Path | None = None) -> None:
    """Read ``.env`` from the working directory (never overriding real environment variables)."""
    load_dotenv(path or Path.cwd() / ".env", override=False)


def raw(env: str) -> str | None:
    """The environment value of a declared setting, or its default. Empty strings count as unset."""
    setting = BY_ENV[env]
    value = os.environ.get(env)
    return value if value not in (None, "") else setting.default


@dataclass(frozen=True)
class Paths:
    """Where local state lives, resolved against the working directory."""

    home: Path
    database_url: str
    drop_dir: Path
    lake_dir: Path
    dagster_home: Path


def paths() -> Paths:
    home = Path(raw("ITAM_HOME") or ".itam").resolve()
    database_url = raw("ITAM_DATABASE_URL") or f"sqlite:///{home / 'itam.db'}"
    return Paths(
        home=home,
        database_url=database_url,
        drop_dir=Path(raw("ITAM_DROP_DIR") or "drops").resolve(),
        lake_dir=Path(raw("ITAM_LAKE_DIR") or home / "lake").resolve(),
        dagster_home=Path(raw("DAGSTER_HOME") or home / "dagster").resolve(),
    )


def float_setting(env: str) -> float:
    value = raw(env)
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{env}={value!r} is not a number") from None


def int_setting(env: str) -> int:
    value = raw(env)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{env}={value!r} is not a whole number") from None


def extra_junk_registries() -> list[Path]:
    value = raw("ITAM_JUNK_REGISTRY")
    return [Path(p) for p in value.split(os.pathsep) if p] if value else []


def mask(value: str | None) -> str:
    """How a secret is shown: set or not, never its value."""
    return "(not set)" if not value else "******** (set)"


def effective_settings() -> list[tuple[str, str, str]]:
    """(variable, effective value with secrets masked, meaning) for ``config show``."""
    p = paths()
    resolved = {
        "ITAM_HOME": str(p.home),
        "ITAM_DATABASE_URL": _mask_url_password(p.database_url),
        "ITAM_DROP_DIR": str(p.drop_dir),
        "ITAM_LAKE_DIR": str(p.lake_dir),
        "DAGSTER_HOME": str(p.dagster_home),
    }
    rows = []
    for s in SETTINGS:
        if s.env in resolved:
            value = resolved[s.env]
        elif s.secret:
            value = mask(raw(s.env))
        else:
            value = raw(s.env) or "(not set)"
        rows.append((s.env, value, s.help))
    return rows


def _mask_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url  # local import: settings stays light for the CLI

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url

"""Threshold alerts on asset facts, evaluated after each sync, and the optional webhook."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import requests

from connectors.redact import redact

log = logging.getLogger(__name__)

ACTIVE_STATUSES = ("active", "stale", "in_repair")


@dataclass(frozen=True)
class AlertThresholds:
    warranty_days: int = 30
    free_storage_pct: float = 10.0
    not_seen_days: int = 30
    min_quality: float = 80.0


def evaluate_alerts(
    assets: pd.DataFrame, *, now: datetime, thresholds: AlertThresholds
) -> dict[str, pd.DataFrame]:
    """Offending assets per alert (empty frames when nothing is wrong). Vectorized over the golden table."""
    in_use = assets["status"].isin(ACTIVE_STATUSES)
    today = pd.Timestamp(now).tz_convert(None).normalize()
    warranty_end = pd.to_datetime(assets["warranty_end"], errors="coerce")
    warranty = in_use & warranty_end.between(today, today + timedelta(days=thresholds.warranty_days))
    total = pd.to_numeric(assets["storage_total_bytes"], errors="coerce")
    free = pd.to_numeric(assets["storage_free_bytes"], errors="coerce")
    free_pct = (free / total.where(total > 0)) * 100
    storage = in_use & (free_pct < thresholds.free_storage_pct)
    last_seen = pd.to_datetime(assets["last_seen_at"], errors="coerce", utc=True)
    not_seen = in_use & (last_seen < pd.Timestamp(now) - timedelta(days=thresholds.not_seen_days))
    columns = ["asset_id", "serial_number", "hostname", "asset_type", "primary_user", "status"]
    out = {
        "warranty_ending": assets.loc[warranty, [*columns, "warranty_end"]],
        "low_free_storage": assets.loc[storage, columns].assign(free_pct=free_pct[storage].round(1)),
        "not_seen": assets.loc[not_seen, [*columns, "last_seen_at"]],
    }
    return out


def notify(url: str | None, payload: dict, *, timeout: float = 10.0) -> bool:
    """POST a JSON alert to the configured webhook; never raises (alerting must not fail a sync)."""
    if not url:
        return False
    try:
        response = requests.post(url, json=payload, timeout=timeout)
        response.raise_for_status()
        return True
    except requests.RequestException as exc:
        log.warning("alert webhook failed: %s", redact(str(exc), [url]))
        return False

"""Builders for hand-made normalized frames and for chaining reconciliation runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from itam_pipeline.plan import ReconciliationPlan, RepositoryState
from itam_pipeline.reconcile import empty_state, reconcile, state_from_plan
from itam_pipeline.reconcile.keys import swap_uuid
from itam_pipeline.schema import NORMALIZED_SCHEMA, conform

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ALL_COMPLETE = {"intune": True, "device42": True, "miradore": True, "file:procurement": True}


def days_ago(days: float) -> datetime:
    """A timestamp ``days`` before NOW."""
    return NOW - timedelta(days=days)


def rec(source: str, rid: str, **fields: Any) -> dict[str, Any]:
    """One normalized record; identifiers are derived the way normalization would."""
    row: dict[str, Any] = {
        "record_key": f"{source}|{rid}",
        "source": source,
        "source_record_id": rid,
        "run_id": "run-1",
        "extracted_at": NOW,
        "last_seen_at": days_ago(1) if not source.startswith("file:") else None,
    }
    row.update(fields)
    if row.get("serial_number") and "serial_key" not in fields:
        row["serial_key"] = "".join(ch for ch in row["serial_number"].upper() if ch not in " -_.")
    if row.get("uuid") and "uuid_swapped" not in fields:
        row["uuid_swapped"] = swap_uuid(pd.Series([row["uuid"]], dtype="string")).iloc[0]
    return row


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """NORMALIZED_SCHEMA frame of ``rows``."""
    return conform(pd.DataFrame(list(rows)), NORMALIZED_SCHEMA)


def run(
    records: pd.DataFrame,
    state: RepositoryState | None = None,
    *,
    now: datetime = NOW,
    completed: dict[str, bool] | None = None,
    run_id: str = "run-1",
) -> ReconciliationPlan:
    """reconcile() with test defaults (empty state, every source complete)."""
    return reconcile(
        records,
        state if state is not None else empty_state(),
        run_id=run_id,
        now=now,
        completed_sources=completed if completed is not None else ALL_COMPLETE,
    )


def rerun(plan: ReconciliationPlan, records: pd.DataFrame, **kwargs: Any) -> ReconciliationPlan:
    """Feed ``plan`` back as repository state and reconcile ``records`` again."""
    overrides = kwargs.pop("overrides", None)
    return run(records, state_from_plan(plan, overrides), **kwargs)


def asset_of(plan: ReconciliationPlan, record_key: str) -> str:
    """The asset id a record is linked to."""
    links = plan.links.set_index("record_key")
    return str(links.loc[record_key, "asset_id"])


def link(plan: ReconciliationPlan, record_key: str) -> pd.Series:
    """The link row of a record."""
    return plan.links.set_index("record_key").loc[record_key]


def golden(plan: ReconciliationPlan, record_key: str) -> pd.Series:
    """The golden row of the asset a record is linked to."""
    return plan.assets.set_index("asset_id").loc[asset_of(plan, record_key)]

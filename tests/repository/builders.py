"""Hand-built reconciliation plans for repository tests (and the write measurement).

``fleet_plan(n)`` builds a consistent plan for ``n`` laptops seen by one source, with
vectorized pandas so the same builder serves 10 rows in a unit test and 1,000,000 in a
measurement. The helpers below derive follow-up plans from it (changes, retirements).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from itam_pipeline.plan import (
    DECISION_COLUMNS,
    QUARANTINE_COLUMNS,
    STATUS_CHANGE_COLUMNS,
    ReconciliationPlan,
)

SOURCE = "intune"
T0 = pd.Timestamp("2025-01-01T08:00:00Z")


def _ids(prefix: str, numbers: np.ndarray) -> pd.Series:
    return prefix + pd.Series(numbers).astype("string").str.zfill(7)


def empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def fleet_plan(n: int, *, run_id: str = "run-1", start: int = 0, source: str = SOURCE) -> ReconciliationPlan:
    """``n`` active laptops, one ``source`` record each, with provenance, identifiers and an owner."""
    numbers = np.arange(start, start + n)
    asset_id = _ids("A", numbers)
    serial = _ids("SN", numbers)
    hostname = _ids("host-", numbers).str.lower()
    user = "user" + pd.Series(numbers // 2).astype("string") + "@example.com"  # two laptops per user
    record_id = _ids("dev-", numbers)
    assets = pd.DataFrame(
        {
            "asset_id": asset_id,
            "asset_tag": _ids("TAG-", numbers),
            "serial_number": serial,
            "manufacturer": "Dell",
            "model": "Latitude 5440",
            "hostname": hostname,
            "asset_type": "laptop",
            "is_virtual": False,
            "primary_user": user,
            "status": "active",
            "os": "Windows",
            "os_version": "10.0.22631",
            "location": "HQ",
            "cost_center": "CC" + pd.Series(numbers % 3).astype("string"),
            "purchase_date": pd.Timestamp("2024-01-15"),
            "purchase_cost": 1200.0,
            "currency": "EUR",
            "warranty_end": pd.Timestamp("2027-01-15"),
            "storage_total_bytes": 512 * 10**9,
            "storage_free_bytes": 100 * 10**9,
            "first_seen_at": T0,
            "last_seen_at": T0 + pd.to_timedelta(numbers % 1000, unit="s"),
        }
    )
    record_key = source + "|" + record_id
    links = pd.DataFrame(
        {
            "record_key": record_key,
            "source": source,
            "source_record_id": record_id,
            "asset_id": asset_id,
            "rule": "serial",
            "matched_key": "serial_key",
            "matched_value": serial,
            "evidence": '{"serial_key": "' + serial + '"}',
            "superseded": False,
            "first_seen_at": T0,
            "last_seen_at": assets["last_seen_at"],
            "present_in_last_complete": True,
        }
    )
    provenance = pd.concat(
        [
            pd.DataFrame(
                {
                    "asset_id": asset_id,
                    "attribute": attribute,
                    "source": source,
                    "source_record_id": record_id,
                    "observed_at": T0,
                    "rule": "precedence",
                }
            )
            for attribute in ("serial_number", "hostname", "primary_user")
        ],
        ignore_index=True,
    )
    identifiers = pd.concat(
        [
            pd.DataFrame({"asset_id": asset_id, "id_type": id_type, "id_value": values, "source": source})
            for id_type, values in (
                ("serial_key", serial),
                ("hostname", hostname),
                ("asset_tag", assets["asset_tag"]),
            )
        ],
        ignore_index=True,
    )
    relationships = pd.DataFrame(
        {
            "asset_id": asset_id,
            "relation": "assigned_to",
            "target_type": "user",
            "target_id": user,
            "source": source,
        }
    )
    return ReconciliationPlan(
        run_id=run_id,
        assets=assets,
        links=links,
        provenance=provenance,
        identifiers=identifiers,
        status_changes=empty(STATUS_CHANGE_COLUMNS),
        quarantine=empty(QUARANTINE_COLUMNS),
        decisions=empty(DECISION_COLUMNS),
        relationships=relationships,
        counts={source: {"records_in": n, "linked": n, "new": n, "quarantined": 0}},
        completed_sources={source: True},
    )


def next_run(plan: ReconciliationPlan, run_id: str) -> ReconciliationPlan:
    """A deep copy of ``plan`` for a later run (same desired state, 'new' counts reset)."""
    later = copy.deepcopy(plan)
    later.run_id = run_id
    for counts in later.counts.values():
        counts["new"] = 0
    return later


def change_os_version(plan: ReconciliationPlan, rows: np.ndarray, version: str = "10.0.26100") -> None:
    """Bump the OS version of the given asset rows (a golden change, nothing else)."""
    plan.assets.loc[rows, "os_version"] = version


def add_assets(plan: ReconciliationPlan, extra: ReconciliationPlan) -> None:
    """Append another plan's assets and child rows (new devices in the same source)."""
    for name in ("assets", "links", "provenance", "identifiers", "relationships"):
        setattr(plan, name, pd.concat([getattr(plan, name), getattr(extra, name)], ignore_index=True))
    for source, counts in extra.counts.items():
        mine = plan.counts.setdefault(source, {k: 0 for k in counts})
        for key in ("records_in", "linked", "quarantined"):
            mine[key] = mine.get(key, 0) + counts[key]


def set_status(
    plan: ReconciliationPlan, rows: np.ndarray, status: str, *, reason: str = "intune: retired"
) -> None:
    """Move assets to ``status`` and add the applied status changes that explain it."""
    before = plan.assets.loc[rows, "status"].to_numpy()
    plan.assets.loc[rows, "status"] = status
    changes = pd.DataFrame(
        {
            "asset_id": plan.assets.loc[rows, "asset_id"].to_numpy(),
            "from_status": before,
            "to_status": status,
            "reason": reason,
            "evidence": '{"source": "intune"}',
            "applied": True,
        }
    )
    plan.status_changes = pd.concat([plan.status_changes, changes], ignore_index=True)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)

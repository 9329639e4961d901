"""Analyst views give the hand-computed figures for a small known fleet, on both databases.

The fleet (all EUR, dates relative to today in UTC):

| asset | type         | status  | user | cost centre | cost | bought        | life | warranty ends |
|-------|--------------|---------|------|-------------|------|---------------|------|---------------|
| A0    | laptop       | active  | u1   | CC1         | 1200 | 12 months ago | 36   | in 10 days    |
| A1    | desktop      | active  | u1   | CC1         | 2400 | 24 months ago | 48   | in 45 days    |
| A2    | laptop       | retired | u2   | CC1         |  900 | 6 months ago  | 36   | in 5 days     |
| A3    | mobile_phone | stale   | u2   | CC2         |  600 | 30 months ago | 24   | in 90 days    |
| A4    | laptop       | missing | -    | CC2         | 1000 | unknown       | 36   | yesterday     |
| A5    | laptop       | active  | u3   | CC2         | -    | 1 month ago   | 36   | in 91 days    |

Book value = cost x max(0, 1 - months in use / useful life):
CC1 = 1200 x (1 - 12/36) + 2400 x (1 - 24/48) = 800 + 1200 = 2000 (A2 is retired: not in the fleet);
CC2 = 600 x max(0, 1 - 30/24) = 0 (A4 has no purchase date, A5 no cost).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from itam_pipeline.repository import apply_plan, link_incidents
from itam_pipeline.repository.queries import read_view
from itam_pipeline.repository.tables import asset_status_history

from .builders import fleet_plan, next_run, set_status

TODAY = datetime.now(UTC).date()
NOW = datetime.now(UTC)


def months_ago(months: int) -> date:
    """The first day of the month ``months`` before this one: exactly ``months`` whole months ago."""
    index = TODAY.year * 12 + TODAY.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def known_fleet() -> object:
    plan = fleet_plan(6)
    a = plan.assets
    a["asset_type"] = ["laptop", "desktop", "laptop", "mobile_phone", "laptop", "laptop"]
    a["status"] = ["active", "active", "retired", "stale", "missing", "active"]
    a["primary_user"] = [
        "u1@example.com",
        "u1@example.com",
        "u2@example.com",
        "u2@example.com",
        None,
        "u3@example.com",
    ]
    a["cost_center"] = ["CC1", "CC1", "CC1", "CC2", "CC2", "CC2"]
    a["purchase_cost"] = [1200.0, 2400.0, 900.0, 600.0, 1000.0, None]
    a["purchase_date"] = pd.to_datetime(
        [months_ago(12), months_ago(24), months_ago(6), months_ago(30), None, months_ago(1)]
    )
    a["warranty_end"] = pd.to_datetime([TODAY + timedelta(days=d) for d in (10, 45, 5, 90, -1, 91)])
    a["last_seen_at"] = [pd.Timestamp(NOW - timedelta(days=d, hours=1)) for d in (0, 1, 200, 40, 120, 2)]
    return plan


@pytest.fixture
def fleet(engine: Engine) -> Engine:
    apply_plan(engine, known_fleet())
    return engine


def view(engine: Engine, name: str, order: str) -> list[dict]:
    frame = read_view(engine, name).sort_values(order).reset_index(drop=True)
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def test_current_inventory_is_the_fleet(fleet: Engine) -> None:
    inventory = view(fleet, "v_current_inventory", "asset_id")
    assert [r["asset_id"] for r in inventory] == ["A0000000", "A0000001", "A0000003", "A0000004", "A0000005"]
    assert [r["days_since_seen"] for r in inventory] == [0, 1, 40, 120, 2]
    assert {r["source_count"] for r in inventory} == {1}


def test_warranty_buckets(fleet: Engine) -> None:
    expiring = view(fleet, "v_warranty_expiring", "asset_id")
    assert [(r["asset_id"], r["days_left"], r["expires_within_days"]) for r in expiring] == [
        ("A0000000", 10, 30),
        ("A0000001", 45, 60),
        ("A0000003", 90, 90),
    ]


def test_stale_and_missing(fleet: Engine) -> None:
    stale = view(fleet, "v_stale_missing_assets", "asset_id")
    assert [(r["asset_id"], r["status"], r["days_since_seen"]) for r in stale] == [
        ("A0000003", "stale", 40),
        ("A0000004", "missing", 120),
    ]
    assert all(r["status_since"] is not None for r in stale)


def test_assets_per_user(fleet: Engine) -> None:
    per_user = view(fleet, "v_assets_per_user", "primary_user")
    assert [
        (
            r["primary_user"],
            r["asset_count"],
            r["laptops"],
            r["desktops"],
            r["mobile_phones"],
            r["other_assets"],
        )
        for r in per_user
    ] == [
        ("u1@example.com", 2, 1, 1, 0, 0),
        ("u2@example.com", 1, 0, 0, 1, 0),
        ("u3@example.com", 1, 1, 0, 0, 0),
    ]


def test_cost_and_straight_line_book_value_per_cost_center(fleet: Engine) -> None:
    per_cc = view(fleet, "v_assets_per_cost_center", "cost_center")
    figures = [
        (
            r["cost_center"],
            r["currency"],
            r["asset_count"],
            float(r["total_purchase_cost"]),
            float(r["book_value"]),
        )
        for r in per_cc
    ]
    assert figures == [("CC1", "EUR", 2, 3600.0, 2000.0), ("CC2", "EUR", 3, 1600.0, 0.0)]


def test_lifecycle_durations(fleet: Engine) -> None:
    later = next_run(known_fleet(), "run-2")
    set_status(later, np.array([0]), "in_repair")
    apply_plan(fleet, later, force=True)
    # Pin the periods to known times: active for 6 days, then in repair for the last 4.
    history = asset_status_history
    with fleet.begin() as conn:
        for status, start, end in (("active", 10, 4), ("in_repair", 4, None)):
            values = {"valid_from": NOW - timedelta(days=start)}
            if end is not None:
                values["valid_to"] = NOW - timedelta(days=end)
            conn.execute(
                history.update()
                .where(history.c.asset_id == "A0000000", history.c.status == status)
                .values(**values)
            )

    durations = view(fleet, "v_lifecycle_durations", "status")
    mine = {r["status"]: r for r in durations if r["asset_id"] == "A0000000"}
    assert float(mine["active"]["days_in_status"]) == 6.0
    assert mine["active"]["is_current"] == 0
    assert float(mine["in_repair"]["days_in_status"]) == pytest.approx(4.0, abs=0.01)
    assert mine["in_repair"]["is_current"] == 1


def test_source_coverage(fleet: Engine) -> None:
    seen_twice = next_run(known_fleet(), "run-2")
    extra = seen_twice.links.iloc[[0]].assign(
        record_key="device42|77", source="device42", source_record_id="77", asset_id="A0000000"
    )
    old = seen_twice.links.iloc[[1]].assign(
        record_key="intune|old-1", source_record_id="old-1", superseded=True
    )
    seen_twice.links = pd.concat([seen_twice.links, extra, old], ignore_index=True)
    seen_twice.counts["device42"] = {"records_in": 1, "linked": 1, "quarantined": 0}
    apply_plan(fleet, seen_twice)

    coverage = {r["asset_id"]: r for r in view(fleet, "v_source_coverage", "asset_id")}
    assert (coverage["A0000000"]["source_count"], coverage["A0000000"]["sources"]) == (2, "device42,intune")
    assert coverage["A0000000"]["only_source"] is None
    # A superseded record does not count as a second view of the asset.
    assert (coverage["A0000001"]["source_count"], coverage["A0000001"]["only_source"]) == (1, "intune")


def test_data_quality_per_source(fleet: Engine) -> None:
    later = next_run(known_fleet(), "run-2")
    later.quarantine = pd.DataFrame(
        {"source": ["intune", "intune"], "source_record_id": ["x1", "x2"], "origin": [None, None],
         "reason": ["no_identifier", "no_identifier"], "detail": [None, None], "payload": ["{}", "{}"]}
    )  # fmt: skip
    later.counts["intune"] = {
        "records_in": 8,
        "linked": 6,
        "quarantined": 2,
        "with_serial": 6,
        "junk_serial": 1,
    }
    apply_plan(fleet, later)

    quality = view(fleet, "v_data_quality_per_source", "source")
    assert len(quality) == 1
    q = quality[0]
    assert (q["source"], q["last_run_id"], q["records_in"], q["quarantined_last_run"]) == (
        "intune",
        "run-2",
        8,
        2,
    )
    assert float(q["quarantine_rate"]) == 0.25
    assert (q["with_serial_last_run"], q["junk_serial_last_run"]) == (6, 1)
    assert (q["linked_records"], q["assets_linked"], q["assets_with_serial"]) == (6, 6, 6)
    assert float(q["serial_coverage"]) == 1.0
    assert q["quarantined_total"] == 2


def test_top_incident_assets(fleet: Engine) -> None:
    opened = [NOW - timedelta(days=d) for d in (1, 30, 100, 5)]
    incidents = pd.DataFrame(
        {
            "incident_id": ["INC1", "INC2", "INC3", "INC4"],
            "opened_at": opened,
            "closed_at": [None] * 4,
            "category": ["hardware"] * 4,
            "asset_tag": ["TAG-0000000", "TAG-0000000", "TAG-0000000", "TAG-0000001"],
            "serial_number": [None] * 4,
            "hostname": [None] * 4,
            "user": [None] * 4,
        }
    )
    link_incidents(fleet, incidents, run_id="inc-1")

    top = read_view(fleet, "v_top_incident_assets").to_dict("records")
    assert [(r["asset_id"], r["incidents_90d"]) for r in top] == [("A0000000", 2), ("A0000001", 1)]

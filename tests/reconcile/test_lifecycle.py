"""Lifecycle: statuses from evidence, the declared state machine and the completeness gate."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd

from itam_pipeline.reconcile.state import empty_overrides

from .builders import ALL_COMPLETE, NOW, days_ago, frame, golden, rec, rerun, run

SERIAL = "5CG1234XYZ"


def status_of(plan, record_key: str) -> str:
    return str(golden(plan, record_key)["status"])


def change_of(plan, record_key: str) -> pd.Series:
    asset = plan.links.set_index("record_key").loc[record_key, "asset_id"]
    return plan.status_changes.set_index("asset_id").loc[asset]


def test_new_assets_start_from_their_last_check_in() -> None:
    plan = run(
        frame(
            rec("intune", "fresh", serial_number="SERIAL0001", last_seen_at=days_ago(3)),
            rec("intune", "quiet", serial_number="SERIAL0002", last_seen_at=days_ago(40)),
            rec("intune", "gone", serial_number="SERIAL0003", last_seen_at=days_ago(120)),
            rec(
                "intune",
                "phone",
                serial_number="SERIAL0004",
                asset_type="mobile_phone",
                last_seen_at=days_ago(20),
            ),
        )
    )
    assert [status_of(plan, f"intune|{r}") for r in ("fresh", "quiet", "gone", "phone")] == [
        "active",
        "stale",
        "missing",
        "stale",  # phones use the shorter 14/45-day windows
    ]
    change = change_of(plan, "intune|quiet")
    assert pd.isna(change["from_status"]) and change["reason"] == "LAST_SEEN" and bool(change["applied"])
    evidence = json.loads(change["evidence"])
    assert evidence["source"] == "intune" and evidence["record_key"] == "intune|quiet"
    assert evidence["last_seen_at"] == days_ago(40).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_procurement_hints() -> None:
    plan = run(
        frame(
            rec("file:procurement", "CT1", asset_tag="CT1", lifecycle_hint="on_order"),
            rec(
                "file:procurement",
                "CT2",
                asset_tag="CT2",
                serial_number="SERIAL0002",
                lifecycle_hint="in_stock",
            ),
            rec("intune", "i2", serial_number="SERIAL0002", last_seen_at=days_ago(1)),
            rec(
                "file:procurement",
                "CT3",
                asset_tag="CT3",
                serial_number="SERIAL0003",
                lifecycle_hint="disposed",
            ),
            rec("intune", "i3", serial_number="SERIAL0003", last_seen_at=days_ago(1)),
            rec("file:procurement", "CT4", asset_tag="CT4", lifecycle_hint="active"),
        )
    )
    assert status_of(plan, "file:procurement|CT1") == "on_order"
    assert status_of(plan, "file:procurement|CT2") == "active"  # checked in yesterday: deployed after all
    assert status_of(plan, "file:procurement|CT3") == "disposed"  # an explicit disposal always wins
    assert status_of(plan, "file:procurement|CT4") == "active"
    assert plan.counts["file:procurement"]["retired"] == 1


def test_intune_retire_action_retires_the_asset() -> None:
    first = run(frame(rec("intune", "i1", serial_number=SERIAL)))
    second = rerun(first, frame(rec("intune", "i1", serial_number=SERIAL, lifecycle_hint="retire_pending")))
    assert status_of(second, "intune|i1") == "retired"
    change = change_of(second, "intune|i1")
    assert (change["from_status"], change["to_status"], change["reason"]) == (
        "active",
        "retired",
        "SOURCE_HINT",
    )
    assert json.loads(change["evidence"])["hint"] == "retire_pending"
    assert second.counts["intune"]["retired"] == 1


def test_forbidden_transition_is_reported_not_applied() -> None:
    first = run(
        frame(
            rec("file:procurement", "CT1", asset_tag="CT1", serial_number=SERIAL, lifecycle_hint="disposed")
        )
    )
    assert status_of(first, "file:procurement|CT1") == "disposed"
    # The disposal row is gone from the feed and the laptop checks in again.
    second = rerun(first, frame(rec("intune", "i1", serial_number=SERIAL, last_seen_at=days_ago(1))))
    assert status_of(second, "intune|i1") == "disposed"
    change = change_of(second, "intune|i1")
    assert (change["from_status"], change["to_status"], change["reason"]) == (
        "disposed",
        "active",
        "FORBIDDEN_TRANSITION",
    )
    assert not bool(change["applied"])
    decision = second.decisions[second.decisions["decision"] == "FORBIDDEN_TRANSITION"].iloc[0]
    detail = json.loads(decision["detail"])
    assert (detail["from_status"], detail["to_status"]) == ("disposed", "active")
    assert detail["evidence"]["rule"] == "LAST_SEEN"


def test_ageing_waits_for_a_complete_extraction() -> None:
    records = frame(rec("intune", "i1", serial_number=SERIAL, last_seen_at=days_ago(1)))
    first = run(records)
    later = NOW + timedelta(days=60)
    failed = rerun(first, records, now=later, completed={**ALL_COMPLETE, "intune": False})
    assert status_of(failed, "intune|i1") == "active"  # the snapshot is old because Intune failed
    assert failed.status_changes.empty
    complete = rerun(first, records, now=later)
    assert status_of(complete, "intune|i1") == "stale"
    assert change_of(complete, "intune|i1")["reason"] == "LAST_SEEN"


def test_absence_only_counts_after_a_complete_extraction() -> None:
    first = run(
        frame(
            rec("intune", "i1", serial_number=SERIAL),
            rec("intune", "i2", serial_number="SERIAL0002"),
        )
    )
    without_i1 = frame(rec("intune", "i2", serial_number="SERIAL0002"))
    partial = rerun(first, without_i1, completed={**ALL_COMPLETE, "intune": False})
    assert status_of(partial, "intune|i1") == "active"
    assert bool(partial.links.set_index("record_key").loc["intune|i1", "present_in_last_complete"])
    complete = rerun(first, without_i1)
    assert status_of(complete, "intune|i1") == "missing"
    assert change_of(complete, "intune|i1")["reason"] == "ABSENT_FROM_SOURCES"
    assert not bool(complete.links.set_index("record_key").loc["intune|i1", "present_in_last_complete"])


def test_a_source_missing_from_completed_sources_never_ages_its_devices() -> None:
    records = frame(rec("miradore", "m1", serial_number=SERIAL, last_seen_at=days_ago(1)))
    first = run(records)
    later = rerun(first, records, now=NOW + timedelta(days=100), completed={"intune": True})
    assert status_of(later, "miradore|m1") == "active"


def test_stale_device_seen_again_is_active() -> None:
    first = run(frame(rec("intune", "i1", serial_number=SERIAL, last_seen_at=days_ago(50))))
    assert status_of(first, "intune|i1") == "stale"
    second = rerun(first, frame(rec("intune", "i1", serial_number=SERIAL, last_seen_at=days_ago(0))))
    change = change_of(second, "intune|i1")
    assert (change["from_status"], change["to_status"], bool(change["applied"])) == ("stale", "active", True)


def test_miradore_deleted_record_does_not_retire_a_phone_now_in_intune() -> None:
    plan = run(
        frame(
            rec(
                "miradore", "m1", imei="355762052793235", lifecycle_hint="deleted", last_seen_at=days_ago(60)
            ),
            rec("intune", "i1", imei="355762052793235", last_seen_at=days_ago(1), asset_type="mobile_phone"),
        )
    )
    assert status_of(plan, "intune|i1") == "active"
    links = plan.links.set_index("record_key")
    assert links.loc["miradore|m1", "asset_id"] == links.loc["intune|i1", "asset_id"]
    assert not bool(links.loc["miradore|m1", "present_in_last_complete"])


def test_manual_status_override_wins() -> None:
    records = frame(rec("intune", "i1", serial_number=SERIAL))
    first = run(records)
    asset = first.assets["asset_id"].iloc[0]
    overrides = pd.concat(
        [
            empty_overrides(),
            pd.DataFrame(
                {
                    "asset_id": [asset],
                    "attribute": ["status"],
                    "value": ["in_repair"],
                    "set_by": ["desk"],
                    "set_at": pd.to_datetime([NOW], utc=True),
                }
            ),
        ],
        ignore_index=True,
    )
    second = rerun(first, records, overrides=overrides)
    assert status_of(second, "intune|i1") == "in_repair"
    assert change_of(second, "intune|i1")["reason"] == "MANUAL_OVERRIDE"

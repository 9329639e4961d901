"""apply_plan writes what the plan says, only what changed, and nothing for a repeated plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from itam_pipeline.repository import (
    AccountingError,
    PlanIntegrityError,
    apply_plan,
    compute_diff,
    load_state,
    read_assets,
)
from itam_pipeline.repository.tables import GOLDEN_TABLES
from itam_pipeline.schema import GOLDEN_SCHEMA, conform

from .builders import add_assets, change_os_version, fleet_plan, next_run
from .dbutil import rows, scalar, snapshot


def test_initial_load_writes_the_whole_plan(engine: Engine) -> None:
    plan = fleet_plan(50)
    result = apply_plan(engine, plan)

    assert result.rows_written["assets"] == 50
    assert result.rows_written["asset_source_records"] == 50
    assert result.rows_written["asset_attribute_provenance"] == 150
    assert result.rows_written["asset_identifiers"] == 150
    assert result.rows_written["asset_relationships"] == 50
    assert result.rows_written["asset_status_history"] == 50
    assert result.total_assets == 50
    assert result.diff.assets_new == 50
    assert result.counts["intune"] == {
        "records_in": 50,
        "linked": 50,
        "new": 50,
        "updated": 0,
        "unchanged": 0,
        "merged": 0,
        "quarantined": 0,
        "retired": 0,
    }
    run = rows(engine, "SELECT * FROM sync_runs")
    assert [(r["run_id"], r["source"], r["status"], r["records_in"]) for r in run] == [
        ("run-1", "intune", "succeeded", 50)
    ]
    assert bool(run[0]["extraction_completed"]) is True


def test_values_round_trip_with_their_types(engine: Engine) -> None:
    plan = fleet_plan(5)
    plan.assets.loc[0, ["serial_number", "purchase_cost", "is_virtual"]] = [pd.NA, 999.129, True]
    plan.assets.loc[1, "hostname"] = ""  # an empty string is a value, not a null
    apply_plan(engine, plan)

    stored = conform(load_state(engine).assets, GOLDEN_SCHEMA).set_index("asset_id").sort_index()
    expected = conform(plan.assets, GOLDEN_SCHEMA).set_index("asset_id").sort_index()
    expected.loc["A0000000", "purchase_cost"] = 999.13  # stored in cents
    pd.testing.assert_frame_equal(stored, expected, check_dtype=True)
    assert read_assets(engine).loc[0, "useful_life_months"] == 36  # laptop default
    assert (read_assets(engine)["depreciation_method"] == "straight_line").all()


def test_repeating_a_plan_writes_no_rows(engine: Engine) -> None:
    plan = fleet_plan(40)
    apply_plan(engine, plan)
    before = snapshot(engine)

    result = apply_plan(engine, next_run(plan, "run-2"))

    assert all(result.rows_written[table] == 0 for table in result.rows_written)
    after = snapshot(engine)
    for table in GOLDEN_TABLES:
        assert after[table] == before[table], table
    assert scalar(engine, "SELECT count(*) FROM assets WHERE updated_run_id = 'run-2'") == 0
    assert result.diff.assets_unchanged == 40
    assert result.counts["intune"]["unchanged"] == 40
    assert result.counts["intune"]["updated"] == 0


def test_one_percent_changed_writes_one_percent(engine: Engine) -> None:
    plan = fleet_plan(2000)
    apply_plan(engine, plan)
    changed = next_run(plan, "run-2")
    change_os_version(changed, np.arange(0, 2000, 100))  # 20 assets
    add_assets(changed, fleet_plan(20, start=2000))  # 20 new devices

    result = apply_plan(engine, changed)

    assert result.rows_written["assets"] == 40
    assert result.rows_written["asset_source_records"] == 20
    assert result.rows_written["asset_attribute_provenance"] == 60
    assert result.rows_written["asset_identifiers"] == 60
    assert result.rows_written["asset_relationships"] == 20
    assert result.rows_written["asset_status_history"] == 20
    assert result.diff.assets_updated == 20
    assert result.diff.attribute_changes == {"os_version": 20}
    assert result.diff.sample_changes[0]["changes"] == {
        "os_version": {"old": "10.0.22631", "new": "10.0.26100"}
    }
    assert scalar(engine, "SELECT count(*) FROM assets WHERE updated_run_id = 'run-2'") == 40
    assert scalar(engine, "SELECT count(*) FROM assets WHERE created_run_id = 'run-2'") == 20
    assert result.counts["intune"]["updated"] == 20
    assert result.counts["intune"]["unchanged"] == 1980


def test_dry_run_reports_and_writes_nothing(engine: Engine) -> None:
    apply_plan(engine, fleet_plan(10))
    before = snapshot(engine)
    changed = next_run(fleet_plan(10), "run-2")
    change_os_version(changed, np.array([3]))

    result = apply_plan(engine, changed, dry_run=True)
    diff = compute_diff(engine, changed)

    assert snapshot(engine) == before
    assert result.dry_run and result.rows_written == {}
    assert diff.assets_updated == result.diff.assets_updated == 1
    assert "1 updated" in diff.summary_text()
    assert diff.as_metrics()["assets_updated"] == 1
    assert diff.to_dict()["attribute_changes"] == {"os_version": 1}


def test_link_moves_and_supersessions_are_reported(engine: Engine) -> None:
    plan = fleet_plan(6)
    apply_plan(engine, plan)
    later = next_run(plan, "run-2")
    later.links.loc[0, "asset_id"] = "A0000005"  # record re-linked to another asset
    later.links.loc[1, "superseded"] = True  # re-enrolment made this record stale

    diff = apply_plan(engine, later).diff

    assert (diff.links_moved, diff.links_superseded, diff.links_updated) == (1, 1, 0)
    linked = rows(engine, "SELECT asset_id, superseded FROM asset_source_records ORDER BY record_key")
    assert linked[0]["asset_id"] == "A0000005"
    assert bool(linked[1]["superseded"]) is True


def test_broken_accounting_fails_the_run_and_writes_nothing(engine: Engine) -> None:
    plan = fleet_plan(10)
    plan.counts["intune"]["linked"] = 9  # records_in 10 != linked 9 + quarantined 0

    with pytest.raises(AccountingError, match="intune: records_in 10 != linked 9 \\+ quarantined 0"):
        apply_plan(engine, plan)

    assert scalar(engine, "SELECT count(*) FROM assets") == 0
    failed = rows(engine, "SELECT status, message FROM sync_runs WHERE run_id = 'run-1'")
    assert failed[0]["status"] == "failed"
    assert "AccountingError" in failed[0]["message"]


def test_quarantine_and_decisions_are_appended_per_run(engine: Engine) -> None:
    plan = fleet_plan(3)
    plan.quarantine = pd.DataFrame(
        {
            "source": ["intune"],
            "source_record_id": ["dev-x"],
            "origin": [None],
            "reason": ["no_identifier"],
            "detail": ["no serial, imei or uuid"],
            "payload": ['{"id": "dev-x"}'],
        }
    )
    plan.decisions = pd.DataFrame(
        {
            "decision": ["MERGED"],  # as reconciliation writes it
            "asset_id": ["A0000000"],
            "other_asset_id": ["A0000009"],
            "record_key": ["intune|dev-0000000"],
            "rule": ["serial"],
            "detail": ["same serial"],
        }
    )
    plan.counts["intune"].update(records_in=4, quarantined=1)

    result = apply_plan(engine, plan)

    assert result.diff.quarantined == 1 and result.diff.merges == 1
    stored = rows(engine, "SELECT run_id, source, reason, payload FROM quarantine")
    assert stored == [
        {"run_id": "run-1", "source": "intune", "reason": "no_identifier", "payload": '{"id": "dev-x"}'}
    ]
    assert (
        scalar(engine, "SELECT other_asset_id FROM match_decisions WHERE decision = 'MERGED'") == "A0000009"
    )


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda p: p.links.loc.__setitem__((0, "asset_id"), "NOPE"), "links: 1 rows refer to assets missing"),
        (
            lambda p: p.assets.loc.__setitem__((1, "asset_id"), "A0000000"),
            "assets: 1 asset_id values occur twice",
        ),
        (lambda p: p.assets.loc.__setitem__((0, "status"), "lost"), "unknown status"),
        (
            lambda p: p.identifiers.loc.__setitem__((0, "id_value"), None),
            "identifiers: 1 rows have no id_value",
        ),
    ],
)
def test_self_contradicting_plans_are_refused(engine: Engine, breakage, message: str) -> None:
    plan = fleet_plan(4)
    breakage(plan)
    with pytest.raises(PlanIntegrityError, match=message):
        apply_plan(engine, plan)
    assert scalar(engine, "SELECT count(*) FROM assets") == 0
    assert scalar(engine, "SELECT status FROM sync_runs WHERE run_id = 'run-1'") == "failed"


def test_duplicate_child_rows_are_written_once(engine: Engine) -> None:
    plan = fleet_plan(3)
    plan.identifiers = pd.concat([plan.identifiers, plan.identifiers.head(2)], ignore_index=True)
    result = apply_plan(engine, plan)
    assert result.rows_written["asset_identifiers"] == 9
    assert apply_plan(engine, next_run(plan, "run-2")).rows_written["asset_identifiers"] == 0


def test_assets_missing_from_a_later_plan_are_kept(engine: Engine) -> None:
    apply_plan(engine, fleet_plan(5))
    smaller = next_run(fleet_plan(4), "run-2")
    result = apply_plan(engine, smaller)
    assert result.diff.assets_not_in_plan == 1
    assert scalar(engine, "SELECT count(*) FROM assets") == 5


AWKWARD = ["two\nlines", 'say "hi", then', "back\\slash", "  padded  ", "ünïcødé ✓", "tab\there", "\\N", ","]


def test_awkward_text_survives_the_round_trip(engine: Engine) -> None:
    plan = fleet_plan(len(AWKWARD))
    plan.assets["model"] = AWKWARD
    plan.links["source_record_id"] = AWKWARD
    plan.links["record_key"] = "intune|" + pd.Series(AWKWARD)
    plan.links["evidence"] = AWKWARD
    apply_plan(engine, plan)

    state = load_state(engine)
    assert sorted(state.assets["model"]) == sorted(AWKWARD)
    assert sorted(state.links["source_record_id"]) == sorted(AWKWARD)
    assert sorted(state.links["evidence"]) == sorted(AWKWARD)
    # The stored keys read back exactly: a second run finds every record unchanged.
    assert apply_plan(engine, next_run(plan, "run-2")).rows_written["asset_source_records"] == 0

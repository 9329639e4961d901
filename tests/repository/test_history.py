"""Status and relationship history: changes close the open period and open a new one;
provenance and identifiers are rewritten only for the assets whose set changed."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from itam_pipeline.repository import apply_plan

from .builders import fleet_plan, next_run, set_status
from .dbutil import rows, scalar


def test_status_change_closes_the_open_period_and_opens_a_new_one(engine: Engine) -> None:
    plan = fleet_plan(5)
    apply_plan(engine, plan)
    stale = next_run(plan, "run-2")
    set_status(stale, np.array([2]), "stale", reason="not seen for 35 days")
    apply_plan(engine, stale)
    back = next_run(stale, "run-3")
    back.status_changes = back.status_changes.iloc[0:0]
    back.assets.loc[2, "status"] = "active"  # seen again; no explanation in the plan
    apply_plan(engine, back)

    history = rows(
        engine,
        "SELECT status, reason, evidence, run_id, closed_run_id, valid_to IS NULL AS open "
        "FROM asset_status_history WHERE asset_id = 'A0000002' ORDER BY id",
    )
    assert [
        (h["status"], h["reason"], h["run_id"], h["closed_run_id"], bool(h["open"])) for h in history
    ] == [
        ("active", "created", "run-1", "run-2", False),
        ("stale", "not seen for 35 days", "run-2", "run-3", False),
        ("active", "status changed", "run-3", None, True),
    ]
    assert history[1]["evidence"] == '{"source": "intune"}'
    # One open period per asset, everywhere.
    assert scalar(engine, "SELECT count(*) FROM asset_status_history WHERE valid_to IS NULL") == 5
    periods = rows(
        engine,
        "SELECT valid_from, valid_to FROM asset_status_history WHERE asset_id = 'A0000002' ORDER BY id",
    )
    assert periods[0]["valid_to"] == periods[1]["valid_from"]  # no gap, no overlap


def test_refused_status_changes_are_reported_not_applied(engine: Engine) -> None:
    plan = fleet_plan(3)
    apply_plan(engine, plan)
    later = next_run(plan, "run-2")
    later.status_changes = pd.DataFrame(
        {
            "asset_id": ["A0000001"],
            "from_status": ["disposed"],
            "to_status": ["active"],
            "reason": ["disposed asset seen again"],
            "evidence": [None],
            "applied": [False],
        }
    )
    diff = apply_plan(engine, later).diff
    assert (diff.status_changes_applied, diff.status_changes_refused) == (0, 1)
    assert diff.status_transitions == {}
    assert scalar(engine, "SELECT count(*) FROM asset_status_history") == 3


def test_relationship_change_closes_the_old_and_opens_the_new(engine: Engine) -> None:
    plan = fleet_plan(4)
    apply_plan(engine, plan)
    reassigned = next_run(plan, "run-2")
    reassigned.relationships.loc[1, "target_id"] = "bob@example.com"
    extra = pd.DataFrame(
        [
            {
                "asset_id": "A0000003",
                "relation": "located_at",
                "target_type": "location",
                "target_id": "HQ",
                "source": None,
            }
        ]
    )
    reassigned.relationships = pd.concat([reassigned.relationships, extra], ignore_index=True)

    result = apply_plan(engine, reassigned)

    assert (result.diff.relationships_closed, result.diff.relationships_opened) == (1, 2)
    history = rows(
        engine,
        "SELECT asset_id, relation, target_id, source, run_id, closed_run_id, valid_to IS NULL AS open "
        "FROM asset_relationships WHERE asset_id IN ('A0000001', 'A0000003') ORDER BY asset_id, id",
    )
    assert [(h["asset_id"], h["target_id"], h["closed_run_id"], bool(h["open"])) for h in history] == [
        ("A0000001", "user0@example.com", "run-2", False),
        ("A0000001", "bob@example.com", None, True),
        ("A0000003", "user1@example.com", None, True),
        ("A0000003", "HQ", None, True),
    ]
    # The same plan again: the relationship with a null source matches itself, nothing changes.
    again = apply_plan(engine, next_run(reassigned, "run-3"))
    assert again.rows_written["asset_relationships"] == 0
    # Dropping a relationship closes it without opening anything.
    dropped = next_run(reassigned, "run-4")
    dropped.relationships = dropped.relationships.iloc[:-1]
    assert apply_plan(engine, dropped).diff.relationships_closed == 1
    assert scalar(engine, "SELECT closed_run_id FROM asset_relationships WHERE target_id = 'HQ'") == "run-4"


def test_child_sets_are_rewritten_only_for_assets_that_changed(engine: Engine) -> None:
    plan = fleet_plan(10)
    apply_plan(engine, plan)
    later = next_run(plan, "run-2")
    later.provenance.loc[later.provenance["asset_id"] == "A0000004", "rule"] = "recency"
    later.identifiers = later.identifiers.loc[
        ~((later.identifiers["asset_id"] == "A0000007") & (later.identifiers["id_type"] == "hostname"))
    ]

    result = apply_plan(engine, later)

    assert (result.diff.provenance_assets, result.diff.identifier_assets) == (1, 1)
    assert result.rows_written["asset_attribute_provenance"] == 6  # 3 deleted + 3 inserted
    assert result.rows_written["asset_identifiers"] == 5  # 3 deleted + 2 inserted
    assert result.rows_written["assets"] == 2  # their set hashes, not their values
    assert scalar(engine, "SELECT count(*) FROM assets WHERE updated_run_id = 'run-2'") == 0
    assert scalar(engine, "SELECT count(*) FROM asset_attribute_provenance WHERE run_id = 'run-2'") == 3
    assert scalar(engine, "SELECT count(*) FROM asset_identifiers WHERE asset_id = 'A0000007'") == 2
    assert apply_plan(engine, next_run(later, "run-3")).rows_written["asset_identifiers"] == 0

"""Run bookkeeping (sync_runs, extractions, last complete counts) and load_state."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from itam_pipeline.plan import IDENTIFIER_COLUMNS, LINK_COLUMNS
from itam_pipeline.repository import (
    apply_plan,
    finish_extraction,
    last_complete_counts,
    load_state,
    record_run_failure,
    start_extraction,
    start_run,
)
from itam_pipeline.repository.queries import run_history, table_counts
from itam_pipeline.schema import GOLDEN_COLUMNS

from .builders import fleet_plan, next_run
from .dbutil import rows


def test_extractions_are_recorded_and_feed_last_complete_counts(engine: Engine) -> None:
    start_extraction(engine, run_id="r1", source="intune")
    finish_extraction(
        engine, run_id="r1", source="intune", completed=True, record_count=120, landed_path="lake/r1"
    )
    start_extraction(engine, run_id="r2", source="intune")
    finish_extraction(
        engine, run_id="r2", source="intune", completed=False, record_count=7, message="page 3: 503"
    )

    stored = rows(
        engine,
        "SELECT run_id, completed, record_count, landed_path, message FROM extractions ORDER BY run_id",
    )
    assert [(r["run_id"], bool(r["completed"]), r["record_count"], r["message"]) for r in stored] == [
        ("r1", True, 120, None),
        ("r2", False, 7, "page 3: 503"),
    ]
    assert rows(engine, "SELECT count(*) AS n FROM extractions WHERE started_at IS NULL") == [{"n": 0}]
    # An incomplete extraction is never a baseline; without a finished sync the extraction counts.
    assert last_complete_counts(engine) == {"intune": 120}
    assert last_complete_counts(engine, exclude_run_id="r1") == {}


def test_last_complete_counts_prefer_the_latest_successful_sync(engine: Engine) -> None:
    plan = fleet_plan(10)
    apply_plan(engine, plan)
    grown = next_run(fleet_plan(12), "run-2")
    apply_plan(engine, grown)
    partial = next_run(fleet_plan(12), "run-3")
    partial.completed_sources["intune"] = False
    apply_plan(engine, partial)

    assert last_complete_counts(engine) == {"intune": 12}
    assert last_complete_counts(engine, exclude_run_id="run-2") == {"intune": 10}


def test_run_failure_without_rows_is_recorded_for_the_whole_run(engine: Engine) -> None:
    record_run_failure(engine, run_id="r9", job_name="sync_all", message="extract step\nfailed:  boom")
    assert rows(engine, "SELECT source, status, message FROM sync_runs") == [
        {"source": "*", "status": "failed", "message": "sync_all: extract step failed: boom"}
    ]


def test_run_failure_marks_running_rows_and_keeps_succeeded_ones(engine: Engine) -> None:
    start_run(engine, "r5", ["intune", "device42"])
    apply_plan(engine, fleet_plan(3, run_id="r5"))  # intune succeeds
    record_run_failure(
        engine, run_id="r5", message="device42 normalize failed", sources=["intune", "miradore"]
    )

    history = run_history(engine)
    assert sorted(zip(history["source"], history["status"], strict=True)) == [
        ("device42", "failed"),
        ("intune", "succeeded"),  # its data was committed: the record stays true
        ("miradore", "failed"),
    ]


def test_load_state_returns_the_repository_in_the_contract_shapes(engine: Engine) -> None:
    plan = fleet_plan(8)
    apply_plan(engine, plan)

    state = load_state(engine)

    assert list(state.assets.columns) == [n for n, _, _ in GOLDEN_COLUMNS]
    assert list(state.links.columns) == list(LINK_COLUMNS)
    assert list(state.identifiers.columns) == list(IDENTIFIER_COLUMNS)
    assert list(state.overrides.columns) == ["asset_id", "attribute", "value", "set_by", "set_at"]
    assert len(state.assets) == 8 and len(state.links) == 8 and len(state.identifiers) == 24
    assert state.last_complete_counts == {"intune": 8}
    assert isinstance(state.assets["last_seen_at"].dtype, pd.DatetimeTZDtype)
    assert state.links["superseded"].dtype == "boolean"
    links = state.links.sort_values("record_key").reset_index(drop=True)
    expected = plan.links.sort_values("record_key").reset_index(drop=True)
    assert links["evidence"].tolist() == expected["evidence"].tolist()
    assert (links["last_seen_at"] == pd.to_datetime(expected["last_seen_at"], utc=True)).all()
    assert table_counts(engine)["asset_status_history"] == 8

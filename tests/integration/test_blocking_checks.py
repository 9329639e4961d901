"""A failing critical check stops the write in the same run; a failing warning does not.

The reconcile job runs with a known run id; before it starts, a normalized snapshot for that
run is staged as a broken normalizer would have produced it. The GX suite on
``normalized/intune`` judges it inside the run.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from itam_pipeline.cli import database_ready, init_instance
from itam_pipeline.lake import Lake
from itam_pipeline.schema import NORMALIZED_SCHEMA, conform


def _record(i: int, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "record_key": f"intune|dev-{i}",
        "source": "intune",
        "source_record_id": f"dev-{i}",
        "run_id": "r",
        "extracted_at": pd.Timestamp("2026-12-01", tz="UTC"),
        "serial_number": f"SN{i:06d}",
        "serial_key": f"SN{i:06d}",
        "manufacturer": "Dell",
        "model": "Latitude 5440",
        "hostname": f"lt-{i}",
        "asset_type": "laptop",
        "asset_type_rule": "test",
        "is_virtual": False,
        "last_seen_at": pd.Timestamp("2026-12-01", tz="UTC"),
    }
    row.update(overrides)
    return row


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("ITAM_DATABASE_URL", "ITAM_LAKE_DIR", "ITAM_DROP_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ITAM_HOME", str(tmp_path / "itam"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.chdir(tmp_path)
    init_instance()
    database_ready()
    return tmp_path / "itam"


def _run_with_staged(home: Path, frame: pd.DataFrame) -> dg.ExecuteInProcessResult:
    from itam_pipeline.definitions import build_definitions

    run_id = str(uuid.uuid4())
    Lake(home / "lake").stage_normalized(
        "intune", run_id, conform(frame, NORMALIZED_SCHEMA), landing_ids=["t"], completed=True
    )
    defs = build_definitions()
    return defs.resolve_job_def("reconcile_all").execute_in_process(
        instance=dg.DagsterInstance.get(), run_id=run_id, raise_on_error=False
    )


def _assets(home: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{home / 'itam.db'}")
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM assets")).scalar_one()
    engine.dispose()
    return count


def test_critical_expectation_blocks_the_write(env: Path) -> None:
    bad = pd.DataFrame([_record(1), _record(2, asset_type="toaster")])  # not in the taxonomy
    result = _run_with_staged(env, bad)
    assert not result.success
    failed = {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}
    assert "asset_type_valid" in failed
    written = {e.materialization.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["normalized", "intune"]) in written  # the checked asset itself materialized ...
    assert dg.AssetKey(["repository", "assets"]) not in written  # ... the write did not run
    assert _assets(env) == 0


def test_warning_does_not_block(env: Path) -> None:
    warned = pd.DataFrame([_record(1, purchase_cost=-5.0), _record(2)])  # cost_not_negative is a warning
    result = _run_with_staged(env, warned)
    failed = {e.check_name: e.severity for e in result.get_asset_check_evaluations() if not e.passed}
    assert failed.get("cost_not_negative") == dg.AssetCheckSeverity.WARN
    assert result.success
    assert _assets(env) == 2

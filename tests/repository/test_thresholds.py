"""Safety thresholds stop a suspicious plan before any write, unless forced."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from itam_pipeline.repository import ThresholdExceeded, Thresholds, apply_plan

from .builders import fleet_plan, next_run, set_status
from .dbutil import rows, scalar, snapshot


def _retiring(count: int) -> object:
    plan = next_run(fleet_plan(100), "run-2")
    set_status(plan, np.arange(count), "retired")
    return plan


def test_mass_retirement_is_refused_in_a_dry_run_and_a_real_run(engine: Engine) -> None:
    apply_plan(engine, fleet_plan(100))
    before = snapshot(engine)

    with pytest.raises(
        ThresholdExceeded, match=re.escape("3 assets would retire (3.0% of a fleet of 100; limit 2%)")
    ):
        apply_plan(engine, _retiring(3), dry_run=True)
    with pytest.raises(ThresholdExceeded) as refused:
        apply_plan(engine, _retiring(3))

    assert "nothing written" in str(refused.value)
    after = snapshot(engine)
    assert {t: r for t, r in after.items() if t != "sync_runs"} == {
        t: r for t, r in before.items() if t != "sync_runs"
    }
    assert scalar(engine, "SELECT status FROM sync_runs WHERE run_id = 'run-2'") == "failed"


def test_retirement_within_the_limit_passes(engine: Engine) -> None:
    apply_plan(engine, fleet_plan(100))
    result = apply_plan(engine, _retiring(2))
    assert result.diff.retirements == 2
    assert scalar(engine, "SELECT count(*) FROM assets WHERE status = 'retired'") == 2


def test_force_accepts_a_plan_over_the_limit(engine: Engine) -> None:
    apply_plan(engine, fleet_plan(100))
    result = apply_plan(engine, _retiring(10), force=True)
    assert result.diff.retirements == 10
    assert scalar(engine, "SELECT count(*) FROM assets WHERE status = 'retired'") == 10


def test_a_sharp_drop_in_a_source_count_is_refused(engine: Engine) -> None:
    apply_plan(engine, fleet_plan(100))
    shrunk = next_run(fleet_plan(100), "run-2")
    shrunk.counts["intune"].update(records_in=70, linked=70)

    with pytest.raises(
        ThresholdExceeded, match="intune delivered 70 records, 30% fewer than its last complete run"
    ):
        apply_plan(engine, shrunk, dry_run=True)

    # An incomplete extraction proves nothing about absence, so it is not compared.
    shrunk.completed_sources["intune"] = False
    assert apply_plan(engine, shrunk, dry_run=True).diff.source_counts == {}


def test_limits_are_configurable_and_can_be_disabled(engine: Engine) -> None:
    apply_plan(engine, fleet_plan(100))
    loose = Thresholds(max_retire_fraction=0.05)
    assert apply_plan(engine, _retiring(4), dry_run=True, thresholds=loose).diff.retirements == 4
    off = Thresholds(max_retire_fraction=None)
    assert apply_plan(engine, _retiring(50), dry_run=True, thresholds=off).diff.retirements == 50


def test_serial_loss_is_a_threshold_too(engine: Engine) -> None:
    apply_plan(engine, fleet_plan(100))
    lossy = next_run(fleet_plan(100), "run-2")
    lossy.assets.loc[:4, "serial_number"] = pd.NA
    with pytest.raises(ThresholdExceeded, match="5 existing assets would lose their serial number"):
        apply_plan(engine, lossy, dry_run=True)
    assert rows(engine, "SELECT count(*) AS n FROM sync_runs WHERE run_id = 'run-2'") == [{"n": 0}]

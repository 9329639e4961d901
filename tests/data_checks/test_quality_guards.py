"""Guardrail computations: duplicate active serials, completeness gate, plan thresholds."""

from __future__ import annotations

import pandas as pd
import pytest

from data_checks.guards import completeness_gate, duplicate_active_serials, retirement_gate, serial_loss_gate
from itam_pipeline.plan import STATUS_CHANGE_COLUMNS


def test_duplicate_active_serials_ignore_case_separators_and_inactive_assets(make_golden):
    golden = make_golden(
        [
            {"asset_id": "a1", "status": "active", "manufacturer": "Dell", "serial_number": "5CG-1234"},
            {"asset_id": "a2", "status": "active", "manufacturer": "DELL", "serial_number": "5cg1234"},
            {"asset_id": "a3", "status": "retired", "manufacturer": "Dell", "serial_number": "5CG1234"},
            {"asset_id": "a4", "status": "active", "manufacturer": "HP", "serial_number": "5CG1234"},
            {"asset_id": "a5", "status": "active", "manufacturer": None, "serial_number": "Q 9"},
            {"asset_id": "a6", "status": "active", "manufacturer": None, "serial_number": "Q9"},
            {"asset_id": "a7", "status": "active", "manufacturer": "Dell", "serial_number": None},
            {"asset_id": "a8", "status": "active", "manufacturer": "Dell", "serial_number": None},
            {"asset_id": "a9", "status": None, "manufacturer": "Dell", "serial_number": "5CG1234"},
        ]
    )
    offending = duplicate_active_serials(golden)
    assert offending["asset_id"].tolist() == ["a1", "a2", "a5", "a6"]
    assert list(offending.columns) == list(golden.columns)


def test_no_duplicates_gives_an_empty_frame(clean_golden):
    assert duplicate_active_serials(clean_golden).empty


@pytest.mark.parametrize(
    ("count", "last", "completed", "passed", "reason_part"),
    [
        (100, 100, False, False, "did not complete"),
        (79, 100, True, False, "fell 21.0% (100 -> 79)"),
        (80, 100, True, True, "within 20%"),
        (500, 100, True, True, "within 20%"),  # growth never retires anything
        (0, None, True, True, "no earlier complete"),
        (0, 0, True, True, "no earlier complete"),
        (0, 10, True, False, "fell 100.0%"),
    ],
)
def test_completeness_gate(count, last, completed, passed, reason_part):
    gate = completeness_gate(count, last, completed)
    assert gate.passed is passed
    assert reason_part in gate.reason
    assert gate.metadata()["count"] == count


def test_completeness_gate_rejects_a_nonsense_threshold():
    with pytest.raises(ValueError, match="max_drop"):
        completeness_gate(1, 1, True, max_drop=1.5)


def test_retirement_gate_counts_assets_leaving_the_fleet():
    changes = pd.DataFrame(
        [
            ("a1", "active", "missing", "absent", "{}", True),
            ("a2", "stale", "retired", "intune retire", "{}", True),
            ("a3", "missing", "active", "seen again", "{}", True),
        ],
        columns=list(STATUS_CHANGE_COLUMNS),
    )
    assert retirement_gate(changes, fleet_size=100).passed
    blocked = retirement_gate(changes, fleet_size=20)
    assert not blocked.passed
    assert blocked.metrics["leaving_fleet"] == 2
    assert "2 of 20 assets (10.0%)" in blocked.reason


def test_serial_loss_gate_compares_current_and_desired_rows():
    current = pd.DataFrame({"asset_id": ["a1", "a2", "a3", "a4"], "serial_number": ["S1", "S2", "S3", None]})
    desired = pd.DataFrame({"asset_id": ["a1", "a2", "a3", "a4"], "serial_number": ["S1", None, "S3", None]})
    gate = serial_loss_gate(current, desired, max_share=0.5)
    assert gate.passed and gate.metrics["lost_serials"] == 1
    assert gate.metrics["assets_with_serial"] == 3
    assert not serial_loss_gate(current, desired, max_share=0.1).passed

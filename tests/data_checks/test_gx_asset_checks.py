"""The check factories inside real Dagster runs.

A tiny graph: ``staging/devices`` writes its frame to ``<scratch>/<run_id>.parquet``; the checks
find it again through a resource and ``context.run.run_id``; ``repository/devices`` (downstream)
writes a marker file. A failing critical expectation must fail the run and keep the marker from
being written; a failing warning must not.
"""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from data_checks.asset_checks import build_guard_check, build_gx_checks, build_scorecard_check
from data_checks.guards import completeness_gate
from data_checks.suites import check_name_of, normalized_suite

STAGING = dg.AssetKey(["staging", "devices"])
SUITE = normalized_suite("intune")
CRITICAL = {check_name_of(e) for e in SUITE.expectations if e.severity.value == "critical"}


class ScratchDir(dg.ConfigurableResource):
    """Where the staging asset leaves its Parquet file for the checks."""

    path: str


def load_staged(context: dg.AssetCheckExecutionContext) -> pd.DataFrame:
    return pd.read_parquet(Path(context.resources.scratch.path) / f"{context.run.run_id}.parquet")


def run_graph(tmp_path: Path, frame: pd.DataFrame, *extra_checks: dg.AssetChecksDefinition):
    """Materialize staging -> repository with the GX checks (and any extra checks) attached."""
    marker = tmp_path / "repository_written"

    @dg.asset(key=STAGING, required_resource_keys={"scratch"})
    def staging_devices(context: dg.AssetExecutionContext) -> None:
        frame.to_parquet(Path(context.resources.scratch.path) / f"{context.run.run_id}.parquet")

    @dg.asset(key=["repository", "devices"], deps=[STAGING])
    def repository_devices() -> None:
        marker.write_text("written")

    gx_checks = build_gx_checks(
        STAGING, SUITE, load_staged, name="staging_devices_gx", required_resource_keys={"scratch"}
    )
    result = dg.materialize(
        [staging_devices, repository_devices, gx_checks, *extra_checks],
        resources={"scratch": ScratchDir(path=str(tmp_path))},
        raise_on_error=False,
    )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return result, evaluations, marker.exists()


def test_specs_are_generated_from_the_suite():
    checks = build_gx_checks(
        STAGING, SUITE, load_staged, name="specs_only", required_resource_keys={"scratch"}
    )
    specs = {spec.name: spec for spec in checks.check_specs}
    assert list(specs) == [check_name_of(e) for e in SUITE.expectations]
    assert {name for name, spec in specs.items() if spec.blocking} == CRITICAL
    assert all(spec.asset_key == STAGING for spec in specs.values())
    assert specs["record_key_unique"].description == "record_key is unique among usable records"


def test_clean_frame_passes_every_check_and_the_downstream_asset_runs(tmp_path, clean_normalized):
    result, evaluations, written = run_graph(tmp_path, clean_normalized)
    assert result.success
    assert set(evaluations) == {check_name_of(e) for e in SUITE.expectations}  # one per expectation
    assert all(e.passed for e in evaluations.values())
    assert evaluations["record_key_unique"].metadata["unexpected_count"].value == 0
    assert written


def test_failing_critical_check_fails_the_run_and_skips_downstream(tmp_path, make_normalized, record):
    frame = make_normalized([record("1"), record("2"), record("2")])
    result, evaluations, written = run_graph(tmp_path, frame)

    assert not result.success
    failing = evaluations["record_key_unique"]
    assert not failing.passed
    assert failing.severity == dg.AssetCheckSeverity.ERROR
    assert failing.metadata["unexpected_count"].value == 2
    assert failing.metadata["unexpected_percent"].value == pytest.approx(200 / 3)
    assert failing.metadata["sample"].value == [{"record_key": "intune|2"}, {"record_key": "intune|2"}]
    assert [name for name, e in evaluations.items() if not e.passed] == ["record_key_unique"]
    assert not written
    assert not result.is_node_success("repository__devices")
    assert result.is_node_untouched("repository__devices")  # "dependencies failed, not executing"
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == {STAGING}  # the checked asset stays materialized, downstream does not


def test_failing_warning_is_reported_but_does_not_block(tmp_path, make_normalized, record):
    frame = make_normalized([record("1"), record("2", purchase_cost=-10.0)])
    result, evaluations, written = run_graph(tmp_path, frame)

    assert result.success
    warning = evaluations["cost_not_negative"]
    assert not warning.passed
    assert warning.severity == dg.AssetCheckSeverity.WARN
    assert warning.metadata["sample"].value == [{"purchase_cost": -10.0, "record_key": "intune|2"}]
    assert written


def test_scorecard_and_guard_checks(tmp_path, clean_normalized):
    # The scorecard check measures freshness against the real clock.
    fresh = clean_normalized.assign(last_seen_at=pd.Timestamp.now(tz="UTC"))
    scorecard = build_scorecard_check(
        STAGING, load_staged, min_quality_score=101.0, required_resource_keys={"scratch"}
    )
    gate_warning = build_guard_check(
        STAGING,
        "row_count_gate",
        lambda ctx: ((g := completeness_gate(len(load_staged(ctx)), 100, True)).passed, g.metadata()),
        blocking=False,
        required_resource_keys={"scratch"},
    )
    result, evaluations, written = run_graph(tmp_path, fresh, scorecard, gate_warning)

    assert result.success and written  # neither check blocks
    card = evaluations["quality_score"]
    assert not card.passed and card.severity == dg.AssetCheckSeverity.WARN
    assert card.metadata["quality_score"].value == 100.0
    assert card.metadata["records"].value == 20
    assert isinstance(card.metadata["fresh_7d"], dg.FloatMetadataValue)  # numeric, so the UI plots it
    gate = evaluations["row_count_gate"]
    assert not gate.passed and gate.severity == dg.AssetCheckSeverity.WARN
    assert gate.metadata["count"].value == 20
    assert "fell 80.0%" in gate.metadata["reason"].value


def test_failing_blocking_guard_skips_downstream(tmp_path, clean_normalized):
    guard = build_guard_check(
        STAGING,
        "no_devices_lost",
        lambda ctx: (False, {"lost": 3, "offenders": clean_normalized.head(2)}),
        description="never lose devices",
    )
    result, evaluations, written = run_graph(tmp_path, clean_normalized, guard)

    assert not result.success and not written
    failing = evaluations["no_devices_lost"]
    assert failing.severity == dg.AssetCheckSeverity.ERROR
    assert failing.metadata["lost"].value == 3
    assert failing.metadata["offenders"].value["rows"] == 2
    assert failing.metadata["offenders"].value["sample"][0]["record_key"] == "intune|1"

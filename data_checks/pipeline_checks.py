"""The pipeline's checks, attached to its asset keys from outside ``assets_dag``.

Per normalized source: the GX suite (critical expectations block the write), the quality
scorecard (plotted, warns) and the completeness gate. On the reconciliation plan: the golden
GX suite, no two active assets sharing a serial, the dry-run thresholds and the serial-loss
guard. All of them run inside the sync run, before ``repository/assets``, so a failure
stops the write in the same run.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from assets_dag.normalize import FILE_FEEDS_KEY, normalized_key
from assets_dag.reconcile import PLAN_KEY
from connectors.records import API_SOURCES
from data_checks.asset_checks import build_guard_check, build_gx_checks, build_scorecard_check
from data_checks.guards import completeness_gate, duplicate_active_serials, retirement_gate, serial_loss_gate
from data_checks.suites import golden_suite, normalized_suite
from itam_pipeline.lake import empty_normalized
from itam_pipeline.repository import last_complete_counts, read_assets
from itam_pipeline.sync import load_plan

RESOURCES = {"repository"}
FORCE_TAG = "itam/force"  # an operator accepted a plan over the thresholds


def _staged(context: dg.AssetCheckExecutionContext, sources: list[str] | None) -> pd.DataFrame:
    lake = context.resources.repository.lake()
    wanted = sources or [s for s in lake.staged_sources(context.run.run_id) if s.startswith("file:")]
    frames = [f for f in (lake.read_staged(s, context.run.run_id) for s in wanted) if f is not None]
    return pd.concat(frames, ignore_index=True) if frames else empty_normalized()


def _source_checks(source: str) -> list[dg.AssetChecksDefinition]:
    key = normalized_key(source)

    def load(context: dg.AssetCheckExecutionContext) -> pd.DataFrame:
        return _staged(context, [source])

    def gate(context: dg.AssetCheckExecutionContext) -> tuple[bool, dict]:
        lake = context.resources.repository.lake()
        staged = lake.read_staged(source, context.run.run_id)
        if staged is None:
            return True, {"reason": "nothing extracted in this run"}
        engine = context.resources.repository.engine()
        try:
            previous = last_complete_counts(engine, exclude_run_id=context.run.run_id).get(source)
        finally:
            engine.dispose()
        max_drop = context.resources.repository.max_count_drop
        result = completeness_gate(
            len(staged), previous, lake.staged_completed(source, context.run.run_id), max_drop
        )
        return result.passed, result.metadata()

    return [
        build_gx_checks(
            key,
            normalized_suite(source),
            load,
            name=f"gx_normalized_{source}",
            required_resource_keys=RESOURCES,
        ),
        build_scorecard_check(key, load, min_quality_score=0.0, required_resource_keys=RESOURCES),
        build_guard_check(
            key,
            "completeness_gate",
            gate,
            description="The extraction completed and its count did not drop sharply against the last complete run.",
            required_resource_keys=RESOURCES,
        ),
    ]


def _file_checks() -> list[dg.AssetChecksDefinition]:
    def load(context: dg.AssetCheckExecutionContext) -> pd.DataFrame:
        return _staged(context, None)

    return [
        build_gx_checks(
            FILE_FEEDS_KEY,
            normalized_suite(None),
            load,
            name="gx_normalized_files",
            required_resource_keys=RESOURCES,
        ),
        build_scorecard_check(FILE_FEEDS_KEY, load, min_quality_score=0.0, required_resource_keys=RESOURCES),
    ]


def _plan_checks() -> list[dg.AssetChecksDefinition]:
    def golden(context: dg.AssetCheckExecutionContext) -> pd.DataFrame:
        plan, _ = load_plan(context.resources.repository.lake(), context.run.run_id)
        return plan.assets

    def duplicates(context: dg.AssetCheckExecutionContext) -> tuple[bool, dict]:
        offending = duplicate_active_serials(golden(context))
        return offending.empty, {"offending_assets": len(offending), "sample": offending}

    def thresholds(context: dg.AssetCheckExecutionContext) -> tuple[bool, dict]:
        repository = context.resources.repository
        plan, _ = load_plan(repository.lake(), context.run.run_id)
        engine = repository.engine()
        try:
            fleet = len(read_assets(engine))
        finally:
            engine.dispose()
        result = retirement_gate(plan.status_changes, fleet, max_share=repository.max_retire_fraction)
        if not result.passed and context.run.tags.get(FORCE_TAG) == "true":
            return True, {**result.metadata(), "forced": f"run tag {FORCE_TAG}=true accepts this plan"}
        return result.passed, result.metadata()

    def serial_loss(context: dg.AssetCheckExecutionContext) -> tuple[bool, dict]:
        engine = context.resources.repository.engine()
        try:
            current = read_assets(engine)
        finally:
            engine.dispose()
        result = serial_loss_gate(current, golden(context))
        return result.passed, result.metadata()

    return [
        build_gx_checks(PLAN_KEY, golden_suite(), golden, name="gx_golden", required_resource_keys=RESOURCES),
        build_guard_check(
            PLAN_KEY,
            "no_shared_serials",
            duplicates,
            description="No two active golden assets share a valid serial of one manufacturer.",
            required_resource_keys=RESOURCES,
        ),
        build_guard_check(
            PLAN_KEY,
            "retirement_threshold",
            thresholds,
            description="The plan does not retire more of the fleet than ITAM_MAX_RETIRE_FRACTION allows.",
            required_resource_keys=RESOURCES,
        ),
        build_guard_check(
            PLAN_KEY,
            "serial_loss",
            serial_loss,
            description="Golden assets do not lose their serial numbers in this run.",
            required_resource_keys=RESOURCES,
        ),
    ]


def build_pipeline_checks() -> list[dg.AssetChecksDefinition]:
    checks: list[dg.AssetChecksDefinition] = []
    for source in API_SOURCES:
        checks.extend(_source_checks(source))
    checks.extend(_file_checks())
    checks.extend(_plan_checks())
    return checks

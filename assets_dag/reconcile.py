"""Reconciliation and the repository write.

``reconciled/plan`` computes the desired golden state and its dry-run diff; blocking checks
(data_checks) judge it; ``repository/assets`` writes it in one transaction. Because both
are steps of one run, a failed blocking check skips the write in that same run.
"""

import dagster as dg
import pandas as pd

from assets_dag.extract import API_SOURCES
from assets_dag.normalize import FILE_FEEDS_KEY, normalized_key
from assets_dag.policies import CODE_VERSION, OWNERS, REPOSITORY_FRESHNESS, REPOSITORY_POOL
from assets_dag.resources import FileDropResource, RepositoryResource
from itam_pipeline.plan import COUNT_KEYS
from itam_pipeline.repository import compute_diff, link_incidents
from itam_pipeline.schema import GOLDEN_COLUMNS
from itam_pipeline.sync import (
    build_plan,
    commit,
    discard_plan,
    gather_records,
    load_plan,
    pending_incidents,
    restrict_to_run,
    save_plan,
)

PLAN_KEY = dg.AssetKey(["reconciled", "plan"])
ASSETS_KEY = dg.AssetKey(["repository", "assets"])

GOLDEN_TABLE_SCHEMA = dg.TableSchema(
    columns=[dg.TableColumn(n, str(t), description=d) for n, t, d in GOLDEN_COLUMNS]
    + [dg.TableColumn("status", "string", description="lifecycle status")]
)


class WriteConfig(dg.Config):
    """Run configuration of the repository write."""

    force: bool = False
    """Write even when the plan exceeds a safety threshold (mass retirement, source count drop)."""


def _overloaded_sample(report: pd.DataFrame) -> str:
    if report.empty:
        return "none"
    return report.head(20).astype(str).to_markdown(index=False)


def _totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    return {key: sum(c.get(key, 0) for c in counts.values()) for key in COUNT_KEYS}


@dg.asset(
    key=PLAN_KEY,
    deps=[normalized_key(spec.name) for spec in API_SOURCES] + [FILE_FEEDS_KEY],
    group_name="reconcile",
    description="Golden assets matched and merged from every source, with the dry-run diff against the repository.",
    kinds={"pandas"},
    owners=OWNERS,
    code_version=CODE_VERSION,
    pool=REPOSITORY_POOL,
)
def reconciled_plan(
    context: dg.AssetExecutionContext, repository: RepositoryResource, file_drop: FileDropResource
) -> dg.MaterializeResult:
    lake = repository.lake()
    engine = repository.engine()
    try:
        inputs = gather_records(lake, context.run.run_id, delta_feeds=file_drop.delta_feeds())
        plan = build_plan(engine, inputs, run_id=context.run.run_id)
        plan = restrict_to_run(plan, lake, inputs)
        diff = compute_diff(engine, plan)
    finally:
        engine.dispose()
    save_plan(lake, plan, inputs)
    context.log.info(diff.summary_text())
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(plan.assets),
            "dagster/column_schema": GOLDEN_TABLE_SCHEMA,
            "sources_in_run": ", ".join(inputs.sources_in_run) or "none",
            "records": len(inputs.records),
            "plan": dg.MetadataValue.md(f"```\n{diff.summary_text()}\n```"),
            # Identifier values seen on many unrelated devices stop counting as identifiers.
            "overloaded_values": len(plan.overloaded_values),
            "overloaded_sample": dg.MetadataValue.md(_overloaded_sample(plan.overloaded_values)),
            **{f"plan_{k}": v for k, v in diff.as_metrics().items()},
        }
    )


@dg.asset(
    key=ASSETS_KEY,
    deps=[PLAN_KEY],
    group_name="repository",
    description="The asset repository: golden assets, source links, provenance, history (one transaction per run).",
    kinds={"sqlite", "postgres"},
    owners=OWNERS,
    code_version=CODE_VERSION,
    pool=REPOSITORY_POOL,
    freshness_policy=REPOSITORY_FRESHNESS,
)
def repository_assets(
    context: dg.AssetExecutionContext, config: WriteConfig, repository: RepositoryResource
) -> dg.MaterializeResult:
    lake = repository.lake()
    plan, inputs = load_plan(lake, context.run.run_id)
    engine = repository.engine()
    try:
        result = commit(engine, lake, plan, inputs, thresholds=repository.thresholds(), force=config.force)
    finally:
        engine.dispose()
    discard_plan(lake, context.run.run_id)
    totals = _totals(result.counts)
    per_source = "\n".join(
        f"| {s} | " + " | ".join(str(c.get(k, 0)) for k in COUNT_KEYS) + " |"
        for s, c in sorted(result.counts.items())
    )
    table = (
        "| source | " + " | ".join(COUNT_KEYS) + " |\n" + "|---" * (len(COUNT_KEYS) + 1) + "|\n" + per_source
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.total_assets,
            "dagster/table_name": "assets",
            "dagster/column_schema": GOLDEN_TABLE_SCHEMA,
            **totals,
            "summary": dg.MetadataValue.md(table),
        }
    )


INCIDENTS_KEY = dg.AssetKey(["repository", "incidents"])


@dg.asset(
    key=INCIDENTS_KEY,
    deps=[dg.AssetKey(["raw", "file_drops"]), ASSETS_KEY],
    group_name="repository",
    description="Service-desk incidents from the `incidents` feed, linked to assets by tag, serial, host or user.",
    kinds={"sqlite", "postgres"},
    owners=OWNERS,
    code_version=CODE_VERSION,
    pool=REPOSITORY_POOL,
)
def repository_incidents(
    context: dg.AssetExecutionContext, repository: RepositoryResource
) -> dg.MaterializeResult:
    lake = repository.lake()
    batch = pending_incidents(lake)
    if not batch.landings:
        return dg.MaterializeResult(metadata={"status": "unchanged", "dagster/row_count": 0})
    engine = repository.engine()
    try:
        result = link_incidents(engine, batch.frame, context.run.run_id)
    finally:
        engine.dispose()
    for landing in batch.landings:
        lake.mark_consumed(landing.source, [landing.landing_id], run_id=context.run.run_id)
    if result.unlinked:
        context.log.warning(
            f"{result.unlinked} incidents match no asset: {', '.join(result.unlinked_ids[:20])}"
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.incidents,
            "incidents": result.incidents,
            "linked": result.linked,
            "unlinked": result.unlinked,
            "bad_rows": len(batch.bad_rows),
            "unlinked_ids": dg.MetadataValue.json(result.unlinked_ids[:200]),
            "bad_row_reasons": dg.MetadataValue.json(batch.bad_rows.head(200).to_dict("records")),
        }
    )

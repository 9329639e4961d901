"""Reporting: threshold alerts on asset facts and per-source quality, after each write."""

from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from assets_dag.policies import CODE_VERSION, OWNERS
from assets_dag.resources import AlertResource, RepositoryResource
from data_checks.scorecard import source_scorecard
from itam_pipeline.alerts import evaluate_alerts, notify
from itam_pipeline.repository import read_assets

ALERTS_KEY = dg.AssetKey(["reporting", "alerts"])
REPORTING_KEYS = (ALERTS_KEY,)
ASSET_ALERTS = ("warranty_ending", "low_free_storage", "not_seen")
SAMPLE_ROWS = 20


def _sample(frame: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(
        frame.head(SAMPLE_ROWS).astype(str).to_markdown(index=False) if len(frame) else "none"
    )


@dg.asset(
    key=ALERTS_KEY,
    deps=[dg.AssetKey(["repository", "assets"])],
    group_name="reporting",
    description="Threshold alerts after each sync: warranties ending, low free storage, not seen, source quality.",
    kinds={"pandas"},
    owners=OWNERS,
    code_version=CODE_VERSION,
    check_specs=[dg.AssetCheckSpec(name, asset=ALERTS_KEY, blocking=False) for name in ASSET_ALERTS]
    + [dg.AssetCheckSpec("source_quality", asset=ALERTS_KEY, blocking=False)],
)
def reporting_alerts(
    context: dg.AssetExecutionContext, repository: RepositoryResource, alerting: AlertResource
) -> dg.MaterializeResult:
    now = datetime.now(UTC)
    thresholds = alerting.thresholds()
    engine = repository.engine()
    try:
        assets = read_assets(engine)
    finally:
        engine.dispose()
    offending = evaluate_alerts(assets, now=now, thresholds=thresholds)
    lake = repository.lake()
    quality = {}
    for source in lake.current_sources():
        current = lake.read_current(source)
        if current is not None and len(current):
            quality[source] = source_scorecard(current, now=now)["quality_score"]
    low_quality = {s: q for s, q in quality.items() if q < thresholds.min_quality}

    checks = [
        dg.AssetCheckResult(
            check_name=name,
            passed=len(offending[name]) == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"offending_assets": len(offending[name]), "sample": _sample(offending[name])},
        )
        for name in ASSET_ALERTS
    ]
    checks.append(
        dg.AssetCheckResult(
            check_name="source_quality",
            passed=not low_quality,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={f"quality_{s}": round(q, 1) for s, q in quality.items()}
            | {"below_threshold": ", ".join(low_quality) or "none"},
        )
    )
    fired = {name: len(offending[name]) for name in ASSET_ALERTS if len(offending[name])}
    if fired or low_quality:
        notify(
            alerting.webhook_url,
            {
                "event": "itam.threshold_alerts",
                "run_id": context.run.run_id,
                "alerts": fired,
                "low_quality_sources": low_quality,
                "samples": {n: offending[n].head(SAMPLE_ROWS).astype(str).to_dict("records") for n in fired},
            },
        )
    return dg.MaterializeResult(
        metadata={
            **{f"alert_{n}": len(offending[n]) for n in ASSET_ALERTS},
            **{f"quality_{s}": q for s, q in quality.items()},
        },
        check_results=checks,
    )

"""Dagster asset-check factories: GX suites, quality scorecards and guardrails.

The only module of ``data_checks`` that imports Dagster. The assets themselves never import it;
the composition root attaches these checks to asset keys from outside.

Every factory takes a ``load_frame(context)`` callable: how a check finds the data an asset
wrote (a staging table for ``context.run_id``, a Parquet file, ...) is the caller's business.
Pass ``required_resource_keys`` when the loader needs ``context.resources``.

Severity mapping: a ``critical`` expectation or a blocking guard becomes a *blocking* check that
fails with ``ERROR`` severity, which fails its step and skips every downstream asset in the same
run (the repository upsert in particular). Warnings fail with ``WARN`` and never block.
"""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import dagster as dg
import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

from data_checks.gx_runner import ExpectationOutcome, json_safe, validate
from data_checks.scorecard import source_scorecard
from data_checks.suites import check_name_of

LoadFrame = Callable[[dg.AssetCheckExecutionContext], pd.DataFrame]
GuardFn = Callable[[dg.AssetCheckExecutionContext], tuple[bool, Mapping[str, Any]]]

# Rows of a DataFrame shown in metadata; enough to act on without bloating the event log.
_SAMPLE_ROWS = 20


def build_gx_checks(
    asset_key: dg.AssetKey,
    suite: gx.ExpectationSuite,
    load_frame: LoadFrame,
    *,
    name: str,
    required_resource_keys: set[str] | None = None,
) -> dg.AssetChecksDefinition:
    """One Dagster check per expectation of ``suite`` on ``asset_key``, computed by one GX run.

    ``name`` is the op name of the check computation; it must be unique in the code location.
    Check specs are generated here, at definition time, so the UI lists every check before
    its first run; critical expectations are blocking.
    """
    specs = [_gx_spec(asset_key, expectation) for expectation in suite.expectations]

    @dg.multi_asset_check(
        name=name,
        specs=specs,
        can_subset=False,
        required_resource_keys=required_resource_keys,
        description=f"Great Expectations suite {suite.name}",
    )
    def _gx_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        outcomes = validate(load_frame(context), suite)
        failed = [o.check_name for o in outcomes if not o.success]
        context.log.info(
            f"{suite.name}: {len(outcomes) - len(failed)} of {len(outcomes)} passed; failed {failed}"
        )
        for outcome in outcomes:
            yield _gx_result(asset_key, outcome)

    return _gx_checks


def build_scorecard_check(
    asset_key: dg.AssetKey,
    load_frame: LoadFrame,
    *,
    min_quality_score: float,
    name: str = "quality_score",
    required_resource_keys: set[str] | None = None,
) -> dg.AssetChecksDefinition:
    """A non-blocking check that publishes the source scorecard and warns below a score.

    Every figure is numeric metadata, so the UI plots its trend across runs.
    """

    @dg.asset_check(
        asset=asset_key,
        name=name,
        blocking=False,
        required_resource_keys=required_resource_keys,
        description=f"Source quality scorecard; warns when quality_score < {min_quality_score:g}",
    )
    def _scorecard(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        card = source_scorecard(load_frame(context), now=dt.datetime.now(dt.UTC))
        metadata: dict[str, Any] = {key: dg.MetadataValue.float(value) for key, value in card.items()}
        metadata["records"] = dg.MetadataValue.int(int(card["records"]))
        metadata["min_quality_score"] = dg.MetadataValue.float(float(min_quality_score))
        return dg.AssetCheckResult(
            passed=card["quality_score"] >= min_quality_score,
            severity=dg.AssetCheckSeverity.WARN,
            metadata=metadata,
        )

    return _scorecard


def build_guard_check(
    asset_key: dg.AssetKey,
    name: str,
    fn: GuardFn,
    *,
    blocking: bool = True,
    description: str | None = None,
    required_resource_keys: set[str] | None = None,
) -> dg.AssetChecksDefinition:
    """A custom guardrail check: ``fn(context)`` returns ``(passed, metadata)``.

    Blocking guards fail with ERROR severity (downstream skipped), others with WARN. Metadata
    values may be plain Python values, DataFrames (a sample of rows is shown) or MetadataValues.
    A ``guards.GateResult`` fits as ``lambda ctx: (gate.passed, gate.metadata())``.
    """
    severity = dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN

    @dg.asset_check(
        asset=asset_key,
        name=name,
        blocking=blocking,
        required_resource_keys=required_resource_keys,
        description=description,
    )
    def _guard(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        passed, metadata = fn(context)
        return dg.AssetCheckResult(
            passed=bool(passed),
            severity=severity,
            metadata={key: metadata_value(value) for key, value in metadata.items()},
        )

    return _guard


def metadata_value(value: Any) -> dg.MetadataValue:
    """A Dagster MetadataValue for a plain Python value (numbers stay numeric so the UI plots them)."""
    if isinstance(value, dg.MetadataValue):
        return value
    if isinstance(value, pd.DataFrame):
        rows = value.head(_SAMPLE_ROWS).to_dict(orient="records")
        return dg.MetadataValue.json({"rows": len(value), "sample": json_safe(rows)})
    value = json_safe(value)
    if value is None:
        return dg.MetadataValue.null()
    if isinstance(value, bool):
        return dg.MetadataValue.bool(value)
    if isinstance(value, int):
        return dg.MetadataValue.int(value)
    if isinstance(value, float):
        return dg.MetadataValue.float(value)
    if isinstance(value, dict | list):
        return dg.MetadataValue.json(value)
    return dg.MetadataValue.text(str(value))


def _gx_spec(asset_key: dg.AssetKey, expectation: gxe.Expectation) -> dg.AssetCheckSpec:
    critical = expectation.severity == "critical"
    config = expectation.configuration
    return dg.AssetCheckSpec(
        check_name_of(expectation),
        asset=asset_key,
        blocking=critical,
        description=expectation.description or config.type,
        metadata={
            "gx_expectation": config.type,
            "gx_kwargs": dg.MetadataValue.json(json_safe(config.kwargs)),
            "severity": "critical" if critical else "warning",
        },
    )


def _gx_result(asset_key: dg.AssetKey, outcome: ExpectationOutcome) -> dg.AssetCheckResult:
    metadata: dict[str, Any] = {
        "unexpected_count": outcome.unexpected_count,
        "unexpected_percent": outcome.unexpected_percent,
        "element_count": outcome.element_count,
        "sample": outcome.sample_rows or outcome.partial_unexpected_list,
        "observed": outcome.observed_value,
    }
    if outcome.error:
        metadata["error"] = outcome.error
    return dg.AssetCheckResult(
        check_name=outcome.check_name,
        asset_key=asset_key,
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
        description=outcome.description,
        metadata={
            key: metadata_value(value)
            for key, value in metadata.items()
            # Keep plots clean: a key absent from an evaluation is a gap, a null would read as 0.
            if value is not None
        },
    )

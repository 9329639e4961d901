"""Print what a Dagster run did, for the CLI: per-asset status, failures, check results, counts."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg

from itam_pipeline.plan import COUNT_KEYS

Say = Callable[[str], None]
_SHOWN = ("status", "records", "quarantined", "completed", "bad_rows")


def _value(entry: object) -> object:
    return getattr(entry, "value", getattr(entry, "text", entry))


def print_run_report(
    result: dg.ExecuteInProcessResult, say: Say, *, show_plan: bool = False, summary: bool = False
) -> bool:
    """Report one run; returns whether it succeeded."""
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        meta = {k: _value(v) for k, v in mat.metadata.items()}
        key = mat.asset_key.to_user_string()
        details = ", ".join(f"{k}={meta[k]}" for k in _SHOWN if k in meta)
        say(f"   {key:<24} {details}")
        if show_plan and "plan" in meta:
            say(str(meta["plan"]).strip("`\n"))
        if summary and key == "repository/assets":
            _print_counts(meta, say)
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            level = "FAILED" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warning"
            say(f"   check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} {level}")
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            message = error.message.strip().splitlines()[-1] if error else "failed"
            say(f"   FAILED {event.step_key}: {message}")
    if not result.success:
        say(
            "   steps after a failed step or a failed blocking check were not run (the repository is unchanged)"
        )
    return result.success


def _print_counts(meta: dict[str, object], say: Say) -> None:
    say("   summary: " + ", ".join(f"{k}={meta.get(k, 0)}" for k in ("dagster/row_count", *COUNT_KEYS)))
    table = meta.get("summary")
    if table:
        say(str(table))

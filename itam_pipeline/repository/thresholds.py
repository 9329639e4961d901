"""Safety thresholds checked on the dry-run diff before anything is written.

A failed extraction that looks complete, or a reconciliation bug, shows up as a mass
retirement, a sharp drop in a source's record count, a wave of merges or golden assets
losing their serials. Each limit can be disabled with ``None``; ``force`` overrides all.
"""

from __future__ import annotations

from dataclasses import dataclass

from itam_pipeline.repository.plan_diff import PlanDiff


@dataclass(frozen=True)
class Thresholds:
    """Limits on one run's changes, as fractions (0.02 = 2%)."""

    max_retire_fraction: float | None = 0.02  # of the fleet (assets neither retired nor disposed)
    max_count_drop_fraction: float | None = 0.20  # per source, against its last complete run
    max_merge_fraction: float | None = 0.05  # merge decisions, of the fleet
    max_serial_loss_fraction: float | None = 0.02  # existing assets losing their serial, of the fleet


def threshold_violations(diff: PlanDiff, limits: Thresholds) -> list[str]:
    """Human-readable reasons the plan exceeds ``limits`` (empty when it does not)."""
    violations = []
    fleet = diff.fleet_before
    checks = (
        ("assets would retire", diff.retirements, limits.max_retire_fraction),
        ("merges", diff.merges, limits.max_merge_fraction),
        (
            "existing assets would lose their serial number",
            diff.serials_lost,
            limits.max_serial_loss_fraction,
        ),
    )
    for what, count, limit in checks:
        if limit is not None and fleet and count / fleet > limit:
            violations.append(
                f"{count} {what} ({count / fleet:.1%} of a fleet of {fleet}; limit {limit:.0%})"
            )
    if limits.max_count_drop_fraction is not None:
        for source, counts in sorted(diff.source_counts.items()):
            previous, current = counts.get("previous"), counts.get("current") or 0
            if previous and (previous - current) / previous > limits.max_count_drop_fraction:
                violations.append(
                    f"{source} delivered {current} records, {(previous - current) / previous:.0%} fewer than"
                    f" its last complete run ({previous}; limit {limits.max_count_drop_fraction:.0%})"
                )
    return violations

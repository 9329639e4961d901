"""Guardrail computations behind the blocking checks of reconciliation design c.6.

Pure pandas, column-wise: each function answers "is it safe to write this run?" and says why.
The Dagster wrappers live in ``data_checks.asset_checks`` (``build_guard_check``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from itam_pipeline.schema import Status

# Statuses that take an asset out of the counted fleet; a run that moves many assets there at
# once is far more likely a broken extraction or matching bug than a real mass retirement.
_LEAVING_FLEET = frozenset({Status.MISSING.value, Status.RETIRED.value, Status.DISPOSED.value})

# Separators a serial may be printed with; the same characters normalization strips for serial_key.
_SERIAL_SEPARATORS = r"[\s\-_.]"


@dataclass(frozen=True)
class GateResult:
    """Outcome of a guardrail: whether the run may proceed, and why."""

    passed: bool
    reason: str
    metrics: Mapping[str, float | int | None] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """The reason and metrics as one flat mapping (for check metadata)."""
        return {"reason": self.reason, **self.metrics}


def duplicate_active_serials(golden: pd.DataFrame) -> pd.DataFrame:
    """Active golden assets that share a serial with another active asset of the same manufacturer.

    Serials are compared as keys (case and separators ignored), manufacturers case-insensitively,
    and a missing manufacturer counts as one more manufacturer - so ``5CG-1234`` (Dell) and
    ``5cg1234`` (DELL) collide. Returns the offending rows (all columns), grouped together.
    """
    key = _serial_key(golden["serial_number"])
    manufacturer = golden["manufacturer"].astype("string").str.strip().str.casefold()
    active = (golden["status"].astype("string") == Status.ACTIVE.value).fillna(False).astype(bool)
    candidates = active & key.notna()
    pairs = pd.DataFrame({"manufacturer": manufacturer, "key": key})[candidates]
    offending = pairs[pairs.duplicated(keep=False)].sort_values(["manufacturer", "key"], na_position="last")
    return golden.loc[offending.index]


def completeness_gate(
    count: int, last_complete_count: int | None, completed: bool, max_drop: float = 0.2
) -> GateResult:
    """May this extraction count as evidence of absence (design c.5)?

    It may when it completed (no failed page or partition) and its record count did not fall
    by more than ``max_drop`` against the last complete extraction. Growth is not limited: new
    records cannot retire anything. Without an earlier complete extraction there is nothing
    to compare with, and nothing known that could be marked missing, so the gate passes.
    """
    if not 0 <= max_drop < 1:
        raise ValueError(f"max_drop must be in [0, 1), got {max_drop}")
    metrics: dict[str, float | int | None] = {"count": count, "last_complete_count": last_complete_count}
    if not completed:
        return GateResult(False, "extraction did not complete; its absences prove nothing", metrics)
    if not last_complete_count:
        return GateResult(True, "no earlier complete extraction to compare with", metrics)
    drop = (last_complete_count - count) / last_complete_count
    metrics["drop_share"] = drop
    if drop > max_drop:
        return GateResult(
            False,
            f"record count fell {drop:.1%} ({last_complete_count} -> {count}), "
            f"more than the {max_drop:.0%} allowed",
            metrics,
        )
    return GateResult(
        True,
        f"record count {count} is within {max_drop:.0%} of the last complete {last_complete_count}",
        metrics,
    )


def retirement_gate(status_changes: pd.DataFrame, fleet_size: int, *, max_share: float = 0.05) -> GateResult:
    """Does this run move too much of the fleet to missing / retired / disposed at once?

    ``status_changes`` has ``plan.STATUS_CHANGE_COLUMNS``; ``fleet_size`` is the number of golden
    assets before the run.
    """
    leaving = int(status_changes["to_status"].astype("string").isin(_LEAVING_FLEET).sum())
    share = leaving / fleet_size if fleet_size else 0.0
    metrics = {"leaving_fleet": leaving, "fleet_size": fleet_size, "share": share}
    if share > max_share:
        return GateResult(
            False,
            f"{leaving} of {fleet_size} assets ({share:.1%}) would leave the fleet, over {max_share:.0%}",
            metrics,
        )
    return GateResult(True, f"{leaving} assets leave the fleet ({share:.1%})", metrics)


def serial_loss_gate(current: pd.DataFrame, desired: pd.DataFrame, *, max_share: float = 0.01) -> GateResult:
    """Would too many golden assets lose their serial number in this run?

    Compares the repository's current golden rows with the plan's desired rows by ``asset_id``;
    an asset loses its serial when it has one now and the desired row has none. Survivorship
    never lets null overwrite a valid value, so any loss at scale points to a bug.
    """
    had_serial = current.loc[current["serial_number"].notna(), ["asset_id"]]
    merged = had_serial.merge(desired[["asset_id", "serial_number"]], on="asset_id", how="inner")
    lost = int(merged["serial_number"].isna().sum())
    share = lost / len(had_serial) if len(had_serial) else 0.0
    metrics = {"lost_serials": lost, "assets_with_serial": len(had_serial), "share": share}
    if share > max_share:
        return GateResult(
            False, f"{lost} assets ({share:.1%}) would lose their serial, over {max_share:.0%}", metrics
        )
    return GateResult(True, f"{lost} assets lose their serial ({share:.1%})", metrics)


def _serial_key(serials: pd.Series) -> pd.Series:
    """Upper-case serial with separators removed; null when nothing is left."""
    key = serials.astype("string").str.upper().str.replace(_SERIAL_SEPARATORS, "", regex=True)
    return key.mask((key == "").fillna(False).astype(bool))

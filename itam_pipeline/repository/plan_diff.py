"""The dry-run plan as a report (``PlanDiff``) and the rows it decided to write (``WriteSet``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class WriteSet:
    """Rows to send, decided by the diff (empty frames / masks mean nothing to write)."""

    assets: pd.DataFrame  # new rows and rows whose golden values or set hashes changed (+ is_new)
    assets_table_empty: bool
    links: pd.DataFrame  # new and changed link rows (+ is_new)
    links_table_empty: bool
    replace_sets: dict[str, np.ndarray]  # child set name -> mask over plan assets to rewrite
    delete_sets: dict[str, np.ndarray]  # ... of which the repository holds rows now
    relationships_close: np.ndarray  # asset_relationships.id to close
    relationships_open: pd.DataFrame  # RELATIONSHIP_COLUMNS rows to open
    status_close: pd.Series  # asset ids whose open status period ends
    status_open: pd.DataFrame  # asset_id, status, reason, evidence


@dataclass
class PlanDiff:
    """What applying a plan changes; ``summary_text()`` for people, ``to_dict()`` for metadata."""

    run_id: str
    assets_before: int = 0
    fleet_before: int = 0  # assets neither retired nor disposed
    assets_new: int = 0
    assets_updated: int = 0
    assets_unchanged: int = 0
    assets_not_in_plan: int = 0  # kept as they are: assets are never deleted
    attribute_changes: dict[str, int] = field(default_factory=dict)
    sample_changes: list[dict[str, Any]] = field(default_factory=list)
    status_transitions: dict[str, int] = field(default_factory=dict)  # "active->retired": n
    status_changes_applied: int = 0
    status_changes_refused: int = 0
    retirements: int = 0
    serials_lost: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    links_new: int = 0
    links_moved: int = 0
    links_superseded: int = 0
    links_updated: int = 0
    links_unchanged: int = 0
    provenance_assets: int = 0
    identifier_assets: int = 0
    relationships_opened: int = 0
    relationships_closed: int = 0
    quarantined: int = 0
    source_counts: dict[str, dict[str, int | None]] = field(default_factory=dict)
    writes: WriteSet | None = field(default=None, repr=False, compare=False)

    @property
    def merges(self) -> int:
        return self.decisions.get("merged", 0)  # decision names are lower-cased (MERGED)

    @property
    def splits(self) -> int:
        return self.decisions.get("split", 0)

    def as_metrics(self) -> dict[str, int]:
        """Flat numeric counters (Dagster metadata, dashboards)."""
        skip = {"run_id", "attribute_changes", "sample_changes", "status_transitions", "decisions"}
        metrics = {k: v for k, v in self.to_dict().items() if k not in skip and isinstance(v, int)}
        metrics.update(merges=self.merges, splits=self.splits)
        return metrics

    def to_dict(self) -> dict[str, Any]:
        """Everything except the rows to write, JSON-serialisable."""
        names = [f for f in self.__dataclass_fields__ if f != "writes"]
        return {name: getattr(self, name) for name in names}

    def summary_text(self) -> str:
        """A short multi-line report of the plan."""
        lines = [
            f"plan for run {self.run_id}",
            f"  assets: {self.assets_new} new, {self.assets_updated} updated,"
            f" {self.assets_unchanged} unchanged"
            f" (repository holds {self.assets_before}, fleet {self.fleet_before};"
            f" {self.assets_not_in_plan} not in plan, kept)",
        ]
        if self.attribute_changes:
            top = sorted(self.attribute_changes.items(), key=lambda kv: (-kv[1], kv[0]))
            lines.append("  changed attributes: " + ", ".join(f"{k} {v}" for k, v in top))
        lines.append(
            f"  source links: {self.links_new} new, {self.links_moved} moved,"
            f" {self.links_superseded} superseded, {self.links_updated} updated,"
            f" {self.links_unchanged} unchanged"
        )
        transitions = ", ".join(f"{k} {v}" for k, v in sorted(self.status_transitions.items())) or "none"
        lines.append(
            f"  status: {transitions}; {self.retirements} retiring;"
            f" changes applied {self.status_changes_applied}, refused {self.status_changes_refused}"
        )
        decisions = ", ".join(f"{k} {v}" for k, v in sorted(self.decisions.items())) or "none"
        lines.append(f"  decisions: {decisions}")
        lines.append(
            f"  provenance rewritten for {self.provenance_assets} assets,"
            f" identifiers for {self.identifier_assets}; relationships {self.relationships_opened} opened,"
            f" {self.relationships_closed} closed"
        )
        lines.append(f"  quarantined: {self.quarantined}; serials lost: {self.serials_lost}")
        for source, c in sorted(self.source_counts.items()):
            lines.append(f"  {source}: {c.get('current')} records (last complete run: {c.get('previous')})")
        for sample in self.sample_changes[:3]:
            changes = "; ".join(f"{k}: {v['old']!r} -> {v['new']!r}" for k, v in sample["changes"].items())
            lines.append(f"  e.g. {sample['asset_id']}: {changes}")
        return "\n".join(lines)

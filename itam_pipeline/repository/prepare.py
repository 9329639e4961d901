"""Turn a ``ReconciliationPlan`` into typed, validated, hashed frames ready to diff.

Everything here is pure pandas (no database): the plan's frames are cast to the column
types of the tables they land in, checked for contradictions, and hashed, so that the
diff can compare (key, hash) pairs with what the repository holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from itam_pipeline.plan import (
    COUNT_KEYS,
    DECISION_COLUMNS,
    IDENTIFIER_COLUMNS,
    LINK_COLUMNS,
    PROVENANCE_COLUMNS,
    QUARANTINE_COLUMNS,
    RELATIONSHIP_COLUMNS,
    STATUS_CHANGE_COLUMNS,
    ReconciliationPlan,
)
from itam_pipeline.repository import tables as t
from itam_pipeline.repository.codec import table_schema
from itam_pipeline.repository.errors import PlanIntegrityError
from itam_pipeline.repository.finance import with_financial_defaults
from itam_pipeline.repository.hashing import KeyIndex, duplicate_pairs, row_hashes, set_hashes
from itam_pipeline.schema import GOLDEN_SCHEMA, conform

ASSET_SCHEMA = pa.schema(
    [*GOLDEN_SCHEMA, pa.field("depreciation_method", pa.string()), pa.field("useful_life_months", pa.int64())]
)
ASSET_COLUMNS = tuple(ASSET_SCHEMA.names)
LINK_SCHEMA = table_schema(t.asset_source_records, LINK_COLUMNS)
PROVENANCE_SCHEMA = table_schema(t.asset_attribute_provenance, PROVENANCE_COLUMNS)
IDENTIFIER_SCHEMA = table_schema(t.asset_identifiers, IDENTIFIER_COLUMNS)
RELATIONSHIP_SCHEMA = table_schema(t.asset_relationships, RELATIONSHIP_COLUMNS)
QUARANTINE_SCHEMA = table_schema(t.quarantine, QUARANTINE_COLUMNS)
DECISION_SCHEMA = table_schema(t.match_decisions, DECISION_COLUMNS)
STATUS_CHANGE_SCHEMA = pa.schema(
    [pa.field(c, pa.bool_() if c == "applied" else pa.string()) for c in STATUS_CHANGE_COLUMNS]
)
# Optional per-source quality counters reconciliation may add next to COUNT_KEYS.
QUALITY_COUNT_KEYS = ("with_serial", "junk_serial")
FINGERPRINT_COLUMNS = ("provenance_hash", "identifier_hash", "relationship_hash")
# Hashed columns: everything but the key (a row is only compared with the stored row of its
# key). record_key is source|source_record_id, so those two add nothing either.
ASSET_HASHED = ASSET_COLUMNS[1:]
LINK_HASHED = tuple(c for c in LINK_COLUMNS if c not in {"record_key", "source", "source_record_id"})
EXAMPLES = 3


@dataclass(frozen=True)
class ChildSpec:
    """A per-asset child-row set: its plan frame, types, required columns and fingerprint."""

    name: str
    schema: pa.Schema
    required: tuple[str, ...]
    fingerprint: str

    @property
    def hashed(self) -> tuple[str, ...]:
        return tuple(self.schema.names[1:])  # all but asset_id, the owner


CHILD_SETS = (
    ChildSpec("provenance", PROVENANCE_SCHEMA, ("asset_id", "attribute"), "provenance_hash"),
    ChildSpec("identifiers", IDENTIFIER_SCHEMA, IDENTIFIER_COLUMNS, "identifier_hash"),
    ChildSpec(
        "relationships",
        RELATIONSHIP_SCHEMA,
        ("asset_id", "relation", "target_type", "target_id"),
        "relationship_hash",
    ),
)


@dataclass
class PreparedPlan:
    """A plan's frames conformed to the table types, validated and hashed.

    Child frames (links and the CHILD_SETS) carry ``asset_pos``: the row number of their
    asset in ``assets``, so selecting the children of a set of assets is an array lookup.
    """

    run_id: str
    assets: pd.DataFrame  # ASSET_COLUMNS + row_hash + FINGERPRINT_COLUMNS; asset_id unique
    links: pd.DataFrame  # LINK_COLUMNS + row_hash + asset_pos; record_key unique
    provenance: pd.DataFrame  # PROVENANCE_COLUMNS + asset_pos; duplicates removed
    identifiers: pd.DataFrame  # IDENTIFIER_COLUMNS + asset_pos
    relationships: pd.DataFrame  # RELATIONSHIP_COLUMNS + asset_pos
    status_changes: pd.DataFrame
    quarantine: pd.DataFrame
    decisions: pd.DataFrame
    counts: dict[str, dict[str, int]]
    completed_sources: dict[str, bool]
    asset_index: KeyIndex  # asset_id -> row of ``assets``
    link_index: KeyIndex  # record_key -> row of ``links``

    @property
    def sources(self) -> list[str]:
        """Every source this run reports on (counted or extracted)."""
        return sorted(set(self.counts) | set(self.completed_sources))


def prepare_plan(plan: ReconciliationPlan, run_id: str | None = None) -> PreparedPlan:
    """Validate and hash ``plan``; raise ``PlanIntegrityError`` when it contradicts itself.

    Composite keys of child tables (e.g. one provenance row per asset and attribute) are
    enforced by the database's primary keys inside the run's transaction.
    """
    assets = _prepare_assets(plan.assets)
    index = KeyIndex(assets["asset_id"])
    _unique(index, "assets", "asset_id")
    links = _conform(plan.links, LINK_SCHEMA, "links")
    _require(links, ("record_key", "source", "source_record_id", "asset_id"), "links")
    link_index = KeyIndex(links["record_key"])
    _unique(link_index, "links", "record_key")
    links["superseded"] = links["superseded"].fillna(False)
    links["asset_pos"] = _positions(index, links, "links", label="record_key")
    links["row_hash"] = row_hashes(links, LINK_SCHEMA, LINK_HASHED)
    children = {}
    for spec in CHILD_SETS:
        frame, fingerprints = _prepare_child(getattr(plan, spec.name), spec, index)
        children[spec.name] = frame
        assets[spec.fingerprint] = fingerprints

    quarantine = _conform(plan.quarantine, QUARANTINE_SCHEMA, "quarantine")
    _require(quarantine, ("source", "reason"), "quarantine")
    decisions = _conform(plan.decisions, DECISION_SCHEMA, "decisions")
    _require(decisions, ("decision",), "decisions")
    status_changes = _conform(plan.status_changes, STATUS_CHANGE_SCHEMA, "status_changes")
    status_changes["applied"] = status_changes["applied"].fillna(False)
    return PreparedPlan(
        run_id=run_id or plan.run_id,
        assets=assets,
        links=links,
        asset_index=index,
        link_index=link_index,
        **children,
        status_changes=status_changes,
        quarantine=quarantine,
        decisions=decisions,
        counts={s: _counts(c) for s, c in (plan.counts or {}).items()},
        completed_sources=dict(plan.completed_sources or {}),
    )


def _prepare_assets(frame: pd.DataFrame) -> pd.DataFrame:
    assets = _conform(
        with_financial_defaults(_columns_or_empty(frame, ASSET_COLUMNS)), ASSET_SCHEMA, "assets"
    )
    _require(assets, ("asset_id", "status"), "assets")
    bad = ~assets["status"].isin(t.STATUS_VALUES)
    if bad.any():
        examples = ", ".join(sorted(set(assets.loc[bad, "status"].astype(str)))[:EXAMPLES])
        raise PlanIntegrityError(f"assets: {int(bad.sum())} rows have an unknown status (e.g. {examples})")
    # Cents, as the column stores them: a sub-cent difference must not read as a change.
    assets["purchase_cost"] = assets["purchase_cost"].round(2)
    assets["row_hash"] = row_hashes(assets, ASSET_SCHEMA, ASSET_HASHED)
    return assets


def _prepare_child(
    frame: pd.DataFrame | None, spec: ChildSpec, index: pd.Index
) -> tuple[pd.DataFrame, np.ndarray]:
    """The child frame without duplicate rows, and each asset's set hash (0 = no rows)."""
    # Child sets are the biggest frames and mostly repeat a few values: kept categorical.
    out = _conform(frame, spec.schema, spec.name, keep_categories=True)
    _require(out, spec.required, spec.name)
    positions = _positions(index, out, spec.name, label="asset_id")
    hashes = row_hashes(out, spec.schema, spec.hashed)
    # Same asset and same row hash = the same row twice: harmless in a plan, but it would
    # violate the primary key and count twice in the set hash.
    keep = ~duplicate_pairs(positions, hashes)
    if not keep.all():
        out, positions, hashes = out.loc[keep].reset_index(drop=True), positions[keep], hashes[keep]
    out["asset_pos"] = positions
    return out, set_hashes(positions, hashes, len(index))


def _columns_or_empty(frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    if frame is None or len(frame.columns) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return frame


def _conform(
    frame: pd.DataFrame | None, schema: pa.Schema, name: str, *, keep_categories: bool = False
) -> pd.DataFrame:
    frame = _columns_or_empty(frame, schema.names)
    try:
        return conform(frame, schema, keep_categories=keep_categories).reset_index(drop=True)
    except (TypeError, ValueError) as exc:
        raise PlanIntegrityError(f"{name}: a column does not have the declared type ({exc})") from None


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    for column in columns:
        missing = int(frame[column].isna().sum())
        if missing:
            raise PlanIntegrityError(f"{name}: {missing} rows have no {column}")


def _unique(index: KeyIndex, name: str, column: str) -> None:
    duplicated = index.duplicated()
    if duplicated.any():
        repeated = index.keys[duplicated].unique()
        examples = ", ".join(str(v) for v in repeated[:EXAMPLES])
        raise PlanIntegrityError(
            f"{name}: {len(repeated)} {column} values occur twice or more, e.g. {examples}"
        )


def _positions(index: KeyIndex, frame: pd.DataFrame, name: str, *, label: str) -> np.ndarray:
    """Row number in ``assets`` of each row's asset; unknown assets are a plan error."""
    # Look up each distinct asset once: child frames repeat their asset ids many times.
    column = frame["asset_id"]
    if isinstance(column.dtype, pd.CategoricalDtype):  # reconciliation's frames: codes exist
        codes, distinct = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, distinct = pd.factorize(column)
    found = index.positions(pd.Series(distinct, dtype="string"))
    positions = np.where(codes >= 0, found[np.maximum(codes, 0)] if len(found) else -1, -1)
    unknown = positions < 0
    if unknown.any():
        examples = ", ".join(frame.loc[unknown, label].astype(str).head(EXAMPLES))
        raise PlanIntegrityError(
            f"{name}: {int(unknown.sum())} rows refer to assets missing from the plan's assets"
            f" (e.g. {examples})"
        )
    return positions.astype(np.int64)


def _counts(counts: dict[str, int]) -> dict[str, int]:
    out = {key: int(counts.get(key, 0) or 0) for key in COUNT_KEYS}
    out.update({key: int(counts[key]) for key in QUALITY_COUNT_KEYS if counts.get(key) is not None})
    return out

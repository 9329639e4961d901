"""Compute the dry-run plan: what a run would change, from (key, hash) pairs.

Only keys and hashes of the big tables are read in full; old values are fetched for the
rows whose hash changed, so a run that changes 1% of the fleet reads 1% of its rows.
The result is a ``PlanDiff`` (see ``plan_diff``) carrying the ``WriteSet`` apply sends.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy.engine import Connection

from itam_pipeline.plan import RELATIONSHIP_COLUMNS
from itam_pipeline.repository import tables as t
from itam_pipeline.repository.bulk import read_keys, read_matching, xor_sql
from itam_pipeline.repository.codec import table_schema, to_arrow
from itam_pipeline.repository.hashing import KeyIndex
from itam_pipeline.repository.plan_diff import PlanDiff, WriteSet
from itam_pipeline.repository.prepare import (
    ASSET_COLUMNS,
    ASSET_SCHEMA,
    CHILD_SETS,
    FINGERPRINT_COLUMNS,
    PreparedPlan,
)
from itam_pipeline.repository.runs import last_complete_counts
from itam_pipeline.schema import Status

SAMPLE_LIMIT = 10
RETIRED_STATUSES = (Status.RETIRED.value, Status.DISPOSED.value)
_ASSET_HASHES = ("row_hash", *FINGERPRINT_COLUMNS)
_STORED_ASSET = pa.schema([*ASSET_SCHEMA, *(pa.field(c, pa.int64()) for c in _ASSET_HASHES)])
_OPEN_RELATIONSHIPS = table_schema(t.asset_relationships, ("id", *RELATIONSHIP_COLUMNS))


# ---- computing the diff ----------------------------------------------------------------------
def diff_prepared(conn: Connection, plan: PreparedPlan) -> PlanDiff:
    """Compare a prepared plan with the repository seen through ``conn``."""
    diff = PlanDiff(run_id=plan.run_id)
    assets, assets_empty, replace, delete = _diff_assets(conn, plan, diff)
    links, links_empty = _diff_links(conn, plan, diff)
    relationships_close, relationships_open = _diff_relationships(
        conn, plan, replace["relationships"], delete["relationships"]
    )
    diff.provenance_assets = int(replace["provenance"].sum())
    diff.identifier_assets = int(replace["identifiers"].sum())
    diff.relationships_opened = len(relationships_open)
    diff.relationships_closed = len(relationships_close)
    status_close, status_open = _status_history(plan, assets, diff)
    _summarise_plan_frames(conn, plan, diff)
    diff.writes = WriteSet(
        assets=assets,
        assets_table_empty=assets_empty,
        links=links,
        links_table_empty=links_empty,
        replace_sets=replace,
        delete_sets=delete,
        relationships_close=relationships_close,
        relationships_open=relationships_open,
        status_close=status_close,
        status_open=status_open,
    )
    return diff


def _stored_positions(stored_keys: pd.Series, plan_index: KeyIndex) -> tuple[np.ndarray, np.ndarray]:
    """For each stored row: its plan row (or -1); and per plan row: whether it is stored."""
    plan_rows = plan_index.positions(stored_keys)
    stored = np.zeros(len(plan_index), dtype=bool)
    stored[plan_rows[plan_rows >= 0]] = True
    return plan_rows, stored


def _diff_assets(
    conn: Connection, plan: PreparedPlan, diff: PlanDiff
) -> tuple[pd.DataFrame, bool, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Golden rows to write, and per child set the plan assets to rewrite / delete first.

    Only (asset_id, XOR of the row and set hashes) is read for every asset; the stored
    hashes and values are fetched for the assets whose combined hash differs.
    """
    keys, stored_combined = read_keys(conn, "assets", "asset_id", xor_sql(conn, _ASSET_HASHES))
    plan_rows, stored = _stored_positions(keys, plan.asset_index)
    is_new = ~stored
    plan_combined = np.bitwise_xor.reduce([plan.assets[c].to_numpy(dtype=np.int64) for c in _ASSET_HASHES])
    differs = np.zeros(len(plan.assets), dtype=bool)
    known = plan_rows >= 0
    differs[plan_rows[known]] = stored_combined[known] != plan_combined[plan_rows[known]]
    old = _old_assets(conn, plan.assets.loc[differs, "asset_id"]).set_index("asset_id")
    before = {c: np.zeros(len(plan.assets), dtype=np.int64) for c in _ASSET_HASHES}
    for column in _ASSET_HASHES:
        before[column][differs] = (
            old[column].reindex(plan.assets.loc[differs, "asset_id"]).to_numpy(dtype=np.int64)
        )
    changed = {
        c: (is_new | differs) & (before[c] != plan.assets[c].to_numpy(dtype=np.int64)) for c in _ASSET_HASHES
    }
    golden_changed = ~is_new & changed["row_hash"]
    replace = {spec.name: changed[spec.fingerprint] for spec in CHILD_SETS}
    delete = {spec.name: replace[spec.name] & (before[spec.fingerprint] != 0) for spec in CHILD_SETS}

    diff.assets_before = len(keys)
    diff.assets_new = int(is_new.sum())
    diff.assets_updated = int(golden_changed.sum())
    diff.assets_unchanged = len(plan.assets) - diff.assets_new - diff.assets_updated
    diff.assets_not_in_plan = int((~known).sum())
    if len(keys):
        retired = ", ".join(f"'{s}'" for s in RETIRED_STATUSES)
        fleet = conn.exec_driver_sql(f"SELECT count(*) FROM assets WHERE status NOT IN ({retired})")
        diff.fleet_before = int(fleet.scalar_one())
    write = is_new | golden_changed | np.logical_or.reduce(list(replace.values()))
    rows = plan.assets.loc[write].copy()
    rows["is_new"] = is_new[write]
    rows["golden_changed"] = golden_changed[write]
    rows["old_status"] = rows["asset_id"].map(old["status"]) if len(old) else pd.NA
    _attribute_changes(old.reset_index(), plan.assets.loc[golden_changed], diff)
    return rows, len(keys) == 0, replace, delete


def _old_assets(conn: Connection, asset_ids: pd.Series) -> pd.DataFrame:
    keys = to_arrow(pd.DataFrame({"asset_id": asset_ids}), pa.schema([pa.field("asset_id", pa.string())]))
    return read_matching(conn, "assets", "asset_id", keys, _STORED_ASSET)


def _attribute_changes(old: pd.DataFrame, new: pd.DataFrame, diff: PlanDiff) -> None:
    """Per-attribute change counts and a few row-level samples, NA-aware."""
    if not len(new):
        return
    old = old.set_index("asset_id").reindex(new["asset_id"])
    new = new.set_index("asset_id")
    differs = {}
    for column in ASSET_COLUMNS[1:]:
        a, b = old[column], new[column]
        same = a.eq(b).fillna(False).to_numpy(dtype=bool) | (a.isna().to_numpy() & b.isna().to_numpy())
        differs[column] = ~same
        if (~same).any():
            diff.attribute_changes[column] = int((~same).sum())
    diff.serials_lost = int((old["serial_number"].notna() & new["serial_number"].isna()).sum())
    for i, asset_id in enumerate(new.index[:SAMPLE_LIMIT]):
        changes = {
            c: {"old": _plain(old[c].iloc[i]), "new": _plain(new[c].iloc[i])}
            for c in differs
            if differs[c][i]
        }
        diff.sample_changes.append({"asset_id": str(asset_id), "changes": changes})


def _plain(value: object) -> object:
    """A JSON-friendly scalar (None for every kind of missing value)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _diff_links(conn: Connection, plan: PreparedPlan, diff: PlanDiff) -> tuple[pd.DataFrame, bool]:
    keys, stored_hash = read_keys(conn, "asset_source_records", "record_key", "row_hash")
    plan_rows, stored = _stored_positions(keys, plan.link_index)
    known = plan_rows >= 0
    is_new = ~stored
    changed = np.zeros(len(plan.links), dtype=bool)
    plan_hash = plan.links["row_hash"].to_numpy(dtype=np.int64)
    changed[plan_rows[known]] = stored_hash[known] != plan_hash[plan_rows[known]]
    rows = plan.links.loc[is_new | changed].copy()
    rows["is_new"] = is_new[is_new | changed]
    diff.links_new = int(is_new.sum())
    diff.links_unchanged = len(plan.links) - diff.links_new - int(changed.sum())
    links_table_empty = len(keys) == 0
    updated = rows.loc[~rows["is_new"]]
    if len(updated):
        schema = table_schema(t.asset_source_records, ("record_key", "asset_id", "superseded"))
        keys = to_arrow(updated[["record_key"]], pa.schema([schema.field("record_key")]))
        old = read_matching(conn, "asset_source_records", "record_key", keys, schema).set_index("record_key")
        old = old.reindex(updated["record_key"])
        moved = old["asset_id"].to_numpy() != updated["asset_id"].to_numpy()
        superseded = ~old["superseded"].fillna(False).to_numpy(bool) & updated["superseded"].to_numpy(bool)
        diff.links_moved = int(moved.sum())
        diff.links_superseded = int((superseded & ~moved).sum())
        diff.links_updated = len(updated) - diff.links_moved - diff.links_superseded
    return rows, links_table_empty


def _diff_relationships(
    conn: Connection, plan: PreparedPlan, rewrite: np.ndarray, existing: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame]:
    """Open relationships to close and plan relationships to open, for assets whose set changed."""
    wanted = plan.relationships.loc[rewrite[plan.relationships["asset_pos"].to_numpy()]]
    if existing.any():
        ids = plan.assets.loc[existing, "asset_id"]
        keys = to_arrow(pd.DataFrame({"asset_id": ids}), pa.schema([pa.field("asset_id", pa.string())]))
        current = read_matching(
            conn, "asset_relationships", "asset_id", keys, _OPEN_RELATIONSHIPS, where="t.valid_to IS NULL"
        )
    else:
        current = pd.DataFrame({c: pd.Series(dtype="object") for c in _OPEN_RELATIONSHIPS.names})
    key = list(RELATIONSHIP_COLUMNS)
    # NA-safe tuple match: a missing source is a value like any other here.
    left = current.assign(**{c: current[c].astype("string").fillna("\x00") for c in key})
    right = wanted[key].assign(**{c: wanted[c].astype("string").fillna("\x00") for c in key})
    merged = left.merge(right.drop_duplicates(), on=key, how="outer", indicator=True)
    to_close = merged.loc[merged["_merge"] == "left_only", "id"].to_numpy(dtype=np.int64)
    opened = merged.loc[merged["_merge"] == "right_only", key].replace("\x00", pd.NA)
    return to_close, opened.reset_index(drop=True)


def _status_history(
    plan: PreparedPlan, assets: pd.DataFrame, diff: PlanDiff
) -> tuple[pd.Series, pd.DataFrame]:
    """Status periods to close and open: one per new asset, one per actual status change.

    History follows the golden rows actually written, so it can never disagree with
    ``assets.status``; the plan's applied status changes supply the reason and evidence.
    """
    is_new = assets["is_new"].to_numpy(dtype=bool)
    old_status = assets["old_status"].astype("string")
    transitioned = ~is_new & (old_status != assets["status"]).fillna(False).to_numpy(dtype=bool)
    moves = pd.DataFrame({"from": old_status[transitioned], "to": assets.loc[transitioned, "status"]}).astype(
        str
    )
    diff.status_transitions = {f"{a}->{b}": int(n) for (a, b), n in moves.value_counts().sort_index().items()}
    diff.retirements = int((moves["to"].isin(RETIRED_STATUSES) & ~moves["from"].isin(RETIRED_STATUSES)).sum())

    opening = assets.loc[is_new | transitioned, ["asset_id", "status", "is_new"]].reset_index(drop=True)
    changes = plan.status_changes
    applied = changes.loc[
        changes["applied"].to_numpy(dtype=bool), ["asset_id", "to_status", "reason", "evidence"]
    ]
    applied = applied.drop_duplicates(["asset_id", "to_status"], keep="last")
    explained = opening.merge(
        applied, how="left", left_on=["asset_id", "status"], right_on=["asset_id", "to_status"]
    )
    default_reason = pd.Series(np.where(explained["is_new"], "created", "status changed"), dtype="string")
    status_open = pd.DataFrame(
        {
            "asset_id": explained["asset_id"],
            "status": explained["status"],
            "reason": explained["reason"].astype("string").fillna(default_reason),
            "evidence": explained["evidence"].astype("string"),
        }
    )
    return assets.loc[transitioned, "asset_id"].reset_index(drop=True), status_open


def _summarise_plan_frames(conn: Connection, plan: PreparedPlan, diff: PlanDiff) -> None:
    applied = plan.status_changes["applied"].to_numpy(dtype=bool)
    diff.status_changes_applied = int(applied.sum())
    diff.status_changes_refused = int((~applied).sum())
    diff.quarantined = len(plan.quarantine)
    decisions = plan.decisions["decision"].astype(str).str.lower().value_counts()
    diff.decisions = {str(k): int(v) for k, v in decisions.sort_index().items()}
    previous = last_complete_counts(conn, exclude_run_id=plan.run_id)
    for source, counts in plan.counts.items():
        if plan.completed_sources.get(source):
            diff.source_counts[source] = {"previous": previous.get(source), "current": counts["records_in"]}

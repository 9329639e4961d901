"""Send a diff's write set: bulk inserts, hash-guarded upserts, set replacements, history.

Assets are written before their children. Every statement runs in the caller's
transaction; the functions return rows written per table for the run's result.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from itam_pipeline.plan import IDENTIFIER_COLUMNS, LINK_COLUMNS, PROVENANCE_COLUMNS, RELATIONSHIP_COLUMNS
from itam_pipeline.repository import tables as t
from itam_pipeline.repository.bulk import copy_rows, delete_matching, update_matching, upsert
from itam_pipeline.repository.codec import table_schema, to_arrow
from itam_pipeline.repository.indexes import load_rows
from itam_pipeline.repository.plan_diff import WriteSet
from itam_pipeline.repository.prepare import ASSET_COLUMNS, FINGERPRINT_COLUMNS, PreparedPlan

RUN_COLUMNS = ("created_run_id", "updated_run_id", "created_at", "updated_at")
_ID = pa.schema([pa.field("id", pa.int64())])
_ASSET_ID = pa.schema([pa.field("asset_id", pa.string())])


def write_plan(conn: Connection, plan: PreparedPlan, writes: WriteSet, now: datetime) -> dict[str, int]:
    """Send the write set; returns rows written per table (assets before their children)."""
    run = plan.run_id
    rows = {
        "assets": _write_assets(conn, writes, run, now),
        "asset_source_records": _write_links(conn, writes, run, now),
    }
    rows["asset_attribute_provenance"] = _replace_set(conn, plan, writes, "provenance", {"run_id": run})
    rows["asset_identifiers"] = _replace_set(conn, plan, writes, "identifiers", {})
    rows["asset_relationships"] = _write_relationships(conn, writes, run, now)
    rows["asset_status_history"] = _write_status_history(conn, writes, run, now)
    rows["quarantine"] = _append(conn, t.quarantine, plan.quarantine, {"run_id": run, "quarantined_at": now})
    rows["match_decisions"] = _append(
        conn, t.match_decisions, plan.decisions, {"run_id": run, "decided_at": now}
    )
    return rows


def _stamped(
    rows: pd.DataFrame, table: sa.Table, columns: tuple[str, ...], run_id: str, now: datetime
) -> pa.Table:
    frame = rows.assign(created_run_id=run_id, updated_run_id=run_id, created_at=now, updated_at=now)
    return to_arrow(frame, table_schema(table, (*columns, *RUN_COLUMNS)))


def _write_assets(conn: Connection, writes: WriteSet, run_id: str, now: datetime) -> int:
    """Golden rows; run stamps move only when golden values change (not for set-hash updates)."""
    columns = (*ASSET_COLUMNS, "row_hash", *FINGERPRINT_COLUMNS)
    data = _stamped(writes.assets, t.assets, columns, run_id, now)
    if writes.assets_table_empty:  # initial load: straight COPY into the target
        return load_rows(conn, t.assets.name, data)
    return upsert(
        conn,
        t.assets.name,
        data,
        key=("asset_id",),
        update_columns=columns[1:],
        changed_when=("row_hash", *FINGERPRINT_COLUMNS),
        stamp_columns=("updated_run_id", "updated_at"),
        stamp_when=("row_hash",),
    )


def _write_links(conn: Connection, writes: WriteSet, run_id: str, now: datetime) -> int:
    columns = (*LINK_COLUMNS, "row_hash")
    data = _stamped(writes.links, t.asset_source_records, columns, run_id, now)
    if writes.links_table_empty:
        return load_rows(conn, t.asset_source_records.name, data)
    return upsert(
        conn,
        t.asset_source_records.name,
        data,
        key=("record_key",),
        update_columns=(*columns[1:], "updated_run_id", "updated_at"),
        changed_when=("row_hash",),
    )


def _asset_keys(asset_ids: pd.Series) -> pa.Table:
    return to_arrow(pd.DataFrame({"asset_id": asset_ids.to_numpy()}), _ASSET_ID)


_TABLES = {"provenance": t.asset_attribute_provenance, "identifiers": t.asset_identifiers}
_COLUMNS = {"provenance": PROVENANCE_COLUMNS, "identifiers": IDENTIFIER_COLUMNS}


def _replace_set(
    conn: Connection, plan: PreparedPlan, writes: WriteSet, name: str, extra: dict[str, object]
) -> int:
    """Replace the child rows of the assets whose set changed (delete first where rows exist)."""
    replace = writes.replace_sets[name]
    if not replace.any():
        return 0
    table = _TABLES[name]
    deleted = delete_matching(
        conn, table.name, "asset_id", _asset_keys(plan.assets.loc[writes.delete_sets[name], "asset_id"])
    )
    rows: pd.DataFrame = getattr(plan, name)
    wanted = rows.loc[replace[rows["asset_pos"].to_numpy()]].assign(**extra)
    return deleted + load_rows(
        conn, table.name, to_arrow(wanted, table_schema(table, (*_COLUMNS[name], *extra)))
    )


def _write_relationships(conn: Connection, writes: WriteSet, run_id: str, now: datetime) -> int:
    closed = update_matching(
        conn,
        t.asset_relationships.name,
        "id",
        to_arrow(pd.DataFrame({"id": writes.relationships_close}), _ID),
        "valid_to = :now, closed_run_id = :run",
        {"now": now, "run": run_id},
    )
    opened = writes.relationships_open.assign(valid_from=now, run_id=run_id)
    columns = (*RELATIONSHIP_COLUMNS, "valid_from", "run_id")
    return closed + load_rows(
        conn, t.asset_relationships.name, to_arrow(opened, table_schema(t.asset_relationships, columns))
    )


def _write_status_history(conn: Connection, writes: WriteSet, run_id: str, now: datetime) -> int:
    closed = update_matching(
        conn,
        t.asset_status_history.name,
        "asset_id",
        _asset_keys(writes.status_close),
        "valid_to = :now, closed_run_id = :run",
        {"now": now, "run": run_id},
        where="valid_to IS NULL",
    )
    opened = writes.status_open.assign(valid_from=now, run_id=run_id)
    columns = ("asset_id", "status", "valid_from", "reason", "evidence", "run_id")
    return closed + load_rows(
        conn, t.asset_status_history.name, to_arrow(opened, table_schema(t.asset_status_history, columns))
    )


def _append(conn: Connection, table: sa.Table, rows: pd.DataFrame, extra: dict[str, object]) -> int:
    if not len(rows):
        return 0
    columns = (*rows.columns, *extra)
    return copy_rows(conn, table.name, to_arrow(rows.assign(**extra), table_schema(table, columns)))

"""Bulk loads into empty tables build their indexes once, after the rows are in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
from sqlalchemy.engine import Connection

from itam_pipeline.repository.bulk import copy_rows
from itam_pipeline.repository.engine import is_postgres

# Below this many rows, dropping and rebuilding indexes costs more than it saves.
DEFERRED_INDEX_MIN_ROWS = 20_000


def load_rows(conn: Connection, table_name: str, data: pa.Table) -> int:
    """Append ``data``; a large load into an empty table builds its indexes afterwards.

    Building a B-tree from all rows at once is several times faster than growing it row by
    row (measured 4x for 3,000,000 identifier rows on PostgreSQL). The drop and rebuild are
    part of the caller's transaction, so a failure restores the indexes with everything else.
    """
    if data.num_rows < DEFERRED_INDEX_MIN_ROWS or not _is_empty(conn, table_name):
        return copy_rows(conn, table_name, data)
    with _deferred_indexes(conn, table_name):
        return copy_rows(conn, table_name, data)


def _is_empty(conn: Connection, table_name: str) -> bool:
    return conn.exec_driver_sql(f"SELECT 1 FROM {table_name} LIMIT 1").first() is None


@contextmanager
def _deferred_indexes(conn: Connection, table_name: str) -> Iterator[None]:
    if is_postgres(conn):
        drops, rebuilds = _postgres_index_plan(conn, table_name)
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    else:
        drops, rebuilds = _sqlite_index_plan(conn, table_name)
    for statement in drops:
        conn.exec_driver_sql(statement)
    yield
    for statement in rebuilds:
        conn.exec_driver_sql(statement)


def _postgres_index_plan(conn: Connection, table_name: str) -> tuple[list[str], list[str]]:
    """Drop/rebuild statements for the table's indexes and key constraints.

    Keys that a foreign key references stay (dropping them would drop the foreign key).
    """
    constraints = conn.exec_driver_sql(
        "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        f"WHERE c.conrelid = '{table_name}'::regclass AND c.contype IN ('p', 'u') "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid)"
    ).all()
    indexes = conn.exec_driver_sql(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        f"WHERE x.indrelid = '{table_name}'::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
    ).all()
    drops = [f"ALTER TABLE {table_name} DROP CONSTRAINT {name}" for name, _ in constraints]
    drops += [f"DROP INDEX {name}" for name, _ in indexes]
    rebuilds = [
        f"ALTER TABLE {table_name} ADD CONSTRAINT {name} {definition}" for name, definition in constraints
    ]
    rebuilds += [definition for _, definition in indexes]
    return drops, rebuilds


def _sqlite_index_plan(conn: Connection, table_name: str) -> tuple[list[str], list[str]]:
    """Explicit indexes only: SQLite's automatic key indexes cannot be dropped."""
    indexes = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table_name}' AND sql IS NOT NULL"
    ).all()
    return [f"DROP INDEX {name}" for name, _ in indexes], [sql for _, sql in indexes]

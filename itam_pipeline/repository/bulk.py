"""Bulk reads and writes between pandas frames and the repository, one path per dialect.

PostgreSQL: frames travel through psycopg 3 ``COPY`` in binary format, encoded column by
column (``pgbinary``), or as CSV from Arrow's C++ writer for a type without a binary
encoder; a worker thread sends one batch while the next is encoded. Reads use
``COPY (query) TO STDOUT`` parsed by Arrow. SQLite: ``executemany`` on the open transaction,
and plain cursor reads. Both paths avoid per-row Python work other than building the
driver's tuples, and both stay inside the caller's transaction. Value encodings: ``codec``.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy.engine import Connection

from itam_pipeline.repository import pgbinary
from itam_pipeline.repository.codec import decode_sqlite, sqlite_rows, to_pandas
from itam_pipeline.repository.engine import is_postgres

COPY_BATCH_ROWS = 50_000
COPY_BATCH_BYTES = 64 * 1024 * 1024  # keeps a batch's encoded rows far below Arrow's 2 GiB limit
_temp_names = itertools.count()


# ---- reads -----------------------------------------------------------------------------------
def read_frame(conn: Connection, sql: str, schema: pa.Schema) -> pd.DataFrame:
    """Run ``sql`` (columns in ``schema`` order) and return a typed frame."""
    reader = _read_postgres if is_postgres(conn) else _read_sqlite
    return to_pandas(reader(conn, sql, schema))


@contextmanager
def _as_sqlalchemy_errors(statement: str) -> Iterator[None]:
    """Raise driver errors of raw COPY calls as SQLAlchemy's (IntegrityError, OperationalError ...).

    Callers then see one exception family whichever path failed, and SQLAlchemy's error
    classification (e.g. a killed connection) stays in one place.
    """
    try:
        yield
    except psycopg.Error as exc:
        raise sa.exc.DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def _read_postgres(conn: Connection, sql: str, schema: pa.Schema) -> pa.Table:
    cursor = conn.connection.driver_connection.cursor()
    chunks: list[bytes] = []
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    with _as_sqlalchemy_errors(statement), cursor.copy(statement) as copy:
        for chunk in copy:
            chunks.append(bytes(chunk))
    data = b"".join(chunks)
    if not data:
        return schema.empty_table()
    options = pacsv.ConvertOptions(
        column_types=schema,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,  # "" is an empty string, an unquoted empty field is NULL
        true_values=["t"],
        false_values=["f"],
    )
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=schema.names),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),  # quoted text may span lines
        convert_options=options,
    )


def _read_sqlite(conn: Connection, sql: str, schema: pa.Schema) -> pa.Table:
    rows = conn.exec_driver_sql(sql).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    return pa.Table.from_arrays(
        [decode_sqlite(col, f.type) for col, f in zip(columns, schema, strict=True)], schema=schema
    )


# ---- writes ----------------------------------------------------------------------------------
def copy_rows(conn: Connection, table_name: str, data: pa.Table) -> int:
    """Append ``data`` to ``table_name`` (COPY on PostgreSQL, executemany on SQLite)."""
    if data.num_rows == 0:
        return 0
    if is_postgres(conn):
        _copy_postgres(conn, table_name, data)
    else:
        placeholders = ", ".join("?" for _ in data.column_names)
        sql = f"INSERT INTO {table_name} ({', '.join(data.column_names)}) VALUES ({placeholders})"
        conn.exec_driver_sql(sql, sqlite_rows(data))
    return data.num_rows


def _copy_postgres(conn: Connection, table_name: str, data: pa.Table) -> None:
    """Binary COPY when every column type has a binary encoder, CSV otherwise.

    A worker thread sends one batch while the next is encoded (``QueuedLibpqWriter``).
    """
    pg_types = column_types(conn, table_name, data.column_names)
    binary = all(pg_type in pgbinary.SUPPORTED_TYPES for pg_type in pg_types)
    columns = ", ".join(data.column_names)
    statement = f"COPY {table_name} ({columns}) FROM STDIN (FORMAT {'binary' if binary else 'csv'})"
    cursor = conn.connection.driver_connection.cursor()
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with _as_sqlalchemy_errors(statement), cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        if binary:
            copy.write(pgbinary.SIGNATURE)
        for batch in data.to_batches(max_chunksize=_batch_rows(data)):
            if binary:
                copy.write(memoryview(pgbinary.encode_batch(batch, pg_types)))
            else:
                buffer = io.BytesIO()
                pacsv.write_csv(batch, buffer, options)
                copy.write(buffer.getbuffer())
        if binary:
            copy.write(pgbinary.TRAILER)


def _batch_rows(data: pa.Table) -> int:
    """Rows per COPY batch: at most COPY_BATCH_ROWS and about COPY_BATCH_BYTES of data."""
    row_bytes = max(1, data.nbytes // max(1, data.num_rows))
    return max(1, min(COPY_BATCH_ROWS, COPY_BATCH_BYTES // row_bytes))


def column_types(conn: Connection, table_name: str, columns: Sequence[str]) -> list[str]:
    """PostgreSQL's type name (``format_type``) of each of ``columns`` of ``table_name``."""
    rows = conn.exec_driver_sql(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
        f" WHERE attrelid = '{table_name}'::regclass AND attnum > 0 AND NOT attisdropped"
    ).all()
    types = dict(rows)
    return [types[c] for c in columns]


@contextmanager
def staged_copy(conn: Connection, like_table: str, data: pa.Table) -> Iterator[str]:
    """A temporary table with ``data``'s columns (typed like ``like_table``) holding ``data``.

    Yields the temporary table's name; it is dropped when the block ends without error.
    """
    name = f"stg_{like_table}_{next(_temp_names)}"
    columns = ", ".join(data.column_names)
    if is_postgres(conn):
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {name} ON COMMIT DROP AS SELECT {columns} FROM {like_table} WITH NO DATA"
        )
    else:
        conn.exec_driver_sql(f"CREATE TEMP TABLE {name} AS SELECT {columns} FROM {like_table} WHERE 0")
    copy_rows(conn, name, data)
    yield name
    # Only on success: after an error the transaction is aborted (PostgreSQL refuses any
    # statement) and its rollback discards the temporary table anyway.
    conn.exec_driver_sql(f"DROP TABLE {name}")


def upsert(
    conn: Connection,
    table_name: str,
    data: pa.Table,
    *,
    key: Sequence[str],
    update_columns: Sequence[str],
    changed_when: Sequence[str],
    stamp_columns: Sequence[str] = (),
    stamp_when: Sequence[str] = (),
) -> int:
    """Insert new rows and update existing ones in one statement; returns rows written.

    An existing row is rewritten only when one of ``changed_when`` differs (the hashes), so
    a concurrent identical write cannot inflate the count. ``stamp_columns`` (e.g.
    ``updated_run_id``) take the new value only when one of ``stamp_when`` differs.
    """
    if data.num_rows == 0:
        return 0
    pg = is_postgres(conn)
    distinct = "IS DISTINCT FROM" if pg else "IS NOT"

    def differs(columns: Sequence[str]) -> str:
        return " OR ".join(f"{table_name}.{c} {distinct} excluded.{c}" for c in columns)

    assignments = [f"{c} = excluded.{c}" for c in update_columns]
    assignments += [
        f"{c} = CASE WHEN {differs(stamp_when)} THEN excluded.{c} ELSE {table_name}.{c} END"
        for c in stamp_columns
    ]
    columns = ", ".join(data.column_names)
    conflict = (
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(assignments)} WHERE {differs(changed_when)}"
    )
    if pg:
        with staged_copy(conn, table_name, data) as staging:
            sql = f"INSERT INTO {table_name} ({columns}) SELECT {columns} FROM {staging} {conflict}"
            return conn.exec_driver_sql(sql).rowcount
    placeholders = ", ".join("?" for _ in data.column_names)
    sql = f"INSERT INTO {table_name} ({columns}) VALUES ({placeholders}) {conflict}"
    return conn.exec_driver_sql(sql, sqlite_rows(data)).rowcount


def delete_matching(conn: Connection, table_name: str, key: str, keys: pa.Table) -> int:
    """Delete the rows of ``table_name`` whose ``key`` is in ``keys`` (a one-column table)."""
    if keys.num_rows == 0:
        return 0
    with staged_copy(conn, table_name, keys) as staging:
        result = conn.exec_driver_sql(
            f"DELETE FROM {table_name} WHERE {key} IN (SELECT {key} FROM {staging})"
        )
    return result.rowcount


def read_matching(
    conn: Connection, table_name: str, key: str, keys: pa.Table, schema: pa.Schema, where: str = "TRUE"
) -> pd.DataFrame:
    """Rows of ``table_name`` (columns of ``schema``) whose ``key`` is in ``keys``."""
    if keys.num_rows == 0:
        return to_pandas(schema.empty_table())
    columns = ", ".join(f"t.{c}" for c in schema.names)
    with staged_copy(conn, table_name, keys) as staging:
        sql = f"SELECT {columns} FROM {table_name} t JOIN {staging} s ON t.{key} = s.{key} WHERE {where}"
        return read_frame(conn, sql, schema)


def update_matching(
    conn: Connection,
    table_name: str,
    key: str,
    keys: pa.Table,
    assignments: str,
    params: dict[str, object],
    where: str = "TRUE",
) -> int:
    """``UPDATE table SET assignments`` for rows whose ``key`` is in ``keys`` and match ``where``.

    Parameters are bound through SQLAlchemy types, so datetimes are stored in the same
    format as every other timestamp on SQLite.
    """
    if keys.num_rows == 0:
        return 0
    with staged_copy(conn, table_name, keys) as staging:
        statement = sa.text(
            f"UPDATE {table_name} SET {assignments} WHERE {key} IN (SELECT {key} FROM {staging}) AND {where}"
        ).bindparams(*(sa.bindparam(name, value, type_=_bind_type(value)) for name, value in params.items()))
        return conn.execute(statement).rowcount


def _bind_type(value: object) -> sa.types.TypeEngine:
    return sa.DateTime(timezone=True) if isinstance(value, datetime) else sa.Text()


def read_keys(conn: Connection, table_name: str, key: str, hash_sql: str) -> tuple[pd.Series, np.ndarray]:
    """Every row's ``key`` and the int64 value of ``hash_sql``, in matching order.

    These full reads start every run, so they avoid per-row Python work: PostgreSQL sends
    two arrays in binary (``array_agg``), SQLite concatenates the keys and the numbers into
    two strings that are split in C.
    """
    if is_postgres(conn):
        cursor = conn.connection.driver_connection.cursor(binary=True)
        statement = f"SELECT array_agg({key}), array_agg({hash_sql}) FROM {table_name}"
        with _as_sqlalchemy_errors(statement):
            keys, hashes = cursor.execute(statement).fetchone()
        return pd.Series(keys or [], dtype="string"), np.array(hashes or [], dtype=np.int64)
    count, keys, hashes = conn.exec_driver_sql(
        f"SELECT count(*), group_concat({key}, char(31)), group_concat({hash_sql}, ',') FROM {table_name}"
    ).one()
    if not count:
        return pd.Series([], dtype="string"), np.empty(0, dtype=np.int64)
    parts = keys.split(_UNIT_SEPARATOR)
    if len(parts) != count:  # a key contains the separator: read row by row instead
        rows = conn.exec_driver_sql(f"SELECT {key}, {hash_sql} FROM {table_name}").all()
        return pd.Series([r[0] for r in rows], dtype="string"), np.array([r[1] for r in rows], dtype=np.int64)
    return pd.Series(parts, dtype="string"), np.fromstring(hashes, dtype=np.int64, sep=",")


_UNIT_SEPARATOR = "\x1f"


def xor_sql(conn: Connection, columns: Sequence[str]) -> str:
    """SQL for the bitwise XOR of integer ``columns`` (SQLite has no XOR operator)."""
    expression = columns[0]
    for column in columns[1:]:
        if is_postgres(conn):
            expression = f"({expression} # {column})"
        else:  # a ^ b == (a | b) - (a & b), exact in 64-bit two's complement
            expression = f"(({expression} | {column}) - ({expression} & {column}))"
    return expression

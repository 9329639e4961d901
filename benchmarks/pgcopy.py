"""PostgreSQL binary COPY of pre-encoded rows: the floor every repository write is compared with.

The COPY floor must be the fastest load PostgreSQL can do, so the rows are encoded into the
binary COPY wire format (by the repository's own encoder, ``itam_pipeline.repository.pgbinary``)
before the clock starts, and the timed part only streams bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psycopg
import pyarrow as pa

from itam_pipeline.repository.pgbinary import SIGNATURE, TRAILER, encode_batch

BATCH_ROWS = 100_000


@dataclass(frozen=True)
class Column:
    """One target column: its name and PostgreSQL type as the catalog names it (text, boolean,
    bigint, double precision, date, timestamp with time zone or numeric(14,2))."""

    name: str
    pg_type: str


def pg_type_of(arrow_type: pa.DataType) -> str:
    """The PostgreSQL type an Arrow type is stored as in the benchmark tables."""
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp with time zone"
    return "text"


def create_table_sql(table: str, columns: Sequence[Column], primary_key: str | None) -> str:
    """``CREATE TABLE`` for ``columns`` (with ``primary_key`` when given)."""
    defs = [f"{c.name} {c.pg_type}" for c in columns]
    if primary_key:
        defs.append(f"PRIMARY KEY ({primary_key})")
    return f"CREATE TABLE {table} ({', '.join(defs)})"


def encode(data: pa.Table, columns: Sequence[Column]) -> list[pa.Buffer]:
    """The binary COPY payload of ``data`` (without signature and trailer), one buffer per batch."""
    types = [c.pg_type for c in columns]
    selected = data.select([c.name for c in columns])
    return [encode_batch(batch, types) for batch in selected.to_batches(max_chunksize=BATCH_ROWS)]


def copy_encoded(
    conn: psycopg.Connection, table: str, columns: Sequence[Column], payload: Iterable[pa.Buffer]
) -> None:
    """Stream pre-encoded rows into ``table`` with ``COPY ... FROM STDIN (FORMAT BINARY)``."""
    names = ", ".join(c.name for c in columns)
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(SIGNATURE)
        for buffer in payload:
            copy.write(memoryview(buffer))
        copy.write(TRAILER)

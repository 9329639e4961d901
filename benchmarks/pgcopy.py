"""PostgreSQL binary COPY, pre-encoded column by column with Arrow (no per-row Python).

The COPY floor must be the fastest load PostgreSQL can do, so the rows are encoded into the
binary COPY wire format before the clock starts and the timed part only streams bytes.

Encoding: every column becomes a binary array of *cells* (4-byte big-endian length + value,
or length -1 for NULL); ``binary_join_element_wise`` glues the cells of a row together behind
the 2-byte field count, and the joined array's data buffer is then exactly the COPY payload
of that batch. Fixed-width values are laid out with numpy structured dtypes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
NULL_CELL = (-1).to_bytes(4, "big", signed=True)
BATCH_ROWS = 100_000

# PostgreSQL epoch (2000-01-01) relative to the Unix epoch.
PG_EPOCH_DAYS = 10_957
PG_EPOCH_MICROS = PG_EPOCH_DAYS * 86_400 * 1_000_000

# numeric(14,2) travels as 4 base-10000 digits (3 integer groups, 1 fraction group).
NUMERIC_DIGITS = 4
NUMERIC_WEIGHT = 2
NUMERIC_SCALE = 2
NUMERIC_NEGATIVE = 0x4000


@dataclass(frozen=True)
class Column:
    """One target column: its name and PostgreSQL type (text, boolean, bigint, double precision,
    date, timestamptz or numeric)."""

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
        return "timestamptz"
    return "text"


def create_table_sql(table: str, columns: Sequence[Column], primary_key: str | None) -> str:
    """``CREATE TABLE`` for ``columns`` (with ``primary_key`` when given)."""
    defs = [f"{c.name} {c.pg_type}" for c in columns]
    if primary_key:
        defs.append(f"PRIMARY KEY ({primary_key})")
    return f"CREATE TABLE {table} ({', '.join(defs)})"


def encode(data: pa.Table, columns: Sequence[Column]) -> list[pa.Buffer]:
    """The binary COPY payload of ``data`` (without signature and trailer), one buffer per batch."""
    buffers = []
    for batch in data.select([c.name for c in columns]).to_batches(max_chunksize=BATCH_ROWS):
        buffers.append(_encode_batch(batch, columns))
    return buffers


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


def _encode_batch(batch: pa.RecordBatch, columns: Sequence[Column]) -> pa.Buffer:
    field_count = pa.scalar(len(columns).to_bytes(2, "big"), pa.binary())
    cells = [_cells(batch.column(c.name), c.pg_type) for c in columns]
    rows = pc.binary_join_element_wise(field_count, *cells, pa.scalar(b"", pa.binary()))
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=len(rows) + 1, offset=rows.offset * 4)
    return rows.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0]))


def _cells(values: pa.Array, pg_type: str) -> pa.Array:
    if pg_type == "text":
        return _text_cells(values)
    fixed = _fixed_cells(values, pg_type)
    if values.null_count:
        return pc.if_else(values.is_null(), pa.scalar(NULL_CELL, pa.binary()), fixed)
    return fixed


def _text_cells(values: pa.Array) -> pa.Array:
    data = pc.cast(values, pa.binary())
    lengths = pc.fill_null(pc.binary_length(data), 0).to_numpy(zero_copy_only=False).astype(">i4")
    prefixes = _fixed_width_binary(lengths.tobytes(), 4, len(values))
    cells = pc.binary_join_element_wise(prefixes, pc.fill_null(data, b""), pa.scalar(b"", pa.binary()))
    if values.null_count:
        cells = pc.if_else(values.is_null(), pa.scalar(NULL_CELL, pa.binary()), cells)
    return cells


def _fixed_cells(values: pa.Array, pg_type: str) -> pa.Array:
    """Cells of a fixed-width type; NULL slots hold placeholder values (replaced by the caller)."""
    n = len(values)
    if pg_type.startswith("numeric"):
        record = _numeric_records(values)
    else:
        value_dtype, payload = _fixed_payload(values, pg_type)
        record = np.empty(n, dtype=[("length", ">i4"), ("value", value_dtype)])
        record["length"] = np.dtype(value_dtype).itemsize
        record["value"] = payload
    return _fixed_width_binary(record.tobytes(), record.dtype.itemsize, n)


def _fixed_payload(values: pa.Array, pg_type: str) -> tuple[str, np.ndarray]:
    if pg_type == "boolean":
        return "u1", _numpy(pc.cast(values, pa.uint8()), 0)
    if pg_type == "bigint":
        return ">i8", _numpy(pc.cast(values, pa.int64()), 0)
    if pg_type == "double precision":
        return ">f8", _numpy(pc.cast(values, pa.float64()), 0.0)
    if pg_type == "date":
        days = _numpy(pc.cast(pc.cast(values, pa.date32()), pa.int32()), 0)
        return ">i4", days - PG_EPOCH_DAYS
    if pg_type == "timestamptz":
        micros = pc.cast(pc.cast(values, pa.timestamp("us", tz="UTC")), pa.int64())
        return ">i8", _numpy(micros, 0) - PG_EPOCH_MICROS
    raise ValueError(f"no binary encoder for {pg_type}")


def _numeric_records(values: pa.Array) -> np.ndarray:
    """numeric(14,2) in PostgreSQL's base-10000 wire form (values up to 10^12 - 0.01)."""
    cents = np.rint(_numpy(pc.cast(values, pa.float64()), 0.0) * 100).astype(np.int64)
    magnitude = np.abs(cents)
    whole, fraction = np.divmod(magnitude, 100)
    record = np.empty(
        len(values),
        dtype=[
            ("length", ">i4"),
            ("ndigits", ">i2"),
            ("weight", ">i2"),
            ("sign", ">u2"),
            ("dscale", ">i2"),
            ("digits", ">i2", (NUMERIC_DIGITS,)),
        ],
    )
    record["length"] = 8 + 2 * NUMERIC_DIGITS
    record["ndigits"] = NUMERIC_DIGITS
    record["weight"] = NUMERIC_WEIGHT
    record["sign"] = np.where(cents < 0, NUMERIC_NEGATIVE, 0)
    record["dscale"] = NUMERIC_SCALE
    record["digits"] = np.stack(
        [whole // 10**8 % 10**4, whole // 10**4 % 10**4, whole % 10**4, fraction * 100], axis=1
    )
    return record


def _numpy(values: pa.Array, fill: object) -> np.ndarray:
    return pc.fill_null(values, fill).to_numpy(zero_copy_only=False)


def _fixed_width_binary(data: bytes, width: int, n: int) -> pa.Array:
    """A binary array of ``n`` cells of ``width`` bytes each, laid out back to back in ``data``."""
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])

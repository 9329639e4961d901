"""PostgreSQL binary COPY, encoded column by column with Arrow and numpy (no per-row Python).

Binary COPY spares both sides the text round trip: we do not format timestamps, numbers
and booleans as text, and PostgreSQL does not parse them back (measured 1.4-1.7x faster
than CSV COPY for provenance rows). The price is strict typing: every value must be sent
in exactly its column's wire format, so the column types are read from the catalog and a
table with a type this module cannot encode is sent as CSV instead (see ``bulk``).

Encoding: every column becomes a binary array of *cells* (4-byte big-endian length + value,
or length -1 for NULL); ``binary_join_element_wise`` glues the cells of a row together behind
the 2-byte field count, and the joined array's data buffer is then exactly the COPY payload
of that batch. Fixed-width values are laid out with numpy structured dtypes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
NULL_CELL = (-1).to_bytes(4, "big", signed=True)

# PostgreSQL epoch (2000-01-01) relative to the Unix epoch.
PG_EPOCH_DAYS = 10_957
PG_EPOCH_MICROS = PG_EPOCH_DAYS * 86_400 * 1_000_000

# numeric(14,2) travels as 4 base-10000 digits (3 integer groups, 1 fraction group).
MONEY_TYPE = "numeric(14,2)"
NUMERIC_DIGITS = 4
NUMERIC_WEIGHT = 2
NUMERIC_SCALE = 2
NUMERIC_NEGATIVE = 0x4000

# Catalog type names (``format_type``) this module encodes, and their numpy layouts.
_FIXED = {
    "boolean": "u1",
    "smallint": ">i2",
    "integer": ">i4",
    "bigint": ">i8",
    "double precision": ">f8",
    "date": ">i4",
    "timestamp with time zone": ">i8",
}
SUPPORTED_TYPES = frozenset({"text", MONEY_TYPE, *_FIXED})


def encode_batch(batch: pa.RecordBatch, pg_types: Sequence[str]) -> pa.Buffer:
    """The binary COPY rows of ``batch`` (no signature or trailer), ``pg_types`` per column."""
    field_count = pa.scalar(len(pg_types).to_bytes(2, "big"), pa.binary())
    cells = [_cells(batch.column(i), pg_type) for i, pg_type in enumerate(pg_types)]
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
    if pg_type == MONEY_TYPE:
        record = _numeric_records(values)
    else:
        value_dtype = _FIXED[pg_type]
        record = np.empty(n, dtype=[("length", ">i4"), ("value", value_dtype)])
        record["length"] = np.dtype(value_dtype).itemsize
        record["value"] = _fixed_payload(values, pg_type)
    return _fixed_width_binary(record.tobytes(), record.dtype.itemsize, n)


def _fixed_payload(values: pa.Array, pg_type: str) -> np.ndarray:
    if pg_type == "boolean":
        return _numpy(pc.cast(values, pa.uint8()), 0)
    if pg_type == "double precision":
        return _numpy(pc.cast(values, pa.float64()), 0.0)
    if pg_type == "date":
        return _numpy(pc.cast(pc.cast(values, pa.date32()), pa.int32()), 0) - PG_EPOCH_DAYS
    if pg_type == "timestamp with time zone":
        micros = pc.cast(pc.cast(values, pa.timestamp("us", tz="UTC")), pa.int64())
        return _numpy(micros, 0) - PG_EPOCH_MICROS
    payload = _numpy(pc.cast(values, pa.int64()), 0)
    bits = np.dtype(_FIXED[pg_type]).itemsize * 8
    if bits < 64 and len(payload) and np.abs(payload).max() >= 2 ** (bits - 1):
        raise ValueError(f"a value is out of range for type {pg_type}")
    return payload


def _numeric_records(values: pa.Array) -> np.ndarray:
    """numeric(14,2) in PostgreSQL's base-10000 wire form (|value| < 10^12, as the column allows)."""
    cents = np.rint(_numpy(pc.cast(values, pa.float64()), 0.0) * 100).astype(np.int64)
    magnitude = np.abs(cents)
    if len(magnitude) and magnitude.max() >= 10**14:
        raise ValueError(
            f"a value is out of range for type {MONEY_TYPE} (at most 12 digits before the point)"
        )
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

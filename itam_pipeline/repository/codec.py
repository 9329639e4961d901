"""How values travel between pandas, Arrow and the two databases.

Columns are typed once, in the SQLAlchemy tables; ``table_schema`` derives the Arrow schema
every bulk path uses from them. SQLite stores timestamps as UTC text
``YYYY-MM-DD HH:MM:SS.ffffff`` (the format SQLAlchemy itself reads back), dates as
``YYYY-MM-DD`` and booleans as 0/1; PostgreSQL gets native types through COPY.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

TS = pa.timestamp("us", tz="UTC")


def arrow_type(column_type: sa.types.TypeEngine) -> pa.DataType:
    """The Arrow type a column's values travel as."""
    if isinstance(column_type, sa.Boolean):
        return pa.bool_()
    if isinstance(column_type, sa.Integer):  # BigInteger is a subclass
        return pa.int64()
    if isinstance(column_type, sa.Numeric):  # Float is a subclass
        return pa.float64()
    if isinstance(column_type, sa.DateTime):
        return TS
    if isinstance(column_type, sa.Date):
        return pa.date32()
    return pa.string()


def table_schema(table: sa.Table, columns: Sequence[str]) -> pa.Schema:
    """Arrow schema of ``columns`` of ``table``."""
    return pa.schema([pa.field(c, arrow_type(table.c[c].type)) for c in columns])


def to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``frame``'s columns named in ``schema``, cast to its types (missing columns become nulls)."""
    arrays = []
    for field in schema:
        if field.name in frame.columns:
            values = pa.array(frame[field.name], from_pandas=True)
            arrays.append(pc.cast(values, field.type, safe=False))
        else:
            arrays.append(pa.nulls(len(frame), field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as pandas with the project's nullable dtypes (see ``schema.pandas_dtypes``)."""
    mapping = {
        pa.string(): pd.StringDtype(),
        pa.large_string(): pd.StringDtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.float64(): pd.Float64Dtype(),
    }
    frame = table.to_pandas(types_mapper=mapping.get, date_as_object=False)
    for field in table.schema:
        if pa.types.is_date32(field.type):
            frame[field.name] = frame[field.name].astype("datetime64[s]")
        elif pa.types.is_timestamp(field.type):
            frame[field.name] = frame[field.name].astype(pd.DatetimeTZDtype("us", "UTC"))
    return frame


def sqlite_rows(data: pa.Table) -> list[tuple]:
    """Row tuples with SQLite's storage encodings (text timestamps and dates, 0/1 booleans)."""
    columns = [_encode_sqlite(data.column(i)) for i in range(data.num_columns)]
    return list(zip(*columns, strict=True))


def _encode_sqlite(values: pa.ChunkedArray) -> list[object]:
    arrow_t = values.type
    if pa.types.is_timestamp(arrow_t):
        # A cast to text is ~20x faster than strftime; the UTC wall time (tz dropped) prints
        # as "YYYY-MM-DD HH:MM:SS.ffffff", exactly SQLAlchemy's SQLite storage format.
        values = pc.cast(pc.cast(values, pa.timestamp("us")), pa.string())
    elif pa.types.is_date32(arrow_t):
        values = pc.cast(values, pa.string())
    elif pa.types.is_boolean(arrow_t):
        values = pc.cast(values, pa.int8())
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type) or values.null_count == 0:
        # NumPy's tolist() builds the Python values in C, several times faster than to_pylist();
        # strings come out as objects with None for nulls, numbers without nulls as ints/floats.
        return values.to_numpy().tolist()
    return values.to_pylist()  # numbers with nulls: NumPy would turn them into NaN


def decode_sqlite(values: Sequence[object], arrow_t: pa.DataType) -> pa.Array:
    if pa.types.is_boolean(arrow_t):
        return pc.cast(pa.array(values, pa.int64()), pa.bool_())
    if pa.types.is_timestamp(arrow_t):
        return pc.cast(pc.cast(pa.array(values, pa.string()), pa.timestamp("us")), arrow_t)
    if pa.types.is_date32(arrow_t):
        return pc.cast(pc.cast(pa.array(values, pa.string()), pa.timestamp("s")), pa.date32())
    return pa.array(values, arrow_t)

"""The PostgreSQL COPY path: binary for every type it encodes, CSV for the others, exact either way."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from itam_pipeline.repository import bulk

ROWS = pa.table(
    {
        "name": pa.array(["laptop", "", None, 'Zürich "quoted", comma\nnewline'], pa.string()),
        "flag": pa.array([True, False, None, True]),
        "size": pa.array([2**62, -1, None, 0], pa.int64()),
        "small": pa.array([2**31 - 1, -(2**31) + 1, None, 0], pa.int64()),
        "ratio": pa.array([0.5, -1e300, None, 0.0]),
        "day": pa.array([date(2024, 2, 29), date(1999, 12, 31), None, date(2000, 1, 1)]),
        "at": pa.array(
            [
                datetime(2025, 1, 1, 12, 0, 0, 123456, tzinfo=UTC),
                datetime(1970, 1, 1, tzinfo=UTC),
                None,
                None,
            ],
            pa.timestamp("us", tz="UTC"),
        ),
        "cost": pa.array([1524.31, -0.01, None, 999_999_999_999.99]),
    }
)
TYPES = (
    "name text, flag boolean, size bigint, small integer, ratio double precision, day date, at timestamptz"
)


def _load(engine: Engine, cost_type: str, data: pa.Table = ROWS) -> list[tuple]:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TEMP TABLE copied ({TYPES}, cost {cost_type})")
        bulk.copy_rows(conn, "copied", data)
        return [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM copied").all()]


@pytest.mark.parametrize("cost_type", ["numeric(14,2)", "numeric(20,4)"])  # binary, then CSV fallback
def test_copy_stores_every_value_and_null_exactly(pg_engine: Engine, cost_type: str) -> None:
    with pg_engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE TEMP TABLE probe (cost {cost_type})")
        binary = all(t in bulk.pgbinary.SUPPORTED_TYPES for t in bulk.column_types(conn, "probe", ["cost"]))
    assert binary == (cost_type == "numeric(14,2)")
    stored = _load(pg_engine, cost_type)
    expected = [tuple(row.values()) for row in ROWS.to_pylist()]
    assert [r[:-1] for r in stored] == [e[:-1] for e in expected]
    assert [None if r[-1] is None else float(r[-1]) for r in stored] == [e[-1] for e in expected]


def test_values_out_of_range_fail_the_copy_instead_of_wrapping(pg_engine: Engine) -> None:
    too_big = ROWS.slice(0, 1).set_column(3, "small", pa.array([2**31], pa.int64()))
    with pytest.raises(ValueError, match="out of range for type integer"):
        _load(pg_engine, "numeric(14,2)", too_big)
    too_rich = ROWS.slice(0, 1).set_column(7, "cost", pa.array([1e12]))
    with pytest.raises((ValueError, sa.exc.DBAPIError), match=r"out of range|overflow"):
        _load(pg_engine, "numeric(14,2)", too_rich)

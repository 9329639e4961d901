"""Floors: the least work any loader of this data must do, measured on the same machine."""

from __future__ import annotations

from collections.abc import Mapping

import psycopg
import pyarrow as pa

from benchmarks.data import Landed
from benchmarks.environment import ScratchPostgres, libpq_url
from benchmarks.harness import Case, Measurement
from benchmarks.pgcopy import Column, copy_encoded, create_table_sql, encode, pg_type_of
from benchmarks.sources import fetch_all_pages, fetch_all_pages_at_once

# The repository stores purchase_cost as numeric(14,2); the floor table does the same.
COLUMN_TYPE_OVERRIDES = {"purchase_cost": "numeric(14,2)"}


def columns_of(schema: pa.Schema) -> list[Column]:
    """Benchmark table columns for an Arrow schema, typed as the repository types them."""
    return [Column(f.name, COLUMN_TYPE_OVERRIDES.get(f.name, pg_type_of(f.type))) for f in schema]


class CopyFloor:
    """Binary COPY of pre-encoded rows into a freshly created table (encoding is not timed)."""

    def __init__(
        self, pg: ScratchPostgres, database: str, table: str, data: pa.Table, primary_key: str | None
    ):
        self.url = libpq_url(pg.url(database))
        self.table, self.primary_key = table, primary_key
        self.columns = columns_of(data.schema)
        self.rows = data.num_rows
        self.payload = encode(data, self.columns)
        self._conn: psycopg.Connection | None = None

    def case(self, key: str, label: str) -> Case:
        return Case(key, label, self.run, setup=self.setup, teardown=self.teardown)

    def setup(self) -> None:
        self._conn = psycopg.connect(self.url)
        self._conn.execute(f"DROP TABLE IF EXISTS {self.table}")
        self._conn.execute(create_table_sql(self.table, self.columns, self.primary_key))
        self._conn.commit()

    def run(self) -> None:
        assert self._conn is not None
        copy_encoded(self._conn, self.table, self.columns, self.payload)
        self._conn.commit()

    def teardown(self) -> None:
        if self._conn is None:
            return
        copied = self._conn.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]
        self._conn.execute(f"DROP TABLE IF EXISTS {self.table}")
        self._conn.commit()
        self._conn.close()
        self._conn = None
        if copied != self.rows:
            raise AssertionError(f"COPY floor loaded {copied} rows into {self.table}, expected {self.rows}")


def parquet_floor(landed: Landed) -> Case:
    """Read every landed raw Parquet file with pyarrow."""
    return Case("floor_parquet", "floor: read raw Parquet", lambda: _read(landed))


def _read(landed: Landed) -> None:
    rows = landed.read_all()
    if rows != landed.records:
        raise AssertionError(f"read {rows} raw rows, landed {landed.records}")


def fetch_floor(env: Mapping[str, str]) -> Case:
    """GET every page of the three APIs, parsing nothing: one API after the other (per-source
    seconds as extras), then all three at once. The floor is the faster of the two sweeps."""

    def run() -> Measurement:
        per_source = fetch_all_pages(env)
        one_by_one = sum(per_source.values())
        at_once = fetch_all_pages_at_once(env)
        extras = {f"{s}_s": v for s, v in per_source.items()}
        return Measurement(
            min(one_by_one, at_once), extras={**extras, "one_by_one_s": one_by_one, "at_once_s": at_once}
        )

    return Case("floor_fetch", "floor: fetch every page", run)

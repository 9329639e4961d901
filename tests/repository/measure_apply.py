"""Measure repository writes at scale (not a test: run it by hand).

    python tests/repository/measure_apply.py --rows 1000000 --postgres postgresql://postgres@127.0.0.1/test

For each database it creates a scratch repository and times: the initial load of ``rows``
assets (with one link, three provenance rows, three identifiers and one relationship each),
an idempotent re-run, a run with 1% changed + 1% new assets, and ``load_state``. On
PostgreSQL it also times the floor the benchmark compares with: a binary COPY of the same
golden rows into an empty table with a primary key.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from builders import add_assets, change_os_version, fleet_plan, next_run

from itam_pipeline.repository import apply_plan, create_engine, load_state, upgrade
from itam_pipeline.repository.prepare import ASSET_SCHEMA, prepare_plan


def timed(label: str, func: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = func()
    print(f"  {label:<42} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def binary_copy_floor(url: str, rows: int) -> None:
    """Binary COPY of the plan's golden rows into an empty table with a PK (tuples prepared first)."""
    frame = prepare_plan(fleet_plan(rows)).assets
    columns = list(ASSET_SCHEMA.names)
    tuples = list(frame[columns].astype(object).where(frame[columns].notna(), None).itertuples(index=False))
    types = {"string": "text", "bool": "bool", "int64": "int8", "double": "float8", "date32[day]": "date"}
    pg_types = [types.get(str(f.type), "timestamptz") for f in ASSET_SCHEMA]
    ddl = ", ".join(f"{c} {t}" for c, t in zip(columns, pg_types, strict=True))
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        conn.execute(f"CREATE TABLE copy_floor ({ddl}, PRIMARY KEY (asset_id))")
        conn.commit()
        start = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY copy_floor ({', '.join(columns)}) FROM STDIN (FORMAT binary)") as cp,
        ):
            cp.set_types(pg_types)
            for row in tuples:
                cp.write_row(row)
        conn.commit()
        print(f"  {'floor: binary COPY into empty table + PK':<42} {time.perf_counter() - start:8.2f} s")
        conn.execute("DROP TABLE copy_floor")
        conn.commit()


def measure(url: str, rows: int) -> None:
    upgrade(url)
    engine = create_engine(url)
    first = fleet_plan(rows)
    timed(f"initial load of {rows} assets", lambda: apply_plan(engine, first))
    again = next_run(first, "run-2")
    result = timed("idempotent re-run", lambda: apply_plan(engine, again))
    print(f"    rows written: {sum(result.rows_written.values())}")
    changed = next_run(first, "run-3")
    change_os_version(changed, np.arange(0, rows, 100))
    add_assets(changed, fleet_plan(rows // 100, start=rows, run_id="run-3"))
    result = timed("1% changed + 1% new", lambda: apply_plan(engine, changed))
    print(f"    rows written: {result.rows_written}")
    timed("load_state", lambda: load_state(engine))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a scratch database is created)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite")
            measure(f"sqlite:///{Path(tmp) / 'itam.db'}", args.rows)
    if args.postgres:
        name = f"itam_measure_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        try:
            print("PostgreSQL")
            binary_copy_floor(url, args.rows)
            measure(url, args.rows)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

"""Peers: other ways to load the same golden rows into PostgreSQL.

- dlt with ``write_disposition="merge"`` on ``asset_id``: it is handed the whole desired state
  every run, as our repository is (dlt cannot know which rows changed without being told);
- a naive SQLAlchemy ORM loader doing ``session.merge()`` per row, timed on a sample and
  extrapolated linearly (a million round trips would take hours and prove nothing more).
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column

from benchmarks.environment import ScratchPostgres, libpq_url
from benchmarks.harness import Case, Measurement
from itam_pipeline.repository.tables import golden_type
from itam_pipeline.schema import GOLDEN_COLUMNS

ORM_SAMPLE_ROWS = 2_000
DLT_TABLE = "assets"
# dlt insists on a password; with trust authentication any placeholder is accepted.
PLACEHOLDER_PASSWORD = "unused"


class DltPeer:
    """dlt merge loads; the reload starts from the dataset the previous initial load left."""

    def __init__(
        self, pg: ScratchPostgres, database: str, work: Path, initial: pa.Table, following: pa.Table
    ) -> None:
        os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
        os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")  # dlt warns about every dataset name
        import dlt  # imported here, outside the clock (the import alone takes seconds)

        self._dlt = dlt
        url = sa.make_url(pg.url(database, driver="postgresql"))
        self.credentials = url.set(password=url.password or PLACEHOLDER_PASSWORD).render_as_string(
            hide_password=False
        )
        self.admin_url = libpq_url(pg.url(database))
        self.pipelines_dir = work / "dlt-pipelines"
        self.initial, self.following = initial, following
        self._names = itertools.count(1)
        self._current = ""
        self._loaded: str | None = None  # dataset holding an initial load, ready for a reload

    def cases(self) -> list[Case]:
        return [
            Case("dlt_initial", "dlt merge, initial", self._run_initial, setup=self._new_dataset),
            Case(
                "dlt_reload",
                "dlt merge, 1% reload",
                self._run_reload,
                setup=self._ready,
                teardown=self._check,
            ),
        ]

    def _new_dataset(self) -> None:
        self._current = f"bench_dlt_{next(self._names)}"

    def _load(self, dataset: str, rows: pa.Table) -> None:
        dlt = self._dlt
        pipeline = dlt.pipeline(
            pipeline_name=dataset,
            pipelines_dir=str(self.pipelines_dir),
            destination=dlt.destinations.postgres(self.credentials),
            dataset_name=dataset,
        )
        pipeline.run(
            rows,
            table_name=DLT_TABLE,
            write_disposition="merge",
            primary_key="asset_id",
            loader_file_format="csv",
        )

    def _run_initial(self) -> None:
        self._load(self._current, self.initial)
        self._drop(self._loaded)
        self._loaded = self._current

    def _ready(self) -> None:
        if self._loaded is None:  # the initial case failed or ran last: load one now, untimed
            self._new_dataset()
            self._load(self._current, self.initial)
            self._loaded = self._current

    def _run_reload(self) -> None:
        assert self._loaded is not None
        self._load(self._loaded, self.following)

    def _check(self) -> None:
        dataset, self._loaded = self._loaded, None
        with psycopg.connect(self.admin_url) as conn:
            rows = conn.execute(f"SELECT count(*) FROM {dataset}.{DLT_TABLE}").fetchone()[0]
        self._drop(dataset)
        if rows != self.following.num_rows:
            raise AssertionError(f"dlt left {rows} rows, expected {self.following.num_rows}")

    def _drop(self, dataset: str | None) -> None:
        if not dataset:
            return
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {dataset} CASCADE")
            conn.execute(f"DROP SCHEMA IF EXISTS {dataset}_staging CASCADE")


# ---- naive ORM -------------------------------------------------------------------------------
class _Base(DeclarativeBase):
    pass


OrmAsset: Any = type(
    "OrmAsset",
    (_Base,),
    {
        "__tablename__": "orm_assets",
        **{
            name: mapped_column(golden_type(name, arrow_type), primary_key=name == "asset_id")
            for name, arrow_type, _ in GOLDEN_COLUMNS
        },
    },
)


class OrmPeer:
    """``session.merge()`` per row into an empty table, one commit at the end."""

    def __init__(self, pg: ScratchPostgres, database: str, sample: pd.DataFrame, total: int) -> None:
        self.engine = sa.create_engine(pg.url(database))
        self.total = total  # rows of the full load the sample stands for
        self.rows = _python_rows(sample)

    def case(self) -> Case:
        return Case("orm_merge", f"ORM merge ({len(self.rows)}-row sample)", self.run, setup=self.setup)

    def setup(self) -> None:
        _Base.metadata.drop_all(self.engine)
        _Base.metadata.create_all(self.engine)
        # Warm the ORM up outside the clock (mapper configuration, statement caches): the
        # per-row cost of a long-running loader is what the extrapolation needs.
        with Session(self.engine) as session:
            session.merge(OrmAsset(**self.rows[0]))
            session.flush()
            session.rollback()

    def run(self) -> Measurement:
        started = time.perf_counter()
        with Session(self.engine) as session:
            for row in self.rows:
                session.merge(OrmAsset(**row))
            session.commit()
        sampled = time.perf_counter() - started
        extrapolated = sampled * self.total / max(1, len(self.rows))
        return Measurement(extrapolated, extras={"sample_rows": float(len(self.rows)), "sample_s": sampled})


def _python_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Plain Python values (None for missing, ``date`` for date columns) as an ORM user would have."""
    dates = {name for name, arrow_type, _ in GOLDEN_COLUMNS if pa.types.is_date32(arrow_type)}
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for row in rows:
        for name in dates:
            if row.get(name) is not None:
                row[name] = pd.Timestamp(row[name]).date()
    return rows

"""The whole sync, end to end, through the plain ``itam_pipeline.sync`` functions (no Dagster):
extract the three APIs from the emulators -> land -> normalize -> reconcile -> write.

The sources are extracted one after the other: on two cores the emulators and the extractor
compete for the same CPUs, and sweeping the three APIs at once is no faster than one by one
(both sweeps are measured as floors). Normalization then runs for every landed source at once,
as the ``reconcile_all`` Dagster job runs its per-source steps (threads of one process here).
"""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from benchmarks.emulator_process import API_SOURCES
from benchmarks.harness import Case, Measurement
from benchmarks.sources import api_client
from benchmarks.stages import FreshCopy, Repositories
from itam_pipeline import sync
from itam_pipeline.lake import Lake

_runs = itertools.count(1)


def sync_once(
    engine: Engine, lake: Lake, env: dict[str, str], run_id: str, now: datetime
) -> dict[str, float]:
    """One full sync of the API sources; returns seconds per phase."""
    phases: dict[str, float] = {}
    started = time.perf_counter()

    def extract(source: str) -> None:
        records = api_client(source, env).iter_records()
        sync.extract_to_lake(source, records, lake=lake, engine=engine, run_id=run_id)

    def normalize(source: str) -> None:
        landing = sync.pending_landing(lake, source)
        if landing is not None:
            sync.stage(lake, sync.normalize_landing(lake, landing), run_id)

    for source in API_SOURCES:
        extract(source)
    phases["extract_s"] = _lap(started, phases)
    _each_source_at_once(normalize)
    phases["normalize_s"] = _lap(started, phases)
    inputs = sync.gather_records(lake, run_id)
    plan = sync.restrict_to_run(sync.build_plan(engine, inputs, run_id=run_id, now=now), lake, inputs)
    phases["reconcile_s"] = _lap(started, phases)
    sync.commit(engine, lake, plan, inputs)
    phases["write_s"] = _lap(started, phases)
    return phases


def _each_source_at_once(step: Callable[[str], None]) -> None:
    """Run ``step`` for every API source in its own thread; re-raise the first failure."""
    with ThreadPoolExecutor(max_workers=len(API_SOURCES)) as pool:
        for future in [pool.submit(step, source) for source in API_SOURCES]:
            future.result()


def _lap(started: float, phases: dict[str, float]) -> float:
    """Seconds since the end of the previous phase."""
    return time.perf_counter() - started - sum(phases.values())


def e2e_case(repos: Repositories, env: dict[str, str], work: Path, now: datetime) -> Case:
    """The initial sync into a fresh PostgreSQL repository and an empty lake."""
    target = FreshCopy(repos, "postgresql", loaded=False)
    lake_dir = work / "e2e-lake"

    def setup() -> None:
        shutil.rmtree(lake_dir, ignore_errors=True)
        target.open()

    def run() -> Measurement:
        assert target.engine is not None
        phases = sync_once(target.engine, Lake(lake_dir), env, f"bench-e2e-{next(_runs)}", now)
        return Measurement(sum(phases.values()), extras=phases)

    def teardown() -> None:
        target.close()
        shutil.rmtree(lake_dir, ignore_errors=True)

    return Case("e2e", "end to end sync (PostgreSQL)", run, setup=setup, teardown=teardown)

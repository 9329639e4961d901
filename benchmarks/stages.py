"""Our stages as benchmark cases: extraction, normalize + reconcile, plan/diff, repository writes."""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from benchmarks.emulator_process import API_SOURCES
from benchmarks.environment import ScratchPostgres, copy_sqlite, remove_sqlite
from benchmarks.harness import Case, Measurement
from benchmarks.store import Store
from benchmarks.workers import run_worker, run_workers_at_once
from itam_pipeline.plan import ReconciliationPlan
from itam_pipeline.reconcile import reconcile
from itam_pipeline.repository import apply_plan, check_connection, compute_diff, create_engine, upgrade

_serial = itertools.count()


# ---- subprocess stages ---------------------------------------------------------------------
def extraction_case(env: dict[str, str], work: Path) -> Case:
    """Intune over HTTPS into a fresh lake, in its own process (time and peak memory)."""
    lake_dir = work / "extract-lake"

    def run() -> Measurement:
        return run_worker(["extract", "intune", str(lake_dir)], env)

    return Case(
        "extract_intune",
        "extract Intune (subprocess)",
        run,
        setup=lambda: shutil.rmtree(lake_dir, ignore_errors=True),
        teardown=lambda: shutil.rmtree(lake_dir, ignore_errors=True),
    )


def normalize_reconcile_case(lake_dir: Path, now: datetime) -> Case:
    """Normalize the reference landings (a process per source, at once) and reconcile them
    (a process reading the staged records back), as the reconcile_all job's steps run."""

    def run() -> Measurement:
        normalized = run_workers_at_once([["normalize", str(lake_dir), s] for s in API_SOURCES])
        reconciled = run_worker(["reconcile", str(lake_dir), "--now", now.isoformat()])
        normalize_s = max(m.seconds for m in normalized)  # the steps ran side by side
        peaks = [m.peak_rss_mb or 0.0 for m in (*normalized, reconciled)]
        return Measurement(
            normalize_s + reconciled.seconds,
            max(peaks),
            {
                "normalize_s": normalize_s,
                "reconcile_s": reconciled.seconds,
                "normalize_peak_mb": max(peaks[:-1]),
                "reconcile_peak_mb": peaks[-1],
                "records": reconciled.extras.get("records", 0.0),
                "assets": reconciled.extras.get("assets", 0.0),
            },
        )

    return Case("normalize_reconcile", "normalize (a process per source) + reconcile (subprocesses)", run)


def reconcile_next_case(store: Store, now: datetime) -> Case:
    """Reconcile the next run's records against the loaded repository's state."""
    parked = Parked(store, "following_records", "state")

    def run() -> None:
        records = parked["following_records"]
        sources = {s: True for s in records["source"].unique()}
        reconcile(records, parked["state"], run_id="bench-next", now=now, completed_sources=sources)

    return Case("reconcile_next", "reconcile next run (loaded state)", run, parked.load, parked.release)


class Parked:
    """Stored objects loaded for one repetition (in setup) and released after it (teardown)."""

    def __init__(self, store: Store, *names: str) -> None:
        self.store, self.names = store, names
        self._values: dict[str, Any] = {}

    def load(self) -> None:
        self._values = {name: self.store.get(name) for name in self.names}

    def release(self) -> None:
        self._values = {}

    def __getitem__(self, name: str) -> Any:
        return self._values[name]


# ---- repository targets ----------------------------------------------------------------------
@dataclass
class Repositories:
    """Migrated empty and initially loaded databases, copied fresh for every write."""

    pg: ScratchPostgres
    work: Path
    store: Store
    pg_empty: str = ""
    pg_loaded: str = ""
    sqlite_empty: Path = field(default_factory=Path)
    sqlite_loaded: Path = field(default_factory=Path)

    def prepare(self, initial: ReconciliationPlan) -> None:
        """Create the empty templates, then load the initial plan into the 'loaded' ones."""
        self.pg_empty = self.pg.create("empty")
        upgrade(self.pg.url(self.pg_empty))
        self.pg_loaded = self.pg.create("loaded", template=self.pg_empty)
        self.sqlite_empty = self.work / "empty.db"
        upgrade(f"sqlite:///{self.sqlite_empty}")
        self.sqlite_loaded = self.work / "loaded.db"
        copy_sqlite(self.sqlite_empty, self.sqlite_loaded)
        for url in (self.pg.url(self.pg_loaded), f"sqlite:///{self.sqlite_loaded}"):
            engine = create_engine(url)
            try:
                apply_plan(engine, initial, force=True)
            finally:
                engine.dispose()

    def template(self, backend: str, loaded: bool) -> str | Path:
        if backend == "postgresql":
            return self.pg_loaded if loaded else self.pg_empty
        return self.sqlite_loaded if loaded else self.sqlite_empty


class FreshCopy:
    """A throwaway copy of a template database, made in ``open`` and removed in ``close``."""

    def __init__(self, repos: Repositories, backend: str, loaded: bool) -> None:
        self.repos, self.backend, self.loaded = repos, backend, loaded
        self.engine: Engine | None = None
        self._name: str | Path = ""

    def open(self) -> None:
        template = self.repos.template(self.backend, self.loaded)
        if self.backend == "postgresql":
            self._name = self.repos.pg.create(f"copy{next(_serial)}", template=str(template))
            url = self.repos.pg.url(self._name)
        else:
            self._name = self.repos.work / f"copy{next(_serial)}.db"
            url = copy_sqlite(Path(template), self._name)
        self.engine = create_engine(url)
        check_connection(self.engine)  # connect outside the clock

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        if self.backend == "postgresql":
            self.repos.pg.drop(str(self._name))
        else:
            remove_sqlite(Path(self._name))


def write_case(
    key: str, label: str, repos: Repositories, backend: str, loaded: bool, plan: str, facts: dict[str, Any]
) -> Case:
    """``apply_plan`` of the stored ``plan`` into a fresh copy of the empty or loaded repository."""
    target = FreshCopy(repos, backend, loaded)
    parked = Parked(repos.store, plan)

    def setup() -> None:
        parked.load()
        target.open()

    def run() -> None:
        assert target.engine is not None
        result = apply_plan(target.engine, parked[plan], run_id=parked[plan].run_id, force=True)
        facts.setdefault(key, {"rows_written": result.rows_written, "diff": result.diff.to_dict()})

    def teardown() -> None:
        parked.release()
        target.close()

    return Case(key, label, run, setup=setup, teardown=teardown)


def diff_case(key: str, label: str, repos: Repositories, loaded: bool, plan: str) -> Case:
    """The dry-run plan/diff of the stored ``plan`` against the PostgreSQL repository.

    Read-only, so it runs against the template itself; the engine is disposed after every
    repetition because a template with open connections cannot be copied.
    """
    engines: list[Engine] = []
    parked = Parked(repos.store, plan)

    def setup() -> None:
        parked.load()
        engine = create_engine(repos.pg.url(str(repos.template("postgresql", loaded))))
        check_connection(engine)
        engines.append(engine)

    def run() -> None:
        compute_diff(engines[-1], parked[plan])

    def teardown() -> None:
        parked.release()
        engines.pop().dispose()

    return Case(key, label, run, setup=setup, teardown=teardown)

"""``python -m benchmarks.run [--quick] [--size N] [--repeat K] [--out docs/benchmarks.md]``

Measures the pipeline's stages on a synthetic fleet served by the source emulators, next to
floors (the least work possible) and peers (dlt, naive ORM), all in one run on the same data.
Every case runs K times, round-robin across cases, and the median is reported. Uses a
throwaway PostgreSQL database (``ITAM_BENCH_POSTGRES_URL``, default the local server with
trust authentication) and a temporary folder; both are removed at the end.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa

from benchmarks import document, notes
from benchmarks.data import Landed, land_reference, next_day, normalize_landed, to_arrow
from benchmarks.e2e import e2e_case
from benchmarks.emulator_process import API_SOURCES, FLEET_NOW, EmulatorProcess
from benchmarks.environment import (
    ADMIN_URL_ENV,
    ScratchPostgres,
    admin_url,
    library_versions,
    load_average,
    machine_description,
)
from benchmarks.floors import CopyFloor, fetch_floor, parquet_floor
from benchmarks.harness import Case, Outcome, run_interleaved
from benchmarks.peers import ORM_SAMPLE_ROWS, DltPeer, OrmPeer
from benchmarks.report import Row, evaluate, text_table
from benchmarks.stages import (
    Repositories,
    diff_case,
    extraction_case,
    normalize_reconcile_case,
    reconcile_next_case,
    write_case,
)
from benchmarks.store import Store
from connectors.emulators.fleet import size_for_records
from itam_pipeline.reconcile import empty_state, reconcile
from itam_pipeline.repository import create_engine, load_state
from itam_pipeline.schema import GOLDEN_SCHEMA, RAW_SCHEMA

DEFAULT_SIZE = 100_000
QUICK_SIZE = 10_000
DEFAULT_OUT = Path("docs/benchmarks.md")
SEED = 7
QUICK_ORM_SAMPLE_ROWS = 200  # the smoke test only proves the path works


def say(message: str) -> None:
    print(message, flush=True)


def step(label: str) -> Callable[[], None]:
    """Print ``label`` now and its duration when the returned callable is called."""
    started = time.perf_counter()
    say(f"-> {label} ...")
    return lambda: say(f"   {label}: {time.perf_counter() - started:.1f} s")


@dataclass
class Prepared:
    """What the cases share, built once before the clock starts (big objects parked in ``store``)."""

    landed: Landed
    repos: Repositories
    golden: pa.Table  # golden rows of the initial plan
    following_golden: pa.Table  # golden rows after the 1% changed + 1% new run
    orm_rows: pd.DataFrame  # the head of the golden rows, for the sampled ORM peer
    counts: dict[str, int]


def prepare(env: dict[str, str], pg: ScratchPostgres, work: Path, orm_sample: int) -> Prepared:
    """Land one extraction, normalize and reconcile it, load the repositories, plan the next runs."""
    done = step("landing one extraction of every source (reference data)")
    landed = land_reference(env, work / "reference-lake", say)
    done()
    done = step(f"normalizing and reconciling {landed.records:,} records (initial plan)")
    records = normalize_landed(landed)
    completed = {source: True for source in API_SOURCES}
    initial = reconcile(
        records, empty_state(), run_id="bench-initial", now=FLEET_NOW, completed_sources=completed
    )
    done()
    done = step(f"loading {len(initial.assets):,} assets into template repositories (PostgreSQL, SQLite)")
    repos = Repositories(pg, work, Store(work / "store"))
    repos.prepare(initial)
    repos.store.put("initial", initial)
    golden = to_arrow(initial.assets, GOLDEN_SCHEMA)
    counts = {"raw": landed.records, "intune": _intune_records(landed), "assets": len(initial.assets)}
    orm_rows = initial.assets.head(orm_sample)
    del initial
    done()
    done = step("planning the next runs (1% changed + 1% new; 0% changed)")
    engine = create_engine(pg.url(repos.pg_loaded))
    try:
        state = load_state(engine)
    finally:
        engine.dispose()
    same = reconcile(records, state, run_id="bench-same", now=FLEET_NOW, completed_sources=completed)
    repos.store.put("same", same)
    del same
    following_records = next_day(records, FLEET_NOW, SEED)
    del records
    following = reconcile(
        following_records, state, run_id="bench-next", now=FLEET_NOW, completed_sources=completed
    )
    for name, value in (("following", following), ("following_records", following_records), ("state", state)):
        repos.store.put(name, value)
    done()
    return Prepared(landed, repos, golden, to_arrow(following.assets, GOLDEN_SCHEMA), orm_rows, counts)


def _intune_records(landed: Landed) -> int:
    return sum(landing.records for landing in landed.landings if landing.source == "intune")


def build_cases(
    prep: Prepared, env: dict[str, str], pg: ScratchPostgres, work: Path, facts: dict[str, Any]
) -> list[Case]:
    """Every case, in the round-robin order (floors first, peers and end to end last)."""
    done = step("encoding COPY floor data and preparing peers")
    side = pg.create("floors")
    raw = prep.landed.raw_table().cast(RAW_SCHEMA)
    repos = prep.repos
    cases = [
        fetch_floor(env),
        extraction_case(env, work),
        parquet_floor(prep.landed),
        CopyFloor(pg, side, "floor_raw", raw, None).case("floor_copy_raw", "floor: COPY raw rows"),
        normalize_reconcile_case(prep.landed.lake_dir, FLEET_NOW),
        reconcile_next_case(repos.store, FLEET_NOW),
        CopyFloor(pg, side, "floor_assets", prep.golden, "asset_id").case(
            "floor_copy_golden", "floor: COPY golden rows"
        ),
        diff_case("diff_initial", "plan/diff initial (PostgreSQL)", repos, False, "initial"),
        diff_case("diff_next", "plan/diff 1%+1% (PostgreSQL)", repos, True, "following"),
        write_case("pg_initial", "write PostgreSQL initial", repos, "postgresql", False, "initial", facts),
        write_case("pg_next", "write PostgreSQL 1%+1%", repos, "postgresql", True, "following", facts),
        write_case("pg_same", "write PostgreSQL 0%", repos, "postgresql", True, "same", facts),
        write_case("sqlite_initial", "write SQLite initial", repos, "sqlite", False, "initial", facts),
        write_case("sqlite_next", "write SQLite 1%+1%", repos, "sqlite", True, "following", facts),
        write_case("sqlite_same", "write SQLite 0%", repos, "sqlite", True, "same", facts),
        *DltPeer(pg, side, work, prep.golden, prep.following_golden).cases(),
        OrmPeer(pg, side, prep.orm_rows, total=prep.counts["assets"]).case(),
        e2e_case(repos, env, work, FLEET_NOW),
    ]
    done()
    return cases


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} records (smoke test)")
    parser.add_argument("--size", type=int, help=f"source records (default {DEFAULT_SIZE:,})")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per case (default 3)")
    parser.add_argument(
        "--out", type=Path, help=f"Markdown report (default {DEFAULT_OUT}; none with --quick)"
    )
    parser.add_argument("--only", help="comma-separated case keys to run (default: all)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # echoed in the report
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.size = args.size or (QUICK_SIZE if args.quick else DEFAULT_SIZE)
    if args.out is None and not args.quick:
        args.out = DEFAULT_OUT
    return args


def measure(
    args: argparse.Namespace, devices: int
) -> tuple[dict[str, Outcome], dict[str, int], dict[str, Any]]:
    """Prepare the data and run every case; everything temporary is removed on the way out."""
    facts: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="itam-bench-") as tmp, ScratchPostgres(admin_url()) as pg:
        work = Path(tmp)
        done = step(f"starting the source emulators ({devices:,} devices)")
        with EmulatorProcess(devices, SEED, work / "emulators") as emulators:
            done()
            orm_sample = QUICK_ORM_SAMPLE_ROWS if args.quick else ORM_SAMPLE_ROWS
            prep = prepare(emulators.env, pg, work, orm_sample)
            cases = build_cases(prep, emulators.env, pg, work, facts)
            if args.only:
                wanted = set(args.only.split(","))
                cases = [c for c in cases if c.key in wanted]
            outcomes = run_interleaved(cases, args.repeat, say)
    return outcomes, prep.counts, facts


def publish(
    args: argparse.Namespace,
    rows: list[Row],
    run_notes: list[str],
    devices: int,
    counts: dict[str, int],
    load_at_start: str,
) -> None:
    """Write this run's section of the Markdown report."""
    command = "python -m benchmarks.run " + " ".join(shlex.quote(a) for a in args.argv)
    text = document.section(
        args.size,
        rows,
        heading=f"{args.size:,} source records ({devices:,} devices, {counts['assets']:,} golden assets)",
        command=command.strip(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine={**machine_description(), "load": f"{load_at_start} / {load_average()}"},
        versions=library_versions(admin_url()),
        notes=run_notes,
    )
    document.write(args.out, args.size, text)
    say(f"report written to {args.out}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    devices = size_for_records(args.size, API_SOURCES)
    say(
        f"== itam-pipeline benchmark: {args.size:,} source records ({devices:,} devices), "
        f"{args.repeat} repetitions, interleaved"
    )
    load_at_start = load_average()
    try:
        outcomes, counts, facts = measure(args, devices)
    except psycopg.OperationalError as exc:
        say(f"cannot reach PostgreSQL at {admin_url()} (set {ADMIN_URL_ENV}): {str(exc).strip()}")
        return 2
    rows = evaluate(outcomes, counts, args.size)
    say("")
    say(text_table(rows))
    run_notes = notes.compose(rows, outcomes, facts, counts, args.size, devices, args.repeat)
    for note in run_notes:
        say(f"* {note}")
    if args.out:
        publish(args, rows, run_notes, devices, counts, load_at_start)
    return 1 if any(row.verdict == "ERROR" for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())

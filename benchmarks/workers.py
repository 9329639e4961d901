"""Stages measured in a process of their own, so their peak memory is theirs alone.

Normalization and reconciliation run as the product's Dagster steps do: one process per
source's ``normalized`` step (all at once), then one for the plan step, the normalized
records passing through the lake as Parquet in between.

``run_worker`` starts ``python -m benchmarks.workers <stage> ...``; the worker times itself
(interpreter start-up and imports are not part of the stage), reads its own peak resident
memory (VmHWM) at the end and prints one JSON line that becomes a ``Measurement``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from benchmarks.environment import peak_rss_mb
from benchmarks.harness import Measurement


def run_worker(args: Sequence[str], env: Mapping[str, str] | None = None) -> Measurement:
    """Run one worker stage and return what it measured."""
    return run_workers_at_once([args], env)[0]


def run_workers_at_once(
    stages: Sequence[Sequence[str]], env: Mapping[str, str] | None = None
) -> list[Measurement]:
    """Run worker stages as concurrent processes (as Dagster's multiprocess executor runs steps)."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "benchmarks.workers", *args],
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in stages
    ]
    outputs = [process.communicate() for process in processes]
    measurements = []
    for args, process, (stdout, stderr) in zip(stages, processes, outputs, strict=True):
        if process.returncode != 0:
            detail = (stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"worker {args[0]} failed (exit {process.returncode}): {detail}")
        result = json.loads(stdout.strip().splitlines()[-1])
        measurements.append(Measurement(result.pop("seconds"), result.pop("peak_rss_mb"), result))
    return measurements


# ---- stages (run inside the worker process) ----------------------------------------------
def extract(source: str, lake_dir: Path, run_id: str) -> dict[str, float]:
    """Extract ``source`` from the emulator over HTTPS and land it as Parquet, as the pipeline does."""
    from benchmarks.sources import api_client
    from itam_pipeline.lake import Lake

    client = api_client(source, os.environ)
    started = time.perf_counter()
    landing = Lake(lake_dir).land(source, client.iter_records(), run_id=run_id)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": float(landing.records)}


def normalize_source(lake_dir: Path, source: str, run_id: str) -> dict[str, float]:
    """One source's ``normalized`` step: read its landing, normalize, stage the result in the lake."""
    from itam_pipeline import sync
    from itam_pipeline.lake import Lake

    lake = Lake(lake_dir)
    landing = lake.landings(source)[-1]
    started = time.perf_counter()
    sync.stage(lake, sync.normalize_landing(lake, landing), run_id)
    return {"seconds": time.perf_counter() - started, "records": float(landing.records)}


def reconcile_staged(lake_dir: Path, run_id: str, now: str) -> dict[str, float]:
    """The plan step: read every staged source from the lake, match and survive them against an
    empty repository."""
    import pandas as pd

    from itam_pipeline import sync
    from itam_pipeline.lake import Lake
    from itam_pipeline.reconcile import empty_state, reconcile

    started = time.perf_counter()
    inputs = sync.gather_records(Lake(lake_dir), run_id)
    plan = reconcile(
        inputs.records,
        empty_state(),
        run_id=run_id,
        now=pd.Timestamp(now).to_pydatetime(),
        completed_sources=inputs.completed_sources,
    )
    return {
        "seconds": time.perf_counter() - started,
        "records": float(len(inputs.records)),
        "assets": float(len(plan.assets)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workers", description=__doc__)
    stages = parser.add_subparsers(dest="stage", required=True)
    extract_args = stages.add_parser("extract")
    extract_args.add_argument("source")
    extract_args.add_argument("lake_dir", type=Path)
    extract_args.add_argument("--run-id", default="bench-extract")
    normalize_args = stages.add_parser("normalize")
    normalize_args.add_argument("lake_dir", type=Path)
    normalize_args.add_argument("source")
    normalize_args.add_argument("--run-id", default="bench-normalize")
    reconcile_args = stages.add_parser("reconcile")
    reconcile_args.add_argument("lake_dir", type=Path)
    reconcile_args.add_argument("--run-id", default="bench-normalize")
    reconcile_args.add_argument("--now", required=True)
    args = parser.parse_args(argv)
    if args.stage == "extract":
        result = extract(args.source, args.lake_dir, args.run_id)
    elif args.stage == "normalize":
        result = normalize_source(args.lake_dir, args.source, args.run_id)
    else:
        result = reconcile_staged(args.lake_dir, args.run_id, args.now)
    print(json.dumps({**result, "peak_rss_mb": peak_rss_mb()}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Stages measured in a process of their own, so their peak memory is theirs alone.

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
    command = [sys.executable, "-m", "benchmarks.workers", *args]
    completed = subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"worker {args[0]} failed (exit {completed.returncode}): {detail}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    return Measurement(result.pop("seconds"), result.pop("peak_rss_mb"), result)


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


def normalize_and_reconcile(lake_dir: Path, run_id: str, now: str) -> dict[str, float]:
    """Normalize every landed source, then match and survive them against an empty repository."""
    import pandas as pd

    from itam_pipeline.lake import Lake
    from itam_pipeline.normalize import normalize
    from itam_pipeline.reconcile import empty_state, reconcile

    lake = Lake(lake_dir)
    landings = [lake.landings(source)[-1] for source in lake.raw_sources()]
    started = time.perf_counter()
    frames = [normalize(lake.read_raw(landing)) for landing in landings]
    normalized = time.perf_counter()
    records = pd.concat(frames, ignore_index=True)
    del frames  # the concatenated copy is all reconciliation needs
    plan = reconcile(
        records,
        empty_state(),
        run_id=run_id,
        now=pd.Timestamp(now).to_pydatetime(),
        completed_sources={landing.source: True for landing in landings},
    )
    reconciled = time.perf_counter()
    return {
        "seconds": reconciled - started,
        "normalize_s": normalized - started,
        "reconcile_s": reconciled - normalized,
        "records": float(len(records)),
        "assets": float(len(plan.assets)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workers", description=__doc__)
    stages = parser.add_subparsers(dest="stage", required=True)
    extract_args = stages.add_parser("extract")
    extract_args.add_argument("source")
    extract_args.add_argument("lake_dir", type=Path)
    extract_args.add_argument("--run-id", default="bench-extract")
    reconcile_args = stages.add_parser("normalize-reconcile")
    reconcile_args.add_argument("lake_dir", type=Path)
    reconcile_args.add_argument("--run-id", default="bench-reconcile")
    reconcile_args.add_argument("--now", required=True)
    args = parser.parse_args(argv)
    if args.stage == "extract":
        result = extract(args.source, args.lake_dir, args.run_id)
    else:
        result = normalize_and_reconcile(args.lake_dir, args.run_id, args.now)
    print(json.dumps({**result, "peak_rss_mb": peak_rss_mb()}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

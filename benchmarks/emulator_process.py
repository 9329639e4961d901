"""The source emulators in their own process, serving the benchmark's synthetic fleet.

Serving pages is CPU work (every payload is computed on demand); in a separate process it
does not compete for the GIL with the extraction being measured, as a real remote source
would not. ``python -m benchmarks.emulator_process --devices N`` prints one JSON line (the
environment that reaches the emulators plus record counts) and serves until its standard
input closes, so it never outlives the benchmark.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from connectors.emulators import EmulatorSet
from connectors.emulators.fleet import generate_fleet
from connectors.records import API_SOURCES

# Fixed reference time: the same fleet (and the same staleness decisions) on every run.
FLEET_NOW = datetime(2025, 6, 2, tzinfo=UTC)


class EmulatorProcess:
    """Context manager: start the emulator process, expose its environment, stop it on exit."""

    def __init__(self, devices: int, seed: int, state_dir: Path) -> None:
        self.devices, self.seed, self.state_dir = devices, seed, state_dir
        self.env: dict[str, str] = {}
        self.record_counts: dict[str, int] = {}
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> EmulatorProcess:
        command = [
            sys.executable,
            "-m",
            "benchmarks.emulator_process",
            "--devices",
            str(self.devices),
            "--seed",
            str(self.seed),
            "--state-dir",
            str(self.state_dir),
        ]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self.__exit__()
            raise RuntimeError("the emulator process exited before it was ready")
        ready = json.loads(line)
        self.env, self.record_counts = ready["env"], ready["records"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is None:
            return
        if self._process.stdin:
            self._process.stdin.close()  # the server stops when its stdin closes
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None


def serve(devices: int, seed: int, state_dir: Path) -> None:
    """Serve the fleet until standard input closes."""
    fleet = generate_fleet(devices, seed=seed, now=FLEET_NOW)
    with EmulatorSet(fleet=fleet, seed=seed, state_dir=state_dir) as emulators:
        counts = {source: len(fleet.catalog(source)) for source in API_SOURCES}
        print(json.dumps({"env": emulators.env(), "records": counts}), flush=True)
        sys.stdin.read()  # blocks until the parent closes the pipe (or dies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.emulator_process", description=__doc__)
    parser.add_argument("--devices", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    serve(args.devices, args.seed, args.state_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

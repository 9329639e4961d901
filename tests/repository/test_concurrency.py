"""One writer at a time: a second sync waits for the lock or fails clearly, never interleaves."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.engine import Engine

from itam_pipeline.repository import RepositoryLockedError, apply_plan, write_transaction

from .builders import fleet_plan, next_run
from .dbutil import rows, scalar


def _holding_the_lock(engine: Engine, seconds: float) -> tuple[threading.Thread, threading.Event]:
    taken = threading.Event()

    def hold() -> None:
        with write_transaction(engine):
            taken.set()
            time.sleep(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(10)
    return holder, taken


def test_second_writer_fails_clearly_when_the_lock_stays_taken(engine: Engine) -> None:
    holder, _ = _holding_the_lock(engine, 1.0)
    with pytest.raises(
        RepositoryLockedError, match=r"another sync holds the repository lock \(waited 0.3 s\)"
    ):
        apply_plan(engine, fleet_plan(10), lock_timeout_s=0.3)
    holder.join()
    assert scalar(engine, "SELECT count(*) FROM assets") == 0


def test_second_writer_waits_for_the_lock_then_applies(engine: Engine) -> None:
    holder, _ = _holding_the_lock(engine, 0.5)
    started = time.monotonic()
    result = apply_plan(engine, fleet_plan(10), lock_timeout_s=30)
    holder.join()
    assert time.monotonic() - started >= 0.4
    assert result.rows_written["assets"] == 10


def test_concurrent_runs_are_serialised(engine: Engine) -> None:
    apply_plan(engine, fleet_plan(100))
    plans = []
    for run, version in (("run-a", "A"), ("run-b", "B")):
        plan = next_run(fleet_plan(100), run)
        plan.assets["os_version"] = version  # each run rewrites every asset
        plans.append(plan)
    errors: list[BaseException] = []

    def run(plan: object) -> None:
        try:
            apply_plan(engine, plan, lock_timeout_s=60)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    finished = rows(engine, "SELECT run_id FROM sync_runs WHERE status = 'succeeded' ORDER BY finished_at")
    last = finished[-1]["run_id"]
    assert {r["run_id"] for r in finished} == {"run-1", "run-a", "run-b"}
    # Every asset carries the values of the run that committed last: no mix of both.
    versions = rows(engine, "SELECT DISTINCT os_version, updated_run_id FROM assets")
    assert versions == [{"os_version": "A" if last == "run-a" else "B", "updated_run_id": last}]

"""A run that fails anywhere leaves the repository exactly as it was and is recorded as failed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from itam_pipeline.repository import apply_plan
from itam_pipeline.repository.engine import APPLICATION_NAME

from .builders import add_assets, change_os_version, fleet_plan, next_run
from .dbutil import rows, snapshot

ON_IDENTIFIER_INSERT = "CREATE TRIGGER injected BEFORE INSERT ON asset_identifiers"
PG_FAIL_FUNCTION = """
CREATE FUNCTION injected_failure() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'injected failure';
END
$$ LANGUAGE plpgsql
"""
PG_SLEEP_FUNCTION = """
CREATE FUNCTION slow_statement() RETURNS trigger AS $$
BEGIN
    PERFORM pg_sleep(30);
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def _second_run(first: object) -> object:
    """A run that changes assets (written first) and adds devices (identifiers written later)."""
    later = next_run(first, "run-2")
    change_os_version(later, np.arange(5))
    add_assets(later, fleet_plan(5, start=100))
    return later


@contextmanager
def _trigger_on_identifier_inserts(engine: Engine, function: str | None, trigger: str) -> Iterator[None]:
    """Install a trigger for the test's duration (the repository database is shared by tests)."""
    with engine.begin() as conn:
        if function:
            conn.exec_driver_sql(function)
        conn.exec_driver_sql(trigger)
    try:
        yield
    finally:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("DROP TRIGGER IF EXISTS injected ON asset_identifiers")
                conn.exec_driver_sql("DROP FUNCTION IF EXISTS injected_failure(), slow_statement()")
            else:
                conn.exec_driver_sql("DROP TRIGGER IF EXISTS injected")


def _failing_identifier_inserts(engine: Engine) -> AbstractContextManager[None]:
    if engine.dialect.name == "postgresql":
        trigger = f"{ON_IDENTIFIER_INSERT} FOR EACH ROW EXECUTE FUNCTION injected_failure()"
        return _trigger_on_identifier_inserts(engine, PG_FAIL_FUNCTION, trigger)
    trigger = f"{ON_IDENTIFIER_INSERT} BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    return _trigger_on_identifier_inserts(engine, None, trigger)


def test_failure_in_a_later_table_rolls_back_everything(engine: Engine) -> None:
    first = fleet_plan(20)
    apply_plan(engine, first)
    before = snapshot(engine)

    with _failing_identifier_inserts(engine), pytest.raises(sa.exc.DBAPIError, match="injected failure"):
        apply_plan(engine, _second_run(first))

    after = snapshot(engine)
    assert {t: r for t, r in after.items() if t != "sync_runs"} == {
        t: r for t, r in before.items() if t != "sync_runs"
    }
    failed = rows(engine, "SELECT source, status, message FROM sync_runs WHERE run_id = 'run-2'")
    assert [(r["source"], r["status"]) for r in failed] == [("intune", "failed")]
    assert "injected failure" in failed[0]["message"]
    assert rows(engine, "SELECT status FROM sync_runs WHERE run_id = 'run-1'") == [{"status": "succeeded"}]


def test_killed_connection_mid_run_rolls_back_everything(pg_engine: Engine) -> None:
    first = fleet_plan(20)
    apply_plan(pg_engine, first)
    before = snapshot(pg_engine)
    killed = threading.Event()

    def kill_the_writer() -> None:
        deadline = time.monotonic() + 20
        with pg_engine.connect() as conn:
            while time.monotonic() < deadline and not killed.is_set():
                victims = conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :app AND wait_event = 'PgSleep' "
                        "AND datname = current_database() AND pid <> pg_backend_pid()"
                    ),
                    {"app": APPLICATION_NAME},
                ).fetchall()
                if victims:
                    killed.set()
                conn.commit()
                time.sleep(0.05)

    # Park the run inside its transaction (after the assets write) until it is killed.
    slow = f"{ON_IDENTIFIER_INSERT} FOR EACH STATEMENT EXECUTE FUNCTION slow_statement()"
    with _trigger_on_identifier_inserts(pg_engine, PG_SLEEP_FUNCTION, slow):
        killer = threading.Thread(target=kill_the_writer)
        killer.start()
        with pytest.raises(sa.exc.DBAPIError):
            apply_plan(pg_engine, _second_run(first))
        killer.join()

    assert killed.is_set()
    assert snapshot(pg_engine)["assets"] == before["assets"]
    after = snapshot(pg_engine)
    assert {t: r for t, r in after.items() if t != "sync_runs"} == {
        t: r for t, r in before.items() if t != "sync_runs"
    }
    assert rows(pg_engine, "SELECT status FROM sync_runs WHERE run_id = 'run-2'") == [{"status": "failed"}]

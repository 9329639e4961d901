"""The analyst role script grants read access to every table and view, and nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from itam_pipeline.repository import apply_plan

from .builders import fleet_plan

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "create_analyst_role.sql"


def _as_analyst(engine: Engine, sql: str) -> list:
    with engine.connect() as conn:
        conn.exec_driver_sql("SET ROLE itam_analyst")
        try:
            return conn.execute(sa.text(sql)).fetchall()
        finally:
            conn.rollback()


def test_analyst_role_reads_but_cannot_write(pg_engine: Engine) -> None:
    apply_plan(pg_engine, fleet_plan(3))
    script = SCRIPT.read_text()
    with pg_engine.begin() as conn:
        driver = conn.connection.driver_connection  # as psql would: no parameter parsing of '%I'
        driver.execute(script)
        driver.execute(script)  # idempotent

    assert _as_analyst(pg_engine, "SELECT count(*) FROM assets") == [(3,)]
    assert _as_analyst(pg_engine, "SELECT count(*) FROM v_current_inventory") == [(3,)]
    for statement in (
        "UPDATE assets SET status = 'retired'",
        "INSERT INTO sync_runs (run_id, source, status) VALUES ('x', 'y', 'running')",
        "DELETE FROM asset_identifiers",
        "TRUNCATE quarantine",
        "CREATE TABLE mine (id int)",
        "DROP VIEW v_current_inventory",
    ):
        with pytest.raises(sa.exc.ProgrammingError, match=r"permission denied|must be owner"):
            _as_analyst(pg_engine, statement)

"""The whole pipeline through the Dagster Definitions, against the bundled emulators.

Each test gets its own ITAM_HOME, DAGSTER_HOME, drop folder and repository (SQLite, or a fresh
PostgreSQL database), and starts the source emulators with a seeded synthetic fleet.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from connectors.emulators import EmulatorSet
from connectors.emulators.fleet import generate_fleet
from itam_pipeline.cli import run_sync

FLEET_SIZE = 200


class Workspace:
    def __init__(self, root: Path, database_url: str, emulators: EmulatorSet) -> None:
        self.root = root
        self.database_url = database_url
        self.emulators = emulators
        self.drop_dir = root / "drops"

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.database_url)

    def table(self, sql: str) -> pd.DataFrame:
        engine = self.engine()
        try:
            with engine.connect() as conn:
                result = conn.execute(sa.text(sql))
                return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        finally:
            engine.dispose()

    def assets(self) -> pd.DataFrame:
        return self.table("SELECT asset_id, row_hash, updated_run_id, status FROM assets ORDER BY asset_id")


def _workspace(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, **emulator_args
) -> Iterator[Workspace]:
    fleet = generate_fleet(FLEET_SIZE, seed=11)
    drops = tmp_path / "drops"
    fleet.write_drops(drops, feed="procurement", bad_rows=2)
    with EmulatorSet(fleet=fleet, state_dir=tmp_path / "emulators", **emulator_args) as emulators:
        for name in [k for k in os.environ if k.startswith("ITAM_")]:
            monkeypatch.delenv(name)
        for name, value in emulators.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("ITAM_HOME", str(tmp_path / "itam"))
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
        monkeypatch.setenv("ITAM_DROP_DIR", str(drops))
        monkeypatch.setenv("ITAM_DATABASE_URL", database_url)
        # A source that is down should fail fast here, not after production-grade retries.
        monkeypatch.setenv("ITAM_HTTP_ATTEMPTS", "2")
        monkeypatch.setenv("ITAM_EXTRACT_RETRIES", "1")
        monkeypatch.setenv("ITAM_EXTRACT_RETRY_DELAY", "0.1")
        yield Workspace(tmp_path, database_url, emulators)


@pytest.fixture
def workspace(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    yield from _workspace(tmp_path, sqlite_url, monkeypatch)


@pytest.fixture
def any_workspace(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """The same workspace on SQLite and on PostgreSQL."""
    yield from _workspace(tmp_path, database_url, monkeypatch)


def test_sync_twice_is_idempotent(any_workspace: Workspace) -> None:
    workspace = any_workspace
    assert run_sync() == 0
    first = workspace.assets()
    assert len(first) > FLEET_SIZE * 0.8  # every physical device plus on-order stock, no mass duplicates
    runs = workspace.table("SELECT * FROM sync_runs")
    assert {"intune", "device42", "miradore", "file:procurement"} <= set(runs["source"])

    assert run_sync() == 0
    second = workspace.assets()
    pd.testing.assert_frame_equal(first, second)  # same ids, same hashes, nothing rewritten
    # nothing was pending for the files, and the API sources changed nothing
    latest = workspace.table("SELECT * FROM sync_runs ORDER BY finished_at").tail(3)
    assert latest["new"].sum() == 0
    assert latest["updated"].sum() == 0


def test_every_input_record_is_linked_or_quarantined(workspace: Workspace) -> None:
    assert run_sync() == 0
    runs = workspace.table("SELECT source, records_in, linked, quarantined FROM sync_runs")
    assert (runs["records_in"] == runs["linked"] + runs["quarantined"]).all(), runs
    quarantine = workspace.table("SELECT source, source_record_id, origin, reason, payload FROM quarantine")
    files = quarantine[quarantine["source"] == "file:procurement"]
    assert len(files) >= 2  # the bad rows, each with file name, row number and reason
    assert files["origin"].str.match(r".+\.csv:\d+$").all()
    assert files["reason"].notna().all()
    assert files["payload"].notna().all()


def test_a_source_that_is_down_fails_alone(workspace: Workspace) -> None:
    workspace.emulators.device42.faults.down = True
    assert run_sync() == 1  # reported as a failure ...
    sources = set(workspace.table("SELECT DISTINCT source FROM asset_source_records")["source"])
    assert {"intune", "miradore", "file:procurement"} <= sources  # ... while the others synced
    assert "device42" not in sources

    workspace.emulators.device42.faults.down = False
    assert run_sync() == 0
    sources = set(workspace.table("SELECT DISTINCT source FROM asset_source_records")["source"])
    assert "device42" in sources


def test_dry_run_writes_nothing(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_sync(dry_run=True) == 0
    printed = capsys.readouterr().out
    planned = re.search(r"assets: (\d+) new", printed)
    assert planned and int(planned.group(1)) > FLEET_SIZE * 0.8, printed
    assert workspace.table("SELECT count(*) AS n FROM assets")["n"][0] == 0


class _Half:
    """A catalog serving only the first half of another (a source whose count collapsed)."""

    def __init__(self, catalog) -> None:
        self.catalog = catalog

    def __len__(self) -> int:
        return len(self.catalog) // 2

    def page(self, offset: int, limit: int) -> list[dict]:
        return self.catalog.page(offset, max(0, min(limit, len(self) - offset)))


def test_count_collapse_stops_the_write(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspaces = _workspace(tmp_path, sqlite_url, monkeypatch)
    workspace = next(workspaces)
    assert run_sync() == 0
    before = workspace.assets()
    app = workspace.emulators.device42.app
    app.catalog = _Half(app.catalog)
    assert run_sync() == 1  # the completeness gate blocks the write ...
    pd.testing.assert_frame_equal(before, workspace.assets())  # ... and the repository is unchanged

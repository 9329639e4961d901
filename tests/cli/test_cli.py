"""The ``itam-pipeline`` command as a user runs it: a subprocess in its own working folder.

Each command runs ``python -m itam_pipeline.cli`` with ``ITAM_HOME``, ``DAGSTER_HOME`` and
``ITAM_DROP_DIR`` inside a temporary folder and every other pipeline setting removed from
the environment, so nothing leaks in from the developer's shell and nothing is written
outside the test's folder.

Runtime: a command that loads the pipeline spends seconds importing Dagster and Great
Expectations. The tests that read a synced repository therefore share one estate (a first
sync, a second identical sync and a dry run against the emulators), and the slow commands
that do not depend on it (``sources check``, ``demo``, a bad setting) are started together
when that estate is built, so they run while it syncs.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from connectors.emulators import EmulatorSet
from connectors.emulators.fleet import Fleet
from itam_pipeline.cli import build_parser

COMMAND_TIMEOUT_S = 300  # a sync on a busy shared machine; a normal one takes seconds
_POINTING_VARIABLES = ("DAGSTER_HOME", "REQUESTS_CA_BUNDLE")

# A second feed, configured in feeds.yaml: its own headers, delta mode. Its one device carries
# text a spreadsheet would run as a formula; the CSV export must neutralize it.
REGISTER_FEEDS_YAML = """\
register:
  columns: {"Asset No": asset_tag, "Serial": serial_number, "Computer": hostname, "Site": location,
            "Vendor": supplier, "Kind": asset_type, "Maker": manufacturer}
  key_column: asset_tag
  mode: delta
"""
REGISTER_HEADER = ["Asset No", "Serial", "Computer", "Site", "Vendor", "Kind", "Maker"]
FORMULA_ROW = [
    "XF-0001",
    "ZXFORMULA01",
    '=HYPERLINK("http://x.example")',
    "=1+2",
    "@SUM(A1)",
    "laptop",
    "Dell",
]
# Dropped only before the dry run: the plan must show it, the repository must not.
LATE_ROW = ["XF-0002", "ZXLATEDEV02", "late-pc", "Berlin", "Acme", "laptop", "Dell"]
PROCUREMENT_BAD_ROWS = 4  # one of each row error: MISSING_KEY, BAD_DATE, NEGATIVE_COST, COLUMN_COUNT
WRONG_INTUNE_SECRET = "Wr0ng8Q~not-the-secret-of-this-tenant"
API_SOURCES = ("intune", "device42", "miradore")


# ---- running the command -----------------------------------------------------------------------
def clean_environment() -> dict[str, str]:
    """This process's environment without any pipeline setting."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ITAM_") and name not in _POINTING_VARIABLES
    }


@dataclass
class Launched:
    """A command started in the background; ``result()`` waits for it."""

    process: subprocess.Popen[str]
    stdout_path: Path
    stderr_path: Path
    _result: subprocess.CompletedProcess[str] | None = None

    def result(self) -> subprocess.CompletedProcess[str]:
        if self._result is None:
            self.process.wait(timeout=COMMAND_TIMEOUT_S)
            self._result = subprocess.CompletedProcess(
                self.process.args,
                self.process.returncode,
                self.stdout_path.read_text(encoding="utf-8"),
                self.stderr_path.read_text(encoding="utf-8"),
            )
        return self._result

    def stop(self) -> None:
        """End the command if a failed test left it running."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@dataclass
class Workspace:
    """A working folder for the CLI and the settings every command in it runs with."""

    root: Path
    settings: dict[str, str] = field(default_factory=dict)
    _launches: int = 0

    @property
    def home(self) -> Path:
        return self.root / ".itam"

    @property
    def drop_dir(self) -> Path:
        return self.root / "drops"

    @property
    def database(self) -> Path:
        return self.home / "itam.db"

    def environment(self, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        env = clean_environment()
        env.update(
            ITAM_HOME=str(self.home),
            DAGSTER_HOME=str(self.home / "dagster"),
            ITAM_DROP_DIR=str(self.drop_dir),
        )
        env.update(self.settings)
        env.update(overrides or {})
        return env

    def start(self, *args: str, env: Mapping[str, str] | None = None) -> Launched:
        """Start ``itam-pipeline <args>`` here; ``env`` adds or replaces variables.

        Output goes to files, not pipes: a chatty command must never block on a full pipe
        while nobody reads it.
        """
        self._launches += 1
        out = self.root / f"command-{self._launches}.stdout"
        err = self.root / f"command-{self._launches}.stderr"
        with out.open("w", encoding="utf-8") as stdout, err.open("w", encoding="utf-8") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "itam_pipeline.cli", *args],
                cwd=self.root,
                env=self.environment(env),
                stdout=stdout,
                stderr=stderr,
                text=True,
            )
        return Launched(process, out, err)

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``itam-pipeline <args>`` here and wait for it."""
        launched = self.start(*args, env=env)
        try:
            return launched.result()
        finally:
            launched.stop()

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of a query against the workspace's SQLite repository."""
        conn = sqlite3.connect(self.database)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


def make_workspace(root: Path) -> Workspace:
    """A workspace in ``root`` with an empty drop folder (a configured but missing one is an error)."""
    workspace = Workspace(root)
    workspace.drop_dir.mkdir(parents=True, exist_ok=True)
    return workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path)


def shown(result: subprocess.CompletedProcess[str]) -> str:
    """Everything the command printed (for assertion messages)."""
    return f"exit code {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def assert_succeeded(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, shown(result)


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The command failed with exactly one clear line on stderr and no traceback; returns it."""
    assert result.returncode != 0, shown(result)
    assert "Traceback" not in result.stderr + result.stdout, shown(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, shown(result)
    assert lines[0].startswith("error: "), shown(result)
    return lines[0]


def check_status(result: subprocess.CompletedProcess[str], source: str) -> str:
    """The verdict ``sources check`` printed for one source (OK, skipped or FAILED)."""
    lines = [line for line in result.stdout.splitlines() if line.split()[:1] == [source]]
    assert len(lines) == 1, shown(result)
    return lines[0].split()[1]


# ---- drop files --------------------------------------------------------------------------------
def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def drop_estate_files(workspace: Workspace, fleet: Fleet) -> None:
    """The procurement feed in the standard template (with bad rows) and the register feed."""
    fleet.write_drops(workspace.drop_dir, feed="procurement", bad_rows=PROCUREMENT_BAD_ROWS)
    (workspace.drop_dir / "feeds.yaml").write_text(REGISTER_FEEDS_YAML, encoding="utf-8")
    write_csv(workspace.drop_dir / "register" / "register_01.csv", REGISTER_HEADER, [FORMULA_ROW])


# ---- repository snapshots ----------------------------------------------------------------------
def asset_rows(workspace: Workspace) -> list[tuple[Any, ...]]:
    """Every golden row with its hash and the run that last changed it."""
    return workspace.query("SELECT asset_id, row_hash, updated_run_id, status FROM assets ORDER BY asset_id")


def table_counts(workspace: Workspace) -> dict[str, int]:
    tables = ("assets", "asset_source_records", "asset_status_history", "asset_attribute_provenance")
    return {name: workspace.query(f"SELECT count(*) FROM {name}")[0][0] for name in tables}


def written_run_ids(workspace: Workspace) -> set[str]:
    """Ids of the runs that wrote the repository (sync_runs has a row per run and source)."""
    return {row[0] for row in workspace.query("SELECT DISTINCT run_id FROM sync_runs")}


def printed_summary(stdout: str) -> dict[str, int]:
    """The counters of the ``summary:`` line a sync prints after writing."""
    match = re.search(r"^\s*summary: (.+)$", stdout, flags=re.MULTILINE)
    assert match, f"no summary line in:\n{stdout}"
    return {key: int(value) for key, value in re.findall(r"([\w/]+)=(\d+)", match.group(1))}


# ---- shared fixtures ---------------------------------------------------------------------------
@dataclass
class Background:
    """Slow commands that depend on nothing else, started together (see the module docstring)."""

    launched: dict[str, Launched]
    demo: Workspace

    def result(self, name: str) -> subprocess.CompletedProcess[str]:
        return self.launched[name].result()


@pytest.fixture(scope="module")
def background(emulators: EmulatorSet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Background]:
    def fresh(name: str) -> Workspace:
        return make_workspace(tmp_path_factory.mktemp(name))

    demo = fresh("demo")
    launched = {
        "sources-unconfigured": fresh("unconfigured").start("sources", "check"),
        "sources-emulated": fresh("emulated").start("sources", "check", env=emulators.env()),
        "sources-wrong-secret": fresh("wrong-secret").start(
            "sources", "check", env={**emulators.env(), "ITAM_INTUNE_CLIENT_SECRET": WRONG_INTUNE_SECRET}
        ),
        "sync-bad-number": fresh("bad-number").start("sync", env={"ITAM_MAX_RETIRE_FRACTION": "two percent"}),
        "demo": demo.start("demo", "--size", "150"),
    }
    try:
        yield Background(launched, demo)
    finally:
        for command in launched.values():
            command.stop()


@dataclass
class SyncedEstate:
    """One workspace synced twice from the emulators, then dry-run with one more file pending."""

    workspace: Workspace
    fleet: Fleet
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    dry_run: subprocess.CompletedProcess[str]
    assets_after_first: list[tuple[Any, ...]]
    assets_after_second: list[tuple[Any, ...]]
    assets_after_dry_run: list[tuple[Any, ...]]
    counts_before_dry_run: dict[str, int]
    counts_after_dry_run: dict[str, int]
    first_run_ids: set[str]
    second_run_ids: set[str]


@pytest.fixture(scope="module")
def estate(
    fleet: Fleet, emulators: EmulatorSet, background: Background, tmp_path_factory: pytest.TempPathFactory
) -> SyncedEstate:
    # ``background`` is requested only so that its commands overlap with these syncs.
    workspace = make_workspace(tmp_path_factory.mktemp("estate"))
    workspace.settings.update(emulators.env())
    drop_estate_files(workspace, fleet)

    first = workspace.run("sync")
    assert_succeeded(first)
    assets_after_first = asset_rows(workspace)
    first_run_ids = written_run_ids(workspace)

    second = workspace.run("sync")
    assert_succeeded(second)
    assets_after_second = asset_rows(workspace)
    second_run_ids = written_run_ids(workspace) - first_run_ids

    write_csv(workspace.drop_dir / "register" / "register_02.csv", REGISTER_HEADER, [LATE_ROW])
    counts_before_dry_run = table_counts(workspace)
    dry_run = workspace.run("sync", "--dry-run")
    return SyncedEstate(
        workspace=workspace,
        fleet=fleet,
        first=first,
        second=second,
        dry_run=dry_run,
        assets_after_first=assets_after_first,
        assets_after_second=assets_after_second,
        assets_after_dry_run=asset_rows(workspace),
        counts_before_dry_run=counts_before_dry_run,
        counts_after_dry_run=table_counts(workspace),
        first_run_ids=first_run_ids,
        second_run_ids=second_run_ids,
    )


# ---- --help ------------------------------------------------------------------------------------
def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and sub-command of the parser, as argument tuples (the program itself as ``()``)."""
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.extend(command_paths(sub, (*prefix, name)))
    return paths


COMMANDS = command_paths(build_parser())


def test_the_parser_walk_finds_every_documented_command() -> None:
    documented = {
        ("sync",),
        ("demo",),
        ("db", "upgrade"),
        ("sources", "check"),
        ("config", "show"),
        ("explain",),
        ("export",),
        ("init-instance",),
    }
    assert documented <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "itam-pipeline")
def test_help_works_on_every_command(workspace: Workspace, command: tuple[str, ...]) -> None:
    result = workspace.run(*command, "--help")
    assert_succeeded(result)
    assert result.stdout.startswith(f"usage: {' '.join(('itam-pipeline', *command))}"), shown(result)
    assert result.stderr == "", shown(result)


# ---- configuration -----------------------------------------------------------------------------
def test_config_show_masks_every_secret(workspace: Workspace) -> None:
    secrets = {
        "ITAM_INTUNE_CLIENT_SECRET": "Qx8Q~intune-client-secret-value",
        "ITAM_DEVICE42_PASSWORD": "D42-device42-password!",
        "ITAM_MIRADORE_API_KEY": "7_miradoreKey{$!},+tail",
        "ITAM_ALERT_WEBHOOK_URL": "https://hooks.example/T000/secret-webhook-token",
    }
    url = "postgresql+psycopg://itam:Db-pa55word-value@db.example:5432/itam"
    result = workspace.run("config", "show", "-v", env={**secrets, "ITAM_DATABASE_URL": url})
    assert_succeeded(result)
    printed = result.stdout + result.stderr
    for variable, value in secrets.items():
        assert value not in printed, variable
        assert re.search(rf"^{variable}\s+\*+ \(set\)$", result.stdout, flags=re.MULTILINE), shown(result)
    assert "Db-pa55word-value" not in printed
    database = r"^ITAM_DATABASE_URL\s+postgresql\+psycopg://itam:\*+@db\.example:5432/itam$"
    assert re.search(database, result.stdout, flags=re.MULTILINE), shown(result)


UNREACHABLE_DATABASE = "postgresql+psycopg://nobody:n0t-a-real-pw@127.0.0.1:1/x"


@pytest.mark.parametrize(
    ("command", "settings", "named"),
    [
        (("db", "upgrade"), {"ITAM_DATABASE_URL": UNREACHABLE_DATABASE}, "127.0.0.1"),
        (("sync",), {"ITAM_DATABASE_URL": UNREACHABLE_DATABASE}, "127.0.0.1"),
        (("sync",), {"ITAM_DROP_DIR": "no/such/folder"}, "ITAM_DROP_DIR"),
    ],
    ids=["db-upgrade-unreachable-database", "sync-unreachable-database", "sync-missing-drop-dir"],
)
def test_bad_configuration_is_one_clear_line(
    workspace: Workspace, command: tuple[str, ...], settings: dict[str, str], named: str
) -> None:
    result = workspace.run(*command, env=settings)
    line = assert_one_line_error(result)
    assert named in line
    assert "n0t-a-real-pw" not in result.stdout + result.stderr


def test_explain_of_an_unknown_asset_is_one_line(workspace: Workspace) -> None:
    line = assert_one_line_error(workspace.run("explain", "nosuchthing"))
    assert "nosuchthing" in line


# ---- sync, dry run, explain, export ------------------------------------------------------------
@pytest.mark.slow
def test_first_sync_writes_every_source_and_quarantines_bad_rows(estate: SyncedEstate) -> None:
    workspace = estate.workspace
    assert "sync finished" in estate.first.stdout
    assert len(estate.first_run_ids) == 1
    runs = workspace.query(
        "SELECT source, status, records_in, linked, quarantined FROM sync_runs "
        "WHERE run_id = ? AND source != '*'",
        *estate.first_run_ids,
    )
    by_source = {row[0]: row[1:] for row in runs}
    assert set(by_source) == {*API_SOURCES, "file:procurement", "file:register"}
    for source, (status, records_in, linked, quarantined) in by_source.items():
        assert status == "succeeded", source
        assert records_in == linked + quarantined > 0, source

    bad_rows = {
        (row.origin, row.error_code) for row in estate.fleet.drop_rows("procurement") if row.error_code
    }
    assert len(bad_rows) == PROCUREMENT_BAD_ROWS
    stored = workspace.query("SELECT origin, reason FROM quarantine WHERE source = 'file:procurement'")
    assert {(origin, reason.split(":")[0]) for origin, reason in stored} == bad_rows

    # Processed files are archived; nothing is left pending in the feed folder.
    assert list((workspace.drop_dir / "procurement").glob("*.csv")) == []
    assert list((workspace.drop_dir / "procurement" / "archive").glob("*.csv"))


@pytest.mark.slow
def test_second_identical_sync_changes_nothing(estate: SyncedEstate) -> None:
    assert estate.assets_after_first
    assert estate.assets_after_second == estate.assets_after_first
    summary = printed_summary(estate.second.stdout)
    assert summary["new"] == summary["updated"] == summary["merged"] == 0, estate.second.stdout
    assert len(estate.second_run_ids) == 1
    recorded = estate.workspace.query(
        "SELECT source, coalesce(new, 0), coalesce(updated, 0) FROM sync_runs WHERE run_id = ?",
        *estate.second_run_ids,
    )
    assert recorded and all(new == updated == 0 for _, new, updated in recorded), recorded


@pytest.mark.slow
def test_dry_run_prints_the_plan_and_writes_nothing(estate: SyncedEstate) -> None:
    assert_succeeded(estate.dry_run)
    plan = estate.dry_run.stdout
    assert "plan for run" in plan
    assert re.search(r"^\s*assets: 1 new, 0 updated, \d+ unchanged", plan, flags=re.MULTILINE), plan
    assert estate.assets_after_dry_run == estate.assets_after_second
    assert estate.counts_after_dry_run == estate.counts_before_dry_run
    assert not estate.workspace.query("SELECT 1 FROM assets WHERE asset_tag = ?", LATE_ROW[0])


@pytest.mark.slow
def test_explain_shows_records_link_rules_and_provenance(estate: SyncedEstate) -> None:
    workspace = estate.workspace
    asset_id, serial = workspace.query(
        "SELECT a.asset_id, a.serial_number FROM assets a JOIN asset_source_records r USING (asset_id) "
        "WHERE a.serial_number IS NOT NULL GROUP BY a.asset_id HAVING count(DISTINCT r.source) >= 2 "
        "ORDER BY count(DISTINCT r.source) DESC, a.asset_id LIMIT 1"
    )[0]
    result = workspace.run("explain", serial.lower())  # a serial is found however it is typed
    assert_succeeded(result)
    text = result.stdout
    assert f"asset {asset_id}" in text
    links = workspace.query(
        "SELECT source, source_record_id, rule FROM asset_source_records WHERE asset_id = ?", asset_id
    )
    assert f"source records ({len(links)})" in text
    for source, record_id, rule in links:
        line = rf"^  {re.escape(f'{source}:{record_id}')}.* linked by {rule}\b"
        assert re.search(line, text, flags=re.MULTILINE), text
    provenance = workspace.query(
        "SELECT attribute, source, source_record_id, rule FROM asset_attribute_provenance WHERE asset_id = ?",
        asset_id,
    )
    assert provenance and "where each attribute came from" in text
    for attribute, source, record_id, rule in provenance:
        line = rf"^  {attribute}\s+{re.escape(f'{source}:{record_id}')} .*, {re.escape(rule)}\)$"
        assert re.search(line, text, flags=re.MULTILINE), text
    assert "status history" in text


@pytest.mark.slow
def test_csv_export_neutralizes_formulas(estate: SyncedEstate) -> None:
    workspace = estate.workspace
    out = workspace.root / "export"
    result = workspace.run("export", "--format", "csv", "--out", str(out))
    assert_succeeded(result)
    written = [
        Path(line.removeprefix("wrote ")) for line in result.stdout.splitlines() if line.startswith("wrote")
    ]
    assert out / "assets.csv" in written
    for path in written:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                assert not any(cell.startswith("=") for cell in row), (path.name, row)
    with (out / "assets.csv").open(encoding="utf-8", newline="") as handle:
        register = [row for row in csv.DictReader(handle) if row["asset_tag"] == FORMULA_ROW[0]]
    assert len(register) == 1
    assert register[0]["location"] == "'=1+2"
    assert register[0]["supplier"] == "'@SUM(A1)"


# ---- commands started in the background --------------------------------------------------------
@pytest.mark.slow
def test_sources_check_skips_unconfigured_sources(background: Background) -> None:
    result = background.result("sources-unconfigured")
    assert_succeeded(result)
    assert [check_status(result, source) for source in API_SOURCES] == ["skipped"] * 3, shown(result)


@pytest.mark.slow
def test_sources_check_reaches_every_emulated_source(background: Background) -> None:
    result = background.result("sources-emulated")
    assert_succeeded(result)
    assert [check_status(result, source) for source in (*API_SOURCES, "files")] == ["OK"] * 4, shown(result)


@pytest.mark.slow
def test_sources_check_names_a_rejected_intune_secret_without_showing_it(
    background: Background, emulators: EmulatorSet
) -> None:
    result = background.result("sources-wrong-secret")
    assert result.returncode != 0, shown(result)
    assert check_status(result, "intune") == "FAILED"
    intune = next(line for line in result.stdout.splitlines() if line.startswith("intune"))
    assert "AADSTS7000215" in intune  # Entra's "invalid client secret"
    assert check_status(result, "device42") == "OK"  # one rejected source fails only itself
    printed = result.stdout + result.stderr
    for secret in (
        WRONG_INTUNE_SECRET,
        emulators.credentials.client_secret,
        emulators.credentials.device42_password,
    ):
        assert secret not in printed


@pytest.mark.slow
def test_a_setting_that_is_not_a_number_is_one_clear_line(background: Background) -> None:
    line = assert_one_line_error(background.result("sync-bad-number"))
    assert "ITAM_MAX_RETIRE_FRACTION" in line


@pytest.mark.slow
def test_demo_leaves_a_sqlite_repository_with_assets(background: Background) -> None:
    assert_succeeded(background.result("demo"))
    demo = background.demo
    assert demo.database.is_file()
    assert demo.query("SELECT count(*) FROM assets")[0][0] > 0
    sources = {row[0] for row in demo.query("SELECT DISTINCT source FROM asset_source_records")}
    assert {*API_SOURCES, "file:procurement"} <= sources

"""Where the benchmark runs: the machine, library versions, scratch databases, peak memory."""

from __future__ import annotations

import os
import platform
import resource
import shutil
import sqlite3
import uuid
from importlib import metadata
from pathlib import Path

import psycopg
import sqlalchemy as sa

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
ADMIN_URL_ENV = "ITAM_BENCH_POSTGRES_URL"
LIBRARIES = ("pandas", "pyarrow", "numpy", "SQLAlchemy", "psycopg", "dlt", "orjson")


# ---- machine and versions --------------------------------------------------------------------
def machine_description() -> dict[str, str]:
    """CPU model, core count and RAM as the kernel reports them."""
    cpu = _first_value(Path("/proc/cpuinfo"), "model name") or platform.processor() or "unknown"
    mem_kb = _first_value(Path("/proc/meminfo"), "MemTotal")
    ram = f"{int(mem_kb.split()[0]) / 1024**2:.1f} GiB" if mem_kb else "unknown"
    return {"cpu": cpu, "cores": str(os.cpu_count() or "unknown"), "ram": ram, "os": platform.platform()}


def load_average() -> str:
    """1-minute load average: how busy the (possibly shared) machine was."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def library_versions(postgres_url: str) -> dict[str, str]:
    """Python, the data libraries and the PostgreSQL server version."""
    versions = {"Python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["SQLite"] = sqlite3.sqlite_version
    with psycopg.connect(libpq_url(postgres_url)) as conn:
        versions["PostgreSQL"] = str(conn.execute("SHOW server_version").fetchone()[0])
    return versions


def _first_value(path: Path, key: str) -> str | None:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        return None
    return None


# ---- peak memory -----------------------------------------------------------------------------
def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss where /proc is missing)."""
    hwm = _first_value(Path("/proc/self/status"), "VmHWM")
    if hwm:
        return int(hwm.split()[0]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- scratch PostgreSQL ----------------------------------------------------------------------
def admin_url() -> str:
    """The maintenance database the throwaway databases are created from (trust auth by default)."""
    return os.environ.get(ADMIN_URL_ENV, DEFAULT_ADMIN_URL)


def libpq_url(url: str) -> str:
    """A plain ``postgresql://`` URL for psycopg (SQLAlchemy driver suffixes removed)."""
    parsed = sa.make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class ScratchPostgres:
    """Throwaway databases of one benchmark run, all dropped when the run ends.

    ``clone`` copies a prepared database with ``CREATE DATABASE ... TEMPLATE``: a file copy,
    much cheaper than reloading a million rows before every repetition.
    """

    def __init__(self, url: str) -> None:
        self.admin = libpq_url(url)
        self.prefix = f"itam_bench_{uuid.uuid4().hex[:8]}"
        self._names: list[str] = []

    def url(self, name: str, driver: str = "postgresql+psycopg") -> str:
        """SQLAlchemy URL of database ``name``."""
        parsed = sa.make_url(self.admin).set(drivername=driver, database=name)
        return parsed.render_as_string(hide_password=False)

    def create(self, suffix: str, template: str | None = None) -> str:
        """Create ``<prefix>_<suffix>`` (optionally copied from ``template``); returns its name."""
        name = f"{self.prefix}_{suffix}"
        clause = f' TEMPLATE "{template}"' if template else ""
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{name}"{clause}')
        self._names.append(name)
        return name

    def drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self._names:
            self._names.remove(name)

    def drop_all(self) -> None:
        for name in list(reversed(self._names)):
            self.drop(name)

    def _execute(self, sql: str) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql)

    def __enter__(self) -> ScratchPostgres:
        self._execute("SELECT 1")  # fail before any work when the server is unreachable
        return self

    def __exit__(self, *exc: object) -> None:
        self.drop_all()


def copy_sqlite(template: Path, target: Path) -> str:
    """Copy a SQLite database file (and its WAL, if any); returns the copy's SQLAlchemy URL."""
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))
    return f"sqlite:///{target}"


def remove_sqlite(path: Path) -> None:
    """Delete a SQLite database file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)

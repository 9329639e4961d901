"""Engines for the repository: URL checks, SQLite pragmas, one-line connection errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from itam_pipeline.repository.errors import RepositoryUnavailable

# How long a SQLite connection waits for another writer before "database is locked".
SQLITE_BUSY_TIMEOUT_S = 30.0
SQLITE_CACHE_KIB = 262_144  # page cache per connection, allocated only as pages are used
PG_CONNECT_TIMEOUT_S = 10
APPLICATION_NAME = "itam-pipeline"

# Execution option that makes the next SQLite transaction BEGIN IMMEDIATE (take the write
# lock up front instead of failing half-way through a run on the first write).
WRITE_OPTION = "itam_write"


def normalize_url(url: str | sa.URL) -> sa.URL:
    """Parse a repository URL; every PostgreSQL URL is pointed at the psycopg 3 driver.

    The bulk paths use psycopg 3's COPY API, so ``postgres://`` and ``postgresql+psycopg2://``
    are accepted and rewritten rather than rejected.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise RepositoryUnavailable(f"not a database URL: {url!r} ({exc})") from None
    backend = parsed.get_backend_name()
    if backend in {"postgres", "postgresql"}:
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise RepositoryUnavailable(
        f"unsupported repository database {parsed.render_as_string(hide_password=True)!r}: "
        "use postgresql+psycopg://... or sqlite:///path/to/itam.db"
    )


def create_engine(url: str | sa.URL, **kwargs: Any) -> Engine:
    """An engine for the repository at ``url`` (PostgreSQL or SQLite).

    SQLite connections get WAL journaling (readers never block the writer), foreign keys,
    a busy timeout, and transactions that the repository begins itself so a writer can ask
    for ``BEGIN IMMEDIATE``.
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
        engine = sa.create_engine(parsed, connect_args=connect_args, **kwargs)
        _install_sqlite_hooks(engine)
        return engine
    connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S, "application_name": APPLICATION_NAME}
    return sa.create_engine(parsed, connect_args=connect_args, **kwargs)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below: the sqlite3 module's
        # implicit BEGIN is deferred and would upgrade to a write lock mid-run.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # The default 2 MB page cache thrashes on million-row key reads; staging tables of a
        # run's diff belong in memory, not in a temporary file.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def set_sqlite_busy_timeout(conn: Connection, timeout_s: float) -> None:
    """How long this SQLite connection waits for another writer before "database is locked"."""
    # Straight to the driver: a statement through SQLAlchemy would auto-begin a transaction.
    conn.connection.driver_connection.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")


def is_postgres(bind: Engine | Connection) -> bool:
    """True when ``bind`` talks to PostgreSQL (otherwise it is SQLite)."""
    return bind.dialect.name == "postgresql"


def describe_failure(engine: Engine, exc: BaseException) -> str:
    """One line: which database (password hidden) and the driver's first line of complaint."""
    orig = getattr(exc, "orig", None) or exc
    first_line = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    where = engine.url.render_as_string(hide_password=True)
    return f"cannot reach the repository database {where}: {first_line}"


@contextmanager
def connect(engine: Engine) -> Iterator[Connection]:
    """``engine.connect()`` that turns "cannot connect" into ``RepositoryUnavailable``."""
    try:
        conn = engine.connect()
    except sa.exc.DBAPIError as exc:
        raise RepositoryUnavailable(describe_failure(engine, exc)) from None
    with conn:
        yield conn


def check_connection(engine: Engine) -> None:
    """Open a connection and run ``SELECT 1``; raise ``RepositoryUnavailable`` on failure."""
    with connect(engine) as conn:
        conn.execute(sa.text("SELECT 1"))

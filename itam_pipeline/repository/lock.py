"""One writer at a time: every repository write runs inside ``write_transaction``.

PostgreSQL: a transaction-scoped advisory lock, so it is released by COMMIT, ROLLBACK or a
dropped connection, never leaked. SQLite: ``BEGIN IMMEDIATE`` takes the database write lock
before the first read of the diff, so two writers can never interleave; the second waits up
to the timeout and then fails with a clear message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from itam_pipeline.repository.engine import (
    SQLITE_BUSY_TIMEOUT_S,
    WRITE_OPTION,
    connect,
    is_postgres,
    set_sqlite_busy_timeout,
)
from itam_pipeline.repository.errors import RepositoryLockedError

# Arbitrary constant shared by every process of this application ("itam" in ASCII).
REPOSITORY_LOCK_KEY = 0x6974616D
DEFAULT_LOCK_TIMEOUT_S = 300.0


def _locked_message(timeout_s: float) -> str:
    return (
        f"another sync holds the repository lock (waited {timeout_s:g} s); "
        "wait for it to finish, or check for a stuck process"
    )


@contextmanager
def write_transaction(engine: Engine, *, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Iterator[Connection]:
    """A connection inside one transaction that holds the repository write lock.

    Commits when the block ends, rolls back on any exception. Raises
    ``RepositoryLockedError`` when the lock is not free within ``timeout_s`` seconds.
    """
    with connect(engine) as conn:
        conn = conn.execution_options(**{WRITE_OPTION: True})
        if is_postgres(conn):
            with conn.begin():
                _take_advisory_lock(conn, timeout_s)
                yield conn
            return
        with sqlite_write(conn, timeout_s, _locked_message(timeout_s)):
            yield conn


@contextmanager
def sqlite_write(conn: Connection, timeout_s: float, locked_message: str) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` on a SQLite connection, waiting ``timeout_s`` for other writers.

    Raises ``RepositoryLockedError(locked_message)`` when the database stays locked.
    """
    set_sqlite_busy_timeout(conn, timeout_s)
    try:
        try:
            transaction = conn.execution_options(**{WRITE_OPTION: True}).begin()  # see engine.WRITE_OPTION
        except sa.exc.OperationalError as exc:
            if "locked" in str(exc.orig).lower():
                raise RepositoryLockedError(locked_message) from None
            raise
        with transaction:
            yield
    finally:
        set_sqlite_busy_timeout(conn, SQLITE_BUSY_TIMEOUT_S)


def _take_advisory_lock(conn: Connection, timeout_s: float) -> None:
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(timeout_s * 1000)}ms'")
    try:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": REPOSITORY_LOCK_KEY})
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise RepositoryLockedError(_locked_message(timeout_s)) from None
        raise
    # The timeout was for the lock only; the writes that follow may take as long as they need.
    conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")

"""Run bookkeeping: ``sync_runs`` (one row per run and source) and ``extractions``.

These are small single-row writes made outside the big apply transaction (an extraction
is recorded before reconciliation runs; a failure is recorded after the apply rolled back).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from itam_pipeline.repository import tables as t
from itam_pipeline.repository.engine import SQLITE_BUSY_TIMEOUT_S, connect, is_postgres
from itam_pipeline.repository.lock import sqlite_write

WHOLE_RUN = "*"  # sync_runs.source of a row about the run as a whole
MAX_MESSAGE_CHARS = 4000


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


@contextmanager
def small_write(engine: Engine, *, timeout_s: float = SQLITE_BUSY_TIMEOUT_S) -> Iterator[Connection]:
    """A short write transaction, not serialised with syncs (SQLite still takes its write lock
    up front, waiting at most ``timeout_s`` for another writer)."""
    with connect(engine) as conn:
        if is_postgres(conn):
            with conn.begin():
                yield conn
            return
        busy = f"the repository database is busy with another writer (waited {timeout_s:g} s)"
        with sqlite_write(conn, timeout_s, busy):
            yield conn


def upsert_row(
    conn: Connection, table: sa.Table, values: Mapping[str, Any], keep: Iterable[str] = ()
) -> None:
    """Insert ``values`` or update the row with the same primary key.

    Columns in ``keep`` keep their stored value when it is not null (e.g. ``started_at``).
    """
    insert = (postgresql.insert if is_postgres(conn) else sqlite.insert)(table).values(**values)
    key = [c.name for c in table.primary_key.columns]
    keep = set(keep)
    updates = {
        name: sa.func.coalesce(table.c[name], insert.excluded[name])
        if name in keep
        else insert.excluded[name]
        for name in values
        if name not in key
    }
    conn.execute(insert.on_conflict_do_update(index_elements=key, set_=updates))


def one_line(message: str) -> str:
    """A message as one bounded line for the ``message`` columns."""
    text = " ".join(str(message).split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


# ---- sync_runs -------------------------------------------------------------------------------
def start_run(
    engine: Engine, run_id: str, sources: Iterable[str], *, started_at: datetime | None = None
) -> None:
    """Mark ``run_id`` as running for each source (idempotent)."""
    started_at = started_at or utc_now()
    with small_write(engine) as conn:
        for source in sources:
            values = {"run_id": run_id, "source": source, "started_at": started_at, "status": "running"}
            upsert_row(conn, t.sync_runs, values, keep=("started_at",))


def finish_run(engine: Engine, run_id: str, source: str, *, status: str, message: str | None = None) -> None:
    """Close a run's row for one source with ``status`` (succeeded or failed)."""
    if status not in t.RUN_STATUSES:
        raise ValueError(f"status must be one of {t.RUN_STATUSES}, not {status!r}")
    values = {
        "run_id": run_id,
        "source": source,
        "finished_at": utc_now(),
        "status": status,
        "message": one_line(message) if message else None,
    }
    with small_write(engine) as conn:
        upsert_row(conn, t.sync_runs, values)


def record_run_failure(
    engine: Engine,
    *,
    run_id: str,
    message: str,
    sources: Iterable[str] = (),
    job_name: str | None = None,
    timeout_s: float = SQLITE_BUSY_TIMEOUT_S,
) -> None:
    """Record that ``run_id`` failed: its unfinished rows (and ``sources``) become ``failed``.

    A run with no row yet gets one for the run as a whole (source ``*``). Rows that already
    succeeded stay as they are: the data they describe was committed.
    """
    text = one_line(f"{job_name}: {message}" if job_name else message)
    now = utc_now()
    runs = t.sync_runs
    with small_write(engine, timeout_s=timeout_s) as conn:
        for source in sources:
            values = {"run_id": run_id, "source": source, "started_at": now, "status": "running"}
            _insert_if_missing(conn, runs, values)
        conn.execute(
            runs.update()
            .where(runs.c.run_id == run_id, runs.c.status == "running")
            .values(status="failed", finished_at=now, message=text)
        )
        count = sa.select(sa.func.count()).select_from(runs).where(runs.c.run_id == run_id)
        if not conn.execute(count).scalar_one():
            values = {"run_id": run_id, "source": WHOLE_RUN, "started_at": now, "finished_at": now}
            _insert_if_missing(conn, runs, {**values, "status": "failed", "message": text})


def _insert_if_missing(conn: Connection, table: sa.Table, values: Mapping[str, Any]) -> None:
    insert = (postgresql.insert if is_postgres(conn) else sqlite.insert)(table).values(**values)
    conn.execute(insert.on_conflict_do_nothing())


def last_complete_counts(bind: Engine | Connection, *, exclude_run_id: str | None = None) -> dict[str, int]:
    """Records delivered per source in its latest successful run with a complete extraction.

    Falls back to the latest complete extraction for a source that never finished a sync.
    ``exclude_run_id`` leaves out the run being judged.
    """
    if isinstance(bind, Engine):
        with connect(bind) as conn:
            return last_complete_counts(conn, exclude_run_id=exclude_run_id)
    runs = t.sync_runs.c
    synced = bind.execute(
        sa.select(runs.source, runs.records_in, runs.finished_at).where(
            runs.status == "succeeded",
            runs.extraction_completed.is_(True),
            runs.records_in.is_not(None),
            runs.source != WHOLE_RUN,
            runs.run_id != (exclude_run_id or ""),
        )
    ).all()
    ex = t.extractions.c
    extracted = bind.execute(
        sa.select(ex.source, ex.record_count, ex.finished_at).where(
            ex.completed.is_(True), ex.record_count.is_not(None), ex.run_id != (exclude_run_id or "")
        )
    ).all()
    counts = _latest(synced)
    for source, count in _latest(extracted).items():
        counts.setdefault(source, count)
    return counts


def _latest(rows: Iterable[tuple[str, int, datetime | None]]) -> dict[str, int]:
    oldest = datetime.min
    best: dict[str, tuple[datetime, int]] = {}
    for source, count, finished_at in rows:
        when = finished_at.replace(tzinfo=None) if finished_at else oldest
        if source not in best or when >= best[source][0]:
            best[source] = (when, int(count))
    return {source: count for source, (_, count) in best.items()}


# ---- extractions -----------------------------------------------------------------------------
def record_extraction(
    engine: Engine,
    *,
    run_id: str,
    source: str,
    completed: bool,
    record_count: int | None,
    landed_path: str | Path | None = None,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    message: str | None = None,
) -> None:
    """Record (or update) one extraction of ``source`` in ``run_id``."""
    values = {
        "run_id": run_id,
        "source": source,
        "completed": bool(completed),
        "record_count": record_count,
        "landed_path": str(landed_path) if landed_path is not None else None,
        "started_at": started_at,
        "finished_at": finished_at or utc_now(),
        "message": one_line(message) if message else None,
    }
    with small_write(engine) as conn:
        upsert_row(conn, t.extractions, values, keep=("started_at",))


def start_extraction(engine: Engine, *, run_id: str, source: str) -> None:
    """Note that an extraction started (not complete until ``finish_extraction``)."""
    values = {"run_id": run_id, "source": source, "completed": False, "started_at": utc_now()}
    with small_write(engine) as conn:
        upsert_row(conn, t.extractions, values, keep=("started_at",))


def finish_extraction(
    engine: Engine,
    *,
    run_id: str,
    source: str,
    completed: bool,
    record_count: int | None,
    landed_path: str | Path | None = None,
    message: str | None = None,
) -> None:
    """Close an extraction: whether every page arrived, how many records, where they landed."""
    record_extraction(
        engine,
        run_id=run_id,
        source=source,
        completed=completed,
        record_count=record_count,
        landed_path=landed_path,
        message=message,
    )

"""Apply a reconciliation plan: diff, check thresholds, write only what changed, in ONE transaction.

A failure anywhere rolls the whole run back, leaving the repository exactly as it was,
and the run is then recorded as failed in ``sync_runs`` in a separate small transaction.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection, Engine

from itam_pipeline.plan import ReconciliationPlan
from itam_pipeline.repository import tables as t
from itam_pipeline.repository.diff import diff_prepared
from itam_pipeline.repository.engine import connect
from itam_pipeline.repository.errors import AccountingError, ThresholdExceeded
from itam_pipeline.repository.lock import DEFAULT_LOCK_TIMEOUT_S, write_transaction
from itam_pipeline.repository.plan_diff import PlanDiff, WriteSet
from itam_pipeline.repository.prepare import PreparedPlan, prepare_plan
from itam_pipeline.repository.runs import one_line, record_run_failure, upsert_row, utc_now
from itam_pipeline.repository.thresholds import Thresholds, threshold_violations
from itam_pipeline.repository.writes import write_plan

log = logging.getLogger(__name__)

# A failed run is recorded in its own transaction; on SQLite that needs the write lock, and a
# run that failed *because* another sync holds it must not then wait for it to finish.
FAILURE_RECORD_TIMEOUT_S = 2.0


@dataclass
class ApplyResult:
    """What a run did (or, for a dry run, would do)."""

    run_id: str
    dry_run: bool
    diff: PlanDiff
    counts: dict[str, dict[str, int]]  # source -> COUNT_KEYS (updated/unchanged filled by the repository)
    rows_written: dict[str, int]  # table -> rows inserted, updated or deleted
    total_assets: int  # golden assets in the repository after the run
    duration_s: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary."""
        return {
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "counts": self.counts,
            "rows_written": self.rows_written,
            "total_assets": self.total_assets,
            "duration_s": round(self.duration_s, 3),
            "diff": self.diff.to_dict(),
        }


def compute_diff(bind: Engine | Connection, plan: ReconciliationPlan) -> PlanDiff:
    """The dry-run plan: what applying ``plan`` would change, without writing anything."""
    prepared = prepare_plan(plan)
    if isinstance(bind, Connection):
        return diff_prepared(bind, prepared)
    with connect(bind) as conn, conn.begin():
        return diff_prepared(conn, prepared)


def apply_plan(
    engine: Engine,
    plan: ReconciliationPlan,
    *,
    run_id: str | None = None,
    dry_run: bool = False,
    thresholds: Thresholds | None = None,
    force: bool = False,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> ApplyResult:
    """Write ``plan`` in one transaction under the repository lock; see the module docstring.

    Raises ``ThresholdExceeded`` (unless ``force``) or ``AccountingError`` before writing,
    ``RepositoryLockedError`` when another sync holds the lock, ``PlanIntegrityError`` for a
    self-contradicting plan. With ``dry_run`` nothing is written, not even ``sync_runs``.
    """
    started = time.monotonic()
    started_at = utc_now()
    run_id = run_id or plan.run_id
    try:
        prepared = prepare_plan(plan, run_id)
        if dry_run:
            with connect(engine) as conn, conn.begin():
                diff, counts = _checked_diff(conn, prepared, thresholds, force)
            rows: dict[str, int] = {}
        else:
            with write_transaction(engine, timeout_s=lock_timeout_s) as conn:
                diff, counts = _checked_diff(conn, prepared, thresholds, force)
                rows = write_plan(conn, prepared, diff.writes, utc_now())
                _record_success(conn, prepared, counts, started_at)
    except Exception as exc:
        if not dry_run:
            _record_failure(engine, run_id, plan, exc)
        raise
    return ApplyResult(
        run_id=run_id,
        dry_run=dry_run,
        diff=diff,
        counts=counts,
        rows_written=rows,
        total_assets=diff.assets_before + diff.assets_new,
        duration_s=time.monotonic() - started,
    )


def _checked_diff(
    conn: Connection, prepared: PreparedPlan, thresholds: Thresholds | None, force: bool
) -> tuple[PlanDiff, dict[str, dict[str, int]]]:
    diff = diff_prepared(conn, prepared)
    violations = threshold_violations(diff, thresholds or Thresholds())
    if violations and not force:
        raise ThresholdExceeded(violations)
    if violations:
        log.warning("run %s forced past thresholds: %s", prepared.run_id, "; ".join(violations))
    counts = source_counts(prepared, diff.writes)
    check_accounting(counts)
    return diff, counts


def source_counts(prepared: PreparedPlan, writes: WriteSet) -> dict[str, dict[str, int]]:
    """Reconciliation's per-source counters plus the repository's updated/unchanged.

    ``updated`` / ``unchanged``: existing assets linked to the source (current, not superseded
    links) whose golden values this run rewrote / left alone.
    """
    counts = {source: dict(c) for source, c in prepared.counts.items()}
    state = np.zeros(len(prepared.assets), dtype=np.int8)  # 0 unchanged, 1 updated, 2 new
    written = writes.assets
    state[written.index[written["golden_changed"].to_numpy(bool)]] = 1
    state[written.index[written["is_new"].to_numpy(bool)]] = 2
    current = prepared.links.loc[~prepared.links["superseded"].to_numpy(bool), ["source", "asset_pos"]]
    current = current.drop_duplicates()
    tally = current.assign(state=state[current["asset_pos"].to_numpy()]).groupby(["source", "state"]).size()
    for source, c in counts.items():
        c["updated"] = int(tally.get((source, 1), 0))
        c["unchanged"] = int(tally.get((source, 0), 0))
    return counts


def check_accounting(counts: dict[str, dict[str, int]]) -> None:
    """Every record delivered is either linked or quarantined; raise ``AccountingError`` if not."""
    broken = [
        f"{source}: records_in {c['records_in']} != linked {c['linked']} + quarantined {c['quarantined']}"
        for source, c in sorted(counts.items())
        if c["records_in"] != c["linked"] + c["quarantined"]
    ]
    if broken:
        raise AccountingError("source counts do not add up, nothing written: " + "; ".join(broken))


# ---- run bookkeeping -------------------------------------------------------------------------
def _record_success(
    conn: Connection, plan: PreparedPlan, counts: dict[str, dict[str, int]], started_at: datetime
) -> None:
    finished_at = utc_now()
    for source in plan.sources:
        values: dict[str, object] = {
            "run_id": plan.run_id,
            "source": source,
            "started_at": started_at,
            "finished_at": finished_at,
            "status": "succeeded",
            "extraction_completed": plan.completed_sources.get(source),
            "message": None,
            **counts.get(source, {}),
        }
        upsert_row(conn, t.sync_runs, values, keep=("started_at",))


def _record_failure(engine: Engine, run_id: str, plan: ReconciliationPlan, exc: BaseException) -> None:
    sources = sorted(set(plan.counts or {}) | set(plan.completed_sources or {}))
    try:
        record_run_failure(
            engine,
            run_id=run_id,
            sources=sources,
            message=one_line(f"{type(exc).__name__}: {exc}"),
            timeout_s=FAILURE_RECORD_TIMEOUT_S,
        )
    except Exception as secondary:  # the original error matters more than the bookkeeping
        log.warning("could not record run %s as failed: %s", run_id, secondary)

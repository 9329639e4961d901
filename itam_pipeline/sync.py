"""The sync pipeline as plain functions: extract -> land -> normalize -> reconcile -> apply.

Dagster assets call these one step each; the benchmark and tests call them directly.
Nothing here imports Dagster.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pandas as pd
from sqlalchemy.engine import Engine

from connectors.errors import ConnectorError
from connectors.records import FILE_PREFIX, RawRecord
from itam_pipeline import settings
from itam_pipeline.lake import Lake, Landing
from itam_pipeline.normalize import JunkRegistry, normalize
from itam_pipeline.plan import QUARANTINE_COLUMNS, ReconciliationPlan
from itam_pipeline.reconcile import ReconcileConfig, load_config, reconcile
from itam_pipeline.repository import (
    ApplyResult,
    Thresholds,
    apply_plan,
    finish_extraction,
    load_state,
    start_extraction,
)
from itam_pipeline.schema import NORMALIZED_SCHEMA, conform

log = logging.getLogger(__name__)


def now_utc() -> datetime:
    return datetime.now(UTC)


# ---- extract ---------------------------------------------------------------------------------
def extract_to_lake(
    source: str,
    records: Iterable[RawRecord],
    *,
    lake: Lake,
    engine: Engine,
    run_id: str,
    landing_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Landing:
    """Land every record of one extraction and record in the repository whether it completed.

    A connector error keeps what arrived (marked incomplete) and is re-raised.
    """
    landing_id = landing_id or run_id
    start_extraction(engine, run_id=run_id, source=source)
    try:
        landing = lake.land(source, records, run_id=run_id, landing_id=landing_id, progress=progress)
    except ConnectorError as exc:
        partial = lake.landing(source, landing_id)
        finish_extraction(
            engine,
            run_id=run_id,
            source=source,
            completed=False,
            record_count=partial.records if partial else 0,
            landed_path=partial.path if partial else None,
            message=str(exc),
        )
        raise
    finish_extraction(
        engine,
        run_id=run_id,
        source=source,
        completed=True,
        record_count=landing.records,
        landed_path=landing.path,
        message=None,
    )
    return landing


# ---- normalize -------------------------------------------------------------------------------
@dataclass
class NormalizedBatch:
    """One source's normalized records for this run, staged until the repository commits."""

    source: str
    frame: pd.DataFrame
    landing_ids: list[str]
    completed: bool
    quarantine_payloads: pd.DataFrame  # raw payload of every quarantined record, for the quarantine table

    @property
    def quarantined(self) -> int:
        return int(self.frame["quarantine_reason"].notna().sum())


def pending_landing(lake: Lake, source: str, *, replay: bool = False) -> Landing | None:
    """The newest complete landing not yet promoted (with ``replay``: the newest complete one).

    An extraction that failed part-way stays in the lake for inspection but is not used: the
    previous snapshot stays current until the source answers in full again, so one source
    being down neither blocks the others nor makes its devices look absent.
    """
    landings = [lnd for lnd in lake.landings(source) if lnd.completed]
    if not landings:
        return None
    newest = landings[-1]
    if replay:
        return newest
    promoted = lake.promoted_landings(source)
    return None if newest.landing_id in promoted else newest


INCIDENT_FEEDS = frozenset({"file:incidents"})


def pending_file_landings(lake: Lake, *, replay: bool = False) -> list[Landing]:
    """Landed device-feed files not yet promoted, oldest first (with ``replay``: each feed's newest)."""
    pending: list[Landing] = []
    for source in lake.raw_sources():
        if not source.startswith(FILE_PREFIX) or source in INCIDENT_FEEDS:
            continue
        landings = lake.landings(source)
        if replay:
            pending.extend(landings[-1:])
        else:
            promoted = set(lake.promoted_landings(source))
            pending.extend(lnd for lnd in landings if lnd.landing_id not in promoted)
    return sorted(pending, key=lambda lnd: lnd.started_at)


@dataclass
class IncidentBatch:
    """Incident rows of newly landed incident-feed files."""

    frame: pd.DataFrame
    bad_rows: pd.DataFrame  # origin + reason of rows the connector rejected (kept in the raw landing)
    landings: list[Landing]


def pending_incidents(lake: Lake) -> IncidentBatch:
    """Incident-feed landings not yet linked, as one frame of incident rows."""
    rows: list[pd.DataFrame] = []
    bad: list[pd.DataFrame] = []
    landings: list[Landing] = []
    for source in INCIDENT_FEEDS & set(lake.raw_sources()):
        consumed = set(lake.consumed_landings(source))
        for landing in lake.landings(source):
            if landing.landing_id in consumed:
                continue
            raw = lake.read_raw(landing)
            ok = raw["error"].isna()
            payloads = [orjson.loads(p) for p in raw.loc[ok, "payload"]]
            rows.append(pd.DataFrame(payloads))
            bad.append(raw.loc[~ok, ["origin", "error"]])
            landings.append(landing)
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    bad_rows = pd.concat(bad, ignore_index=True) if bad else pd.DataFrame(columns=["origin", "error"])
    return IncidentBatch(frame, bad_rows, landings)


def normalize_landing(
    lake: Lake, landing: Landing, *, registry: JunkRegistry | None = None
) -> NormalizedBatch:
    raw = lake.read_raw(landing)
    frame = quarantine_repeated_keys(normalize(raw, registry=registry))
    payloads = _quarantine_payloads(raw, frame)
    return NormalizedBatch(landing.source, frame, [landing.landing_id], landing.completed, payloads)


def quarantine_repeated_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the last usable record per record_key; earlier ones go to quarantine, not to /dev/null.

    Keyset paging can deliver a renamed device twice, and a spreadsheet can repeat an asset tag.
    """
    usable = frame["quarantine_reason"].isna() & frame["record_key"].notna()
    repeated = usable & frame["record_key"].where(usable).duplicated(keep="last")
    if repeated.any():
        frame = frame.copy()
        frame.loc[repeated, "quarantine_reason"] = (
            "DUPLICATE_KEY: a later record of this source has the same key"
        )
    return frame


def _quarantine_payloads(raw: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The raw payload of every quarantined record, so the quarantine table shows what arrived."""
    mask = frame["quarantine_reason"].notna().to_numpy()
    rows = raw.loc[mask, ["source", "source_record_id", "origin", "payload"]].reset_index(drop=True)
    rows["reason"] = frame.loc[mask, "quarantine_reason"].to_numpy()
    return rows


def stage(lake: Lake, batch: NormalizedBatch, run_id: str) -> None:
    """Stage this run's normalized records and quarantine payloads until the repository commits."""
    lake.stage_normalized(
        batch.source, run_id, batch.frame, landing_ids=batch.landing_ids, completed=batch.completed
    )
    lake.stage_quarantine(batch.source, run_id, batch.quarantine_payloads)


# ---- reconcile -------------------------------------------------------------------------------
@dataclass
class RunInputs:
    """Every source's current records: this run's staged batches over the promoted snapshots."""

    records: pd.DataFrame
    sources_in_run: list[str]
    completed_sources: dict[str, bool]
    delta_feeds: set[str] = field(default_factory=set)


def gather_records(lake: Lake, run_id: str, *, delta_feeds: Iterable[str] = ()) -> RunInputs:
    """Combine the promoted snapshot of every source with what this run staged.

    A staged API source or full-mode feed replaces its snapshot; a delta-mode feed is
    merged into it by record key (the newer record wins).
    """
    delta = {f"{FILE_PREFIX}{f}" if not f.startswith(FILE_PREFIX) else f for f in delta_feeds}
    frames: list[pd.DataFrame] = []
    in_run: list[str] = []
    completed: dict[str, bool] = {}
    sources = set(lake.current_sources()) | set(lake.staged_sources(run_id))
    for source in sorted(sources):
        staged = lake.read_staged(source, run_id)
        current = lake.read_current(source)
        if staged is None:
            frames.append(current)
            completed[source] = False  # nothing new extracted this run: absence proves nothing
            continue
        in_run.append(source)
        completed[source] = lake.staged_completed(source, run_id)
        if source in delta and current is not None:
            merged = pd.concat([current, staged], ignore_index=True)
            frames.append(merged.drop_duplicates("record_key", keep="last"))
            completed[source] = False  # a delta file never proves absence
        else:
            frames.append(staged)
    frames = [f for f in frames if f is not None and len(f)]
    records = pd.concat(frames, ignore_index=True) if frames else conform(pd.DataFrame(), NORMALIZED_SCHEMA)
    return RunInputs(records, in_run, completed, delta)


def build_plan(
    engine: Engine,
    inputs: RunInputs,
    *,
    run_id: str,
    config: ReconcileConfig | None = None,
    now: datetime | None = None,
) -> ReconciliationPlan:
    state = load_state(engine)
    if config is None:
        config = load_config(settings.raw("ITAM_RECONCILIATION_CONFIG"))
    return reconcile(
        inputs.records,
        state,
        run_id=run_id,
        now=now or now_utc(),
        completed_sources=inputs.completed_sources,
        config=config,
    )


def restrict_to_run(plan: ReconciliationPlan, lake: Lake, inputs: RunInputs) -> ReconciliationPlan:
    """Quarantine and counts only for the sources extracted in this run, with raw payloads attached.

    Other sources' records take part in matching but were already accounted for in their own run.
    """
    q = plan.quarantine
    if len(q):
        q = q[q["source"].isin(inputs.sources_in_run)].copy()
        payloads = lake.read_staged_quarantine(inputs.sources_in_run, plan.run_id)
        if len(payloads) and len(q):
            keyed = payloads.drop_duplicates(["source", "source_record_id", "origin"])
            q = q.drop(columns=["payload"]).merge(
                keyed[["source", "source_record_id", "origin", "payload"]],
                on=["source", "source_record_id", "origin"],
                how="left",
            )
        q = q.reindex(columns=list(QUARANTINE_COLUMNS))
    plan.quarantine = q
    plan.counts = {s: c for s, c in plan.counts.items() if s in inputs.sources_in_run}
    return plan


def save_plan(lake: Lake, plan: ReconciliationPlan, inputs: RunInputs) -> Path:
    """Hand the plan from the reconcile step to the write step (separate processes).

    Pickle is fine here: both ends are this code base in one run, and the file is deleted
    once the write committed.
    """
    path = lake.root / "plans" / f"{plan.run_id}.pkl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        pickle.dump({"plan": plan, "inputs": inputs}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def load_plan(lake: Lake, run_id: str) -> tuple[ReconciliationPlan, RunInputs]:
    path = lake.root / "plans" / f"{run_id}.pkl"
    if not path.exists():
        raise FileNotFoundError(f"no reconciliation plan for run {run_id}: run the reconcile step first")
    with path.open("rb") as fh:
        saved = pickle.load(fh)
    return saved["plan"], saved["inputs"]


def discard_plan(lake: Lake, run_id: str) -> None:
    (lake.root / "plans" / f"{run_id}.pkl").unlink(missing_ok=True)


# ---- apply -----------------------------------------------------------------------------------
def commit(
    engine: Engine,
    lake: Lake,
    plan: ReconciliationPlan,
    inputs: RunInputs,
    *,
    thresholds: Thresholds | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> ApplyResult:
    """Write the plan in one transaction, then promote this run's staged snapshots."""
    result = apply_plan(engine, plan, run_id=plan.run_id, dry_run=dry_run, thresholds=thresholds, force=force)
    if not dry_run:
        for source in inputs.sources_in_run:
            lake.promote_staged(source, plan.run_id, merge=source in inputs.delta_feeds)
    return result

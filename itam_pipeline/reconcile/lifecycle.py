"""Lifecycle: the status of every asset, decided from evidence through a declared state machine.

Evidence, strongest first:

1. a manual status override;
2. a *hard* source hint on a current, non-superseded record (disposal or retirement rows,
   Intune retire/wipe, repair): always;
3. a *soft* hint (procurement ``in_stock`` / ``on_order``): unless an agent or MDM saw the
   device within its active window;
4. absence: every link of the asset is gone from its source's latest *complete* extraction
   (or withdrawn by it, Miradore "Deleted") -> ``missing``; a failed extraction never makes a
   device disappear;
5. the latest check-in of an activity source (Intune, Device42, Miradore), against the
   asset type's windows -> ``active`` / ``stale`` / ``missing``. Degrading to stale or missing
   needs every source that reports the asset's check-ins to have completed its extraction: a
   source that failed would otherwise age its devices artificially;
6. a *weak* hint (a feed saying ``active``) when no check-in exists at all;
7. nothing: the status stays (a new asset starts in the configured default).

A transition the state machine forbids (``disposed -> active``: a disposed laptop checking in)
is not applied: it is reported with ``applied = false`` and reason FORBIDDEN_TRANSITION.
Merged-away assets become ``retired`` with reason MERGED.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from itam_pipeline.plan import STATUS_CHANGE_COLUMNS
from itam_pipeline.reconcile.config import HINT_STRENGTHS, LifecycleConfig
from itam_pipeline.reconcile.jsontext import json_object
from itam_pipeline.reconcile.vec import map_unique, take, utc_us
from itam_pipeline.schema import Status

FORBIDDEN = "FORBIDDEN_TRANSITION"
MERGED = "MERGED"
STATUSES = tuple(s.value for s in Status)
_CODE = {s: i for i, s in enumerate(STATUSES)}
_TERMINAL = (_CODE[Status.RETIRED.value], _CODE[Status.DISPOSED.value])
_NONE = -1


@dataclass
class LifecycleInputs:
    """Per-asset and per-link facts the state machine reads (assets as codes 0..n-1)."""

    asset_ids: pd.Index
    asset_type: pd.Series  # golden asset_type per asset code
    prior_status: pd.Series  # status before this run per asset code (NA for new assets)
    links: pd.DataFrame  # _asset_code, source, record_key, last_seen_at, present_in_last_complete
    hints: pd.DataFrame  # asset_code, source, record_key, lifecycle_hint (current, non-superseded)
    overrides: pd.DataFrame  # asset_code, value (manual status, latest last)
    merged: np.ndarray  # per asset code: merged away this run
    merged_into: pd.Series  # per asset code: survivor id or NA
    completed_sources: dict[str, bool]
    now: datetime


class _Decision:
    """Target status per asset with the rule and evidence that set it (later rules overwrite)."""

    def __init__(self, prior: np.ndarray, default: int) -> None:
        n = len(prior)
        self.target = np.where(prior == _NONE, default, prior)
        self.rule = np.where(prior == _NONE, "DEFAULT", "").astype(object)
        self.facts = np.full(n, -1, dtype=np.int64)  # evidence of the rule: 0 = check-in, 1 = hint

    def apply(self, mask: np.ndarray, status: np.ndarray | int, rule: str, facts: int = -1) -> None:
        mask = np.asarray(mask, dtype=bool)
        self.target[mask] = status[mask] if isinstance(status, np.ndarray) else status
        self.rule[mask] = rule
        self.facts[mask] = facts


def decide_status(inputs: LifecycleInputs, cfg: LifecycleConfig) -> tuple[pd.Series, pd.DataFrame]:
    """Final status per asset code and the STATUS_CHANGE rows (plus a ``source`` column for counters)."""
    n = len(inputs.asset_ids)
    prior = _codes(inputs.prior_status)
    decision = _Decision(prior, _CODE[cfg.default_status])

    activity = _activity(inputs, n, cfg)
    by_age = _status_by_age(activity["last_seen"], inputs.asset_type, cfg, inputs.now)
    has_age = by_age != _NONE
    recently_active = by_age == _CODE[Status.ACTIVE.value]
    hint = _strongest_hint(inputs.hints, n, cfg)

    decision.apply((hint["strength"] == "weak") & ~has_age, hint["status"], "SOURCE_HINT", 1)
    degrade_ok = activity["all_completed"] | (prior == _NONE)
    decision.apply(has_age & (recently_active | degrade_ok), by_age, "LAST_SEEN", 0)
    decision.apply(_absent_everywhere(inputs.links, n), _CODE[Status.MISSING.value], "ABSENT_FROM_SOURCES")
    soft = (hint["strength"] == "soft") & ~recently_active
    decision.apply(soft | (hint["strength"] == "hard"), hint["status"], "SOURCE_HINT", 1)
    override = _override_codes(inputs.overrides, n)
    decision.apply(override != _NONE, override, "MANUAL_OVERRIDE")
    merged = inputs.merged & ~np.isin(prior, _TERMINAL)
    decision.apply(merged, _CODE[Status.RETIRED.value], MERGED)
    return _transitions(inputs, prior, decision, activity, hint, merged, cfg)


def _codes(status: pd.Series) -> np.ndarray:
    codes = map_unique(
        pd.Series(status).astype("string"),
        lambda s: _CODE.get(s, _NONE) if isinstance(s, str) else _NONE,
        np.int64,
    )
    return np.asarray(codes, dtype=np.int64)


def _activity(inputs: LifecycleInputs, n: int, cfg: LifecycleConfig) -> dict[str, np.ndarray]:
    """Per asset: latest check-in (time, link row) and whether all its activity sources completed."""
    links = inputs.links
    asset = links["_asset_code"].to_numpy(np.int64)
    seen = utc_us(links["last_seen_at"])
    is_activity = map_unique(
        links["source"], lambda s: s is not None and cfg.is_activity_source(str(s)), bool
    )
    completed = map_unique(links["source"], lambda s: bool(inputs.completed_sources.get(s, False)), bool)
    use = is_activity & ~np.isnat(seen) & (asset >= 0)
    rows = np.flatnonzero(use)
    order = rows[np.lexsort((-seen[rows].astype(np.int64), asset[rows]))]
    first = order[np.r_[True, asset[order][1:] != asset[order][:-1]]] if order.size else order
    latest_row = np.full(n, -1, dtype=np.int64)
    latest_row[asset[first]] = first
    last_seen = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    last_seen[asset[first]] = seen[first]
    incomplete = np.bincount(asset[rows], weights=~completed[rows], minlength=n) > 0
    return {"last_seen": last_seen, "row": latest_row, "all_completed": ~incomplete}


def _status_by_age(
    last_seen: np.ndarray, asset_type: pd.Series, cfg: LifecycleConfig, now: datetime
) -> np.ndarray:
    """active / stale / missing code from the age of the latest check-in; -1 without one."""

    def window(asset_type: str | None, bound: str) -> float:
        return getattr(cfg.windows_by_asset_type.get(asset_type, cfg.default_window), bound)

    active_days = map_unique(asset_type, lambda t: window(t, "active_days"), float)
    stale_days = map_unique(asset_type, lambda t: window(t, "stale_days"), float)
    now_us = np.datetime64(pd.Timestamp(now).tz_convert("UTC").tz_localize(None), "us")
    age = (now_us - last_seen) / np.timedelta64(1, "D")
    status = np.where(
        age <= active_days,
        _CODE[Status.ACTIVE.value],
        np.where(age <= stale_days, _CODE[Status.STALE.value], _CODE[Status.MISSING.value]),
    )
    return np.where(np.isnat(last_seen), _NONE, status).astype(np.int64)


def _absent_everywhere(links: pd.DataFrame, n: int) -> np.ndarray:
    """Assets whose every link is absent from its source's latest complete extraction."""
    asset = links["_asset_code"].to_numpy(np.int64)
    present = links["present_in_last_complete"].to_numpy(dtype=bool)
    ok = asset >= 0
    linked = np.bincount(asset[ok], minlength=n) > 0
    any_present = np.bincount(asset[ok], weights=present[ok], minlength=n) > 0
    return linked & ~any_present


def _strongest_hint(hints: pd.DataFrame, n: int, cfg: LifecycleConfig) -> dict[str, np.ndarray]:
    """Per asset: the strongest mapped hint (status code, strength, row into ``hints``)."""
    rules = cfg.hints
    names = list(rules)
    rank = map_unique(hints["lifecycle_hint"], lambda h: names.index(h) if h in rules else -1, np.int64)
    strength_rank = np.array([HINT_STRENGTHS.index(rules[h].strength) for h in names] + [0], dtype=np.int64)
    order_key = strength_rank[rank] * len(names) + rank
    asset = hints["asset_code"].to_numpy(np.int64)
    rows = np.flatnonzero(rank >= 0)
    order = rows[np.lexsort((order_key[rows], asset[rows]))]
    first = order[np.r_[True, asset[order][1:] != asset[order][:-1]]] if order.size else order
    out = {
        "status": np.full(n, _NONE, np.int64),
        "strength": np.full(n, "", object),
        "row": np.full(n, -1, np.int64),
    }
    out["status"][asset[first]] = [_CODE[rules[names[r]].status] for r in rank[first]]
    out["strength"][asset[first]] = [rules[names[r]].strength for r in rank[first]]
    out["row"][asset[first]] = first
    return out


def _override_codes(overrides: pd.DataFrame, n: int) -> np.ndarray:
    out = np.full(n, _NONE, dtype=np.int64)
    if len(overrides):
        latest = overrides.drop_duplicates("asset_code", keep="last")
        out[latest["asset_code"].to_numpy(np.int64)] = _codes(latest["value"])
    return out


def _transitions(
    inputs: LifecycleInputs,
    prior: np.ndarray,
    decision: _Decision,
    activity: dict[str, np.ndarray],
    hint: dict[str, np.ndarray],
    merged: np.ndarray,
    cfg: LifecycleConfig,
) -> tuple[pd.Series, pd.DataFrame]:
    """Apply allowed transitions; report every change and every refused one."""
    allowed_table = np.array([[cfg.allows(a, b) for b in STATUSES] for a in STATUSES], dtype=bool)
    target = decision.target
    changed = np.flatnonzero(target != prior)
    allowed = np.ones(len(prior), dtype=bool)
    known = prior != _NONE
    allowed[known] = allowed_table[prior[known], target[known]]
    allowed |= merged
    final = np.where(allowed, target, prior)

    rows = changed
    facts = decision.facts[rows]
    link_row = np.where(facts == 0, activity["row"][rows], -1)
    hint_row = np.where(facts == 1, hint["row"][rows], -1)
    links, hints = inputs.links, inputs.hints
    source = take(links["source"].astype("string"), link_row).fillna(
        take(hints["source"].astype("string"), hint_row)
    )
    record = take(links["record_key"].astype("string"), link_row).fillna(
        take(hints["record_key"].astype("string"), hint_row)
    )
    evidence = json_object(
        {
            "rule": pd.Series(decision.rule[rows], dtype="string"),
            "source": source,
            "record_key": record,
            "last_seen_at": pd.Series(activity["last_seen"][rows]),
            "hint": take(hints["lifecycle_hint"].astype("string"), hint_row),
            "merged_into": take(inputs.merged_into.astype("string"), rows),
        }
    )
    status_names = np.array([*STATUSES, None], dtype=object)
    changes = pd.DataFrame(
        {
            "asset_id": take(inputs.asset_ids, rows).astype("string"),
            "from_status": pd.Series(status_names[prior[rows]], dtype="string"),
            "to_status": pd.Series(status_names[target[rows]], dtype="string"),
            "reason": pd.Series(np.where(allowed[rows], decision.rule[rows], FORBIDDEN), dtype="string"),
            "evidence": evidence.astype("string"),
            "applied": allowed[rows],
            "source": source.astype("string"),  # evidence source, for per-source counters
        }
    )
    return pd.Series(status_names[final], dtype="string"), changes[[*STATUS_CHANGE_COLUMNS, "source"]]

"""Survivorship: choose every golden attribute and record where it came from.

For each attribute the configured rule orders the candidate values of an asset's records:

* ``precedence`` - by source rank (ties by the source's own recency);
* ``recency`` - most recently observed first (rank only breaks exact ties).

In both modes a value older than the attribute's refresh window sorts after every fresh
value, so a stale top source yields to a fresh lower one (``fallback:stale``). Null never
competes (junk is already null after normalization), a manual override beats everything, and
when no current record has a value the asset keeps its previous golden value (``retained``).
Coupled attributes (cost and currency) come from the record that won their leader.

The work is vectorized: attributes sharing one rule share one sort of the records; the winner
of an attribute is then the first non-null value of each asset in that order. Provenance is
kept as integer codes until the very end and decoded column-wise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from itam_pipeline.plan import PROVENANCE_COLUMNS
from itam_pipeline.reconcile.config import AttributeRule, ReconcileConfig
from itam_pipeline.reconcile.vec import arrow_strings, take, to_utc, utc_us
from itam_pipeline.schema import GOLDEN_SCHEMA, SURVIVOR_ATTRIBUTES, pandas_dtypes

OVERRIDE_SOURCE = "manual"
RETAINED_SOURCE = "retained"
_GOLDEN_DTYPES = pandas_dtypes(GOLDEN_SCHEMA)
_DAY_US = 86_400 * 1_000_000
_ATTR_CODE = {a: i for i, a in enumerate(SURVIVOR_ATTRIBUTES)}


@dataclass
class Candidates:
    """Usable records already placed on assets."""

    records: pd.DataFrame  # normalized columns of the records
    asset_code: np.ndarray  # index into the plan's asset ids, per record
    observed: np.ndarray  # datetime64[us] (naive UTC): source time, else extraction time
    untimed: np.ndarray  # observed time is only the extraction time


@dataclass
class _Rules:
    """Provenance rule names, interned as small integer codes."""

    names: list[str] = field(default_factory=lambda: ["precedence", "recency", "fallback:stale"])

    def code(self, name: str) -> int:
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)


@dataclass
class _Winner:
    """Per asset with a value: the record that supplied it and why."""

    asset: np.ndarray
    row: np.ndarray
    rule: np.ndarray  # codes into _Rules.names


def survive(
    candidates: Candidates,
    asset_ids: pd.Index,
    previous: pd.DataFrame,
    overrides: pd.DataFrame,
    cfg: ReconcileConfig,
    now: datetime,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Golden attribute values (asset_id + SURVIVOR_ATTRIBUTES + seen times) and provenance rows."""
    rules = _Rules()
    values = _attribute_columns(candidates.records)
    winners = _winners_by_rule(candidates, values, cfg, now)
    _apply_coupling(winners, values, cfg, rules)
    n_assets = len(asset_ids)
    golden = {"asset_id": take(asset_ids, np.arange(n_assets)).astype("string")}
    for attr in SURVIVOR_ATTRIBUTES:
        source_row = np.full(n_assets, -1, dtype=np.int64)
        source_row[winners[attr].asset] = winners[attr].row
        golden[attr] = take(values[attr], source_row).astype(_GOLDEN_DTYPES[attr])
    frame = pd.DataFrame(golden)
    manual = _apply_overrides(frame, overrides)
    retained = _retain_previous(frame, previous, manual)
    frame = _seen_times(frame, candidates, previous)
    provenance = _provenance(winners, manual, retained, candidates, asset_ids, rules)
    return frame, provenance


def _attribute_columns(records: pd.DataFrame) -> dict[str, pd.Series]:
    """Candidate column per golden attribute (the primary MAC is the first identifying one)."""
    values = {a: records[a].reset_index(drop=True) for a in SURVIVOR_ATTRIBUTES if a in records.columns}
    macs = arrow_strings(records["mac_addresses"])
    first = pc.list_element(pc.split_pattern(macs, ";", max_splits=1), 0)
    values["mac_address"] = pd.Series(pd.arrays.ArrowStringArray(first)).astype("string")
    return values


def _winners_by_rule(
    c: Candidates, values: dict[str, pd.Series], cfg: ReconcileConfig, now: datetime
) -> dict[str, _Winner]:
    """The winning record per asset and attribute.

    Recency is ranked once (timed before untimed, newest first, ties share a rank); each rule
    then sorts one packed integer key: (asset, stale, rank, recency) for precedence rules,
    (asset, stale, recency, rank) for recency rules, then the record key.
    """
    src_codes, sources = pd.factorize(c.records["source"])
    observed = np.where(np.isnat(c.observed), 0, c.observed.astype(np.int64))  # unknown time = oldest
    age_days = (pd.Timestamp(now).value // 1000 - observed) / _DAY_US  # Timestamp.value is in ns
    recency = np.unique(np.where(c.untimed, 1, 0) * (1 << 60) - observed, return_inverse=True)[1].astype(
        np.int64
    )
    levels = np.int64(recency.max(initial=0) + 1)
    # Last tie-break: the record key. Records arrive in a different order every run, and a
    # tie decided by row order would move provenance back and forth between equal records:
    # rows are visited in record-key order and sorted stably.
    by_record_key = pc.array_sort_indices(arrow_strings(c.records["record_key"])).to_numpy()
    by_rule: dict[AttributeRule, list[str]] = {}
    for attr in SURVIVOR_ATTRIBUTES:
        by_rule.setdefault(cfg.attributes[attr], []).append(attr)
    out = {}
    for rule, attrs in by_rule.items():
        rank_of_source = np.array([_rank(rule, s) for s in sources] + [-1], dtype=np.int64)
        rank = rank_of_source[src_codes]
        stale = np.zeros(len(rank), dtype=bool)
        if rule.refresh_days is not None:
            stale = (age_days > rule.refresh_days) & ~c.untimed
        width = np.int64(rank.max(initial=0) + 2)
        head = c.asset_code * 2 + stale
        if rule.mode == "recency":  # newest first within (asset, stale); rank only breaks exact ties
            key = (head * levels + recency) * width + rank + 1
        else:
            key = (head * width + rank + 1) * levels + recency
        order = by_record_key[np.argsort(key[by_record_key], kind="stable")]
        eligible = (rank >= 0) & (c.asset_code >= 0)
        for attr in attrs:
            valid = eligible & values[attr].notna().to_numpy(dtype=bool)
            out[attr] = _first_per_asset(order, valid, c.asset_code, rank, stale, rule.mode)
    return out


def _rank(rule: AttributeRule, source: str) -> int:
    rank = rule.rank_of(str(source))
    return -1 if rank is None else rank


def _first_per_asset(
    order: np.ndarray,
    valid: np.ndarray,
    asset_code: np.ndarray,
    rank: np.ndarray,
    stale: np.ndarray,
    mode: str,
) -> _Winner:
    """Winning row per asset in ``order`` among ``valid`` rows, and why it won.

    ``order`` sorts by (asset, stale, rank, ...) in precedence mode, so a competitor of equal
    standing sits right after the winner and the best rank of an asset is a segment minimum.
    """
    pos = order[valid[order]]
    assets = asset_code[pos]
    starts = np.flatnonzero(np.r_[True, assets[1:] != assets[:-1]]) if pos.size else np.empty(0, np.int64)
    win = pos[starts]
    if mode == "recency":
        return _Winner(assets[starts], win, np.full(len(win), 1, dtype=np.int64))
    if not pos.size:
        return _Winner(assets[starts], win, np.empty(0, np.int64))
    best = np.minimum.reduceat(rank[pos], starts)
    runner = np.minimum(starts + 1, len(pos) - 1)
    nxt = pos[runner]
    tied = (
        (runner != starts)
        & (asset_code[nxt] == assets[starts])
        & (rank[nxt] == rank[win])
        & (stale[nxt] == stale[win])
    )
    # 0 precedence, 1 recency (a tie within one rank), 2 fallback:stale (a better rank was stale)
    rule = np.where(rank[win] > best, 2, np.where(tied, 1, 0))
    return _Winner(assets[starts], win, rule.astype(np.int64))


def _apply_coupling(
    winners: dict[str, _Winner], values: dict[str, pd.Series], cfg: ReconcileConfig, rules: _Rules
) -> None:
    """Followers take the value of the record that won their leader, when it has one."""
    for leader, followers in cfg.coupled.items():
        lead = winners[leader]
        code = rules.code(f"coupled:{leader}")
        for follower in followers:
            has = values[follower].iloc[lead.row].notna().to_numpy(dtype=bool)
            own = winners[follower]
            keep_own = ~np.isin(own.asset, lead.asset[has])
            asset = np.concatenate([lead.asset[has], own.asset[keep_own]])
            order = np.argsort(asset, kind="stable")
            winners[follower] = _Winner(
                asset[order],
                np.concatenate([lead.row[has], own.row[keep_own]])[order],
                np.concatenate([np.full(int(has.sum()), code, np.int64), own.rule[keep_own]])[order],
            )


def _apply_overrides(golden: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """Manual values win over every source; returns the applied overrides (asset_code, attribute, ...)."""
    if overrides is None or overrides.empty:
        return pd.DataFrame(columns=["asset_code", "attribute", "set_by", "set_at"])
    ov = overrides[overrides["attribute"].isin(SURVIVOR_ATTRIBUTES)].copy()
    ov["asset_code"] = pd.Index(golden["asset_id"]).get_indexer(ov["asset_id"])
    ov = ov[ov["asset_code"] >= 0]
    if "set_at" in ov.columns:
        ov = ov.sort_values("set_at", na_position="first", kind="stable")
    ov = ov.drop_duplicates(["asset_code", "attribute"], keep="last")
    for attr, rows in ov.groupby("attribute"):
        golden.loc[rows["asset_code"].to_numpy(), attr] = _cast(
            rows["value"], _GOLDEN_DTYPES[attr]
        ).to_numpy()
    for column in ("set_by", "set_at"):
        if column not in ov.columns:
            ov[column] = None
    return ov[["asset_code", "attribute", "set_by", "set_at"]]


def _cast(values: pd.Series, dtype: object) -> pd.Series:
    """Override text -> the attribute's golden dtype."""
    if dtype == "datetime64[s]":
        return pd.to_datetime(values, errors="coerce").astype("datetime64[s]")
    if isinstance(dtype, pd.BooleanDtype):
        truth = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
        return values.astype(str).str.lower().map(truth).astype(dtype)
    if isinstance(dtype, pd.Int64Dtype | pd.Float64Dtype):
        return pd.to_numeric(values, errors="coerce").astype(dtype)
    return values.astype(dtype)


def _retain_previous(golden: pd.DataFrame, previous: pd.DataFrame, manual: pd.DataFrame) -> pd.DataFrame:
    """Where no candidate supplied a value, keep the asset's previous golden value.

    Returns the retained cells (asset_code, attribute, observed_at).
    """
    empty = pd.DataFrame(
        {
            "asset_code": pd.Series(dtype=np.int64),
            "attribute": pd.Series(dtype=object),
            "observed_at": pd.Series(dtype="datetime64[us]"),
        }
    )
    if previous is None or previous.empty:
        return empty
    prev = previous.drop_duplicates("asset_id").set_index("asset_id").reindex(golden["asset_id"])
    last_seen = utc_us(prev["last_seen_at"]) if "last_seen_at" in prev else None
    kept = []
    for attr in SURVIVOR_ATTRIBUTES:
        if attr not in prev.columns:
            continue
        fill = golden[attr].isna().to_numpy(dtype=bool) & prev[attr].notna().to_numpy(dtype=bool)
        if len(manual):
            # A manual override decides the cell, even when it clears it (value null).
            fill[manual.loc[manual["attribute"] == attr, "asset_code"].to_numpy(np.int64)] = False
        if fill.any():
            golden.loc[fill, attr] = prev[attr].to_numpy()[fill]
            codes = np.flatnonzero(fill)
            kept.append(
                pd.DataFrame(
                    {
                        "asset_code": codes,
                        "attribute": attr,
                        "observed_at": last_seen[codes]
                        if last_seen is not None
                        else np.datetime64("NaT", "us"),
                    }
                )
            )
    return pd.concat(kept, ignore_index=True) if kept else empty


def _seen_times(golden: pd.DataFrame, c: Candidates, previous: pd.DataFrame) -> pd.DataFrame:
    """first_seen_at / last_seen_at: min / max over the asset's records and its previous values."""
    recs = c.records
    first = utc_us(recs["enrolled_at"].fillna(recs["last_seen_at"]).fillna(recs["extracted_at"]))
    last = utc_us(recs["last_seen_at"])
    on_asset = c.asset_code >= 0
    frame = pd.DataFrame({"code": c.asset_code[on_asset], "first": first[on_asset], "last": last[on_asset]})
    grouped = frame.groupby("code")
    n = len(golden)
    first_seen = grouped["first"].min().reindex(range(n)).to_numpy(dtype="datetime64[us]")
    last_seen = grouped["last"].max().reindex(range(n)).to_numpy(dtype="datetime64[us]")
    if previous is not None and not previous.empty:
        prev = previous.drop_duplicates("asset_id").set_index("asset_id").reindex(golden["asset_id"])
        first_seen = np.fmin(first_seen, utc_us(prev["first_seen_at"]))
        last_seen = np.fmax(last_seen, utc_us(prev["last_seen_at"]))
    golden["first_seen_at"] = to_utc(first_seen).set_axis(golden.index)
    golden["last_seen_at"] = to_utc(last_seen).set_axis(golden.index)
    return golden


def _provenance(
    winners: dict[str, _Winner],
    manual: pd.DataFrame,
    retained: pd.DataFrame,
    c: Candidates,
    asset_ids: pd.Index,
    rules: _Rules,
) -> pd.DataFrame:
    """PROVENANCE rows: record winners (minus overridden cells), overrides and retained values.

    Rows are grouped by attribute. Every text column is a categorical: a million-asset plan
    holds several million provenance rows, and each column repeats a limited set of values (an
    asset id once per attribute, a record id once per attribute it supplied).
    """
    n_attr = len(SURVIVOR_ATTRIBUTES)
    # Narrow integer codes: these columns have one entry per provenance row (~10 per asset),
    # so int64 intermediates would dominate the peak memory of a million-asset run.
    asset = np.concatenate(
        [winners[a].asset for a in SURVIVOR_ATTRIBUTES], dtype=np.int32, casting="same_kind"
    )
    attr = np.concatenate(
        [np.full(len(winners[a].asset), i, np.int8) for i, a in enumerate(SURVIVOR_ATTRIBUTES)]
    )
    row = np.concatenate([winners[a].row for a in SURVIVOR_ATTRIBUTES], dtype=np.int32, casting="same_kind")
    rule = np.concatenate([winners[a].rule for a in SURVIVOR_ATTRIBUTES], dtype=np.int8, casting="same_kind")
    manual_attr = manual["attribute"].map(_ATTR_CODE).to_numpy(dtype=np.int64)
    if len(manual):
        cell = asset.astype(np.int64) * n_attr + attr
        keep = ~np.isin(cell, manual["asset_code"].to_numpy(np.int64) * n_attr + manual_attr)
        asset, attr, row, rule = asset[keep], attr[keep], row[keep], rule[keep]
    src_codes, src_names = pd.factorize(c.records["source"])
    src_codes = src_codes.astype(np.int32)
    source_names = [*map(str, src_names), OVERRIDE_SOURCE, RETAINED_SOURCE]
    override_rule, retained_rule = rules.code("override"), rules.code("retained")
    retained_attr = retained["attribute"].map(_ATTR_CODE).to_numpy(dtype=np.int64)
    n_manual, n_kept = len(manual), len(retained)
    frame = pd.DataFrame(
        {
            "asset_id": pd.Categorical.from_codes(
                np.concatenate(
                    [
                        asset,
                        manual["asset_code"].to_numpy(np.int64),
                        retained["asset_code"].to_numpy(np.int64),
                    ],
                    dtype=np.int32,
                    casting="same_kind",
                ),
                dtype=pd.CategoricalDtype(asset_ids),
            ),
            "attribute": pd.Categorical.from_codes(
                np.concatenate([attr, manual_attr, retained_attr], dtype=np.int8, casting="same_kind"),
                categories=list(SURVIVOR_ATTRIBUTES),
            ),
            "source": pd.Categorical.from_codes(
                np.concatenate(
                    [src_codes[row], np.full(n_manual, len(src_names)), np.full(n_kept, len(src_names) + 1)],
                    dtype=np.int32,
                ),
                categories=source_names,
            ),
            "source_record_id": _record_ids(c.records["source_record_id"], row, manual["set_by"], n_kept),
            "observed_at": to_utc(
                np.concatenate(
                    [
                        c.observed[row],
                        utc_us(manual["set_at"]),
                        retained["observed_at"].to_numpy(dtype="datetime64[us]"),
                    ]
                )
            ),
            "rule": pd.Categorical.from_codes(
                np.concatenate(
                    [rule, np.full(n_manual, override_rule), np.full(n_kept, retained_rule)], dtype=np.int16
                ),
                categories=list(rules.names),
            ),
        }
    )
    return frame[list(PROVENANCE_COLUMNS)]


def _record_ids(
    record_ids: pd.Series, rows: np.ndarray, set_by: pd.Series, n_retained: int
) -> pd.Categorical:
    """source_record_id of record winners, then override authors, then nulls for retained values."""
    codes, names = pd.factorize(record_ids)
    extra_codes, extra_names = pd.factorize(set_by.astype("string"))
    categories = pd.Index(names).append(pd.Index(extra_names)).astype("string")
    if categories.has_duplicates:  # an override author named like a record id: share the category
        categories = categories.unique()
        extra_codes = np.where(extra_codes >= 0, categories.get_indexer(extra_names)[extra_codes], -1)
    else:
        extra_codes = np.where(extra_codes >= 0, extra_codes + len(names), -1)
    all_codes = np.concatenate(
        [codes.astype(np.int32)[rows], extra_codes, np.full(n_retained, -1)], dtype=np.int32
    )
    return pd.Categorical.from_codes(all_codes, dtype=pd.CategoricalDtype(categories))

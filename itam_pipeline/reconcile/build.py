"""Inputs of matching: existing assets, remembered identifiers, the key table and the graph.

Everything here turns records and repository state into integer arrays: record nodes
``0..n-1`` followed by one node per existing asset, key rows with value codes, and the
constrained attribute values that ``matching`` checks cannot-link limits against.

Remembered identifiers: an asset's identifiers from the repository take part in matching for
every source that no longer has a current record on it. A device whose Intune record was
deleted and re-created (re-enrolment) therefore finds its asset again even when no other
source reports it; identifiers of sources that still report the asset come from the current
records only, so a corrected value replaces a wrong one instead of living on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from itam_pipeline.plan import IDENTIFIER_COLUMNS, RepositoryState
from itam_pipeline.reconcile.config import ReconcileConfig
from itam_pipeline.reconcile.keys import (
    HOSTNAME_SEEN,
    RULE_ID_TYPE,
    memory_keys,
    record_keys,
    serial_match_values,
)
from itam_pipeline.reconcile.matching import Attributes, Graph
from itam_pipeline.reconcile.vec import index_in, map_unique, take, utc_us

_KINDS = ("serial", "imei", "asset_tag", "asset")
_NO_LIMIT = np.iinfo(np.int32).max


def existing_assets(state: RepositoryState) -> tuple[pd.Index, np.ndarray]:
    """Every known asset id (assets table and links), sorted, with its first_seen_at."""
    ids = pd.concat([state.assets["asset_id"], state.links["asset_id"]], ignore_index=True).dropna()
    existing = pd.Index(ids.astype("string").unique()).sort_values()
    first = state.assets.drop_duplicates("asset_id").set_index("asset_id")["first_seen_at"]
    first.index = first.index.astype("string")
    return existing, utc_us(first.reindex(existing))


def prior_asset_index(usable: pd.DataFrame, links: pd.DataFrame, existing: pd.Index) -> np.ndarray:
    """Index (into ``existing``) of each record's existing link, -1 when it has none."""
    if links.empty:
        return np.full(len(usable), -1, dtype=np.int64)
    at = index_in(usable["record_key"], links["record_key"])
    return index_in(take(links["asset_id"].astype("string"), at), pd.Series(existing))


def remembered_identifiers(
    state: RepositoryState, existing: pd.Index, usable: pd.DataFrame, prior: np.ndarray
) -> pd.DataFrame:
    """Remembered identifiers of (asset, source) pairs that have no current record."""
    ids = state.identifiers
    columns = ["node", *IDENTIFIER_COLUMNS]
    if ids.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in columns}).astype({"node": np.int64})
    linked = prior >= 0
    reporting = pd.DataFrame(
        {"asset": prior[linked], "source": usable["source"].to_numpy()[linked]}
    ).drop_duplicates()
    asset = index_in(ids["asset_id"], pd.Series(existing))
    mem = pd.DataFrame({"asset": asset, "source": ids["source"].to_numpy()})
    reported = (
        mem.merge(reporting.assign(_r=True), on=["asset", "source"], how="left")["_r"].notna().to_numpy()
    )
    kept = ids[(asset >= 0) & ~reported].copy()
    kept["node"] = len(usable) + asset[(asset >= 0) & ~reported]
    return kept.reset_index(drop=True)[columns]


def key_table(
    usable: pd.DataFrame, memory: pd.DataFrame, assets: pd.DataFrame, cfg: ReconcileConfig, now: pd.Timestamp
) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """All key rows with their tier, a value code per (rule, value) and source codes.

    Returns the keys, each record's serial match value and the source names of ``source_code``.
    """
    golden = assets.drop_duplicates("asset_id").set_index("asset_id")
    mem_serial = memory[(memory["id_type"] == RULE_ID_TYPE["serial"]).to_numpy(dtype=bool)]
    serials = serial_match_values(
        pd.concat([usable["serial_key"], mem_serial["id_value"]], ignore_index=True),
        pd.concat(
            [usable["manufacturer"], golden["manufacturer"].reindex(mem_serial["asset_id"])],
            ignore_index=True,
        ),
        pd.concat(
            [usable["is_virtual"], golden["is_virtual"].reindex(mem_serial["asset_id"])], ignore_index=True
        ),
    )
    serial_of_record = serials.iloc[: len(usable)].reset_index(drop=True)
    mem_values = pd.Series(pd.NA, index=memory.index, dtype="string")
    mem_values[mem_serial.index] = serials.iloc[len(usable) :].to_numpy()
    sources = sorted(set(usable["source"].dropna().unique()) | set(memory["source"].dropna().unique()))
    record_source = index_in(usable["source"], pd.Series(sources, dtype="string"))
    memory_source = index_in(memory["source"], pd.Series(sources, dtype="string"))
    keys = pd.concat(
        [
            record_keys(usable, serial_of_record, record_source, cfg, now),
            memory_keys(memory, mem_values, memory_source),
        ],
        ignore_index=True,
    )
    tier_of = {r.rule: i + 1 for i, r in enumerate(cfg.rules)} | {HOSTNAME_SEEN: len(cfg.rules) + 1}
    tier = map_unique(keys["rule"], lambda r: tier_of.get(r, 0), np.int64)
    keys = keys[tier > 0].reset_index(drop=True)
    keys["tier"] = tier[tier > 0]
    keys["vcode"] = value_codes(keys)
    return keys, serial_of_record, sources


def value_codes(keys: pd.DataFrame) -> np.ndarray:
    """One code per distinct (rule, value); codes of different rules never collide.

    Values are factorized rule by rule: several small hash tables are much faster than one
    table over every identifier at once.
    """
    rule = keys["rule"].cat.codes.to_numpy()
    codes = np.empty(len(keys), dtype=np.int64)
    offset = 0
    for code in np.unique(rule):
        rows = np.flatnonzero(rule == code)
        local = pd.factorize(take(keys["value"], rows))[0]
        codes[rows] = local + offset
        offset += int(local.max(initial=-1)) + 1
    return codes


def matching_graph(
    usable: pd.DataFrame, existing: pd.Index, prior: np.ndarray, keys: pd.DataFrame, cfg: ReconcileConfig
) -> Graph:
    """Integer graph for ``matching``: tier-0 links, owners, key rows and constrained attributes."""
    n, m = len(usable), len(existing)
    linked = np.flatnonzero(prior >= 0)
    owner_node = np.concatenate([linked, n + np.arange(m)]).astype(np.int64)
    owner_asset = np.concatenate([prior[linked], np.arange(m)]).astype(np.int64)
    matchable = keys[keys["rule"] != HOSTNAME_SEEN]
    strong = np.array([r.strong for r in cfg.rules], dtype=bool)
    weak_attrs, strong_attrs = attributes(matchable, owner_node, owner_asset, m, strong, cfg)
    return Graph(
        n_nodes=n + m,
        n_records=n,
        link_record=linked.astype(np.int64),
        link_asset=(n + prior[linked]).astype(np.int64),
        owner_node=owner_node,
        owner_asset=owner_asset,
        key_node=matchable["node"].to_numpy(np.int64),
        key_tier=matchable["tier"].to_numpy(np.int64),
        key_vcode=matchable["vcode"].to_numpy(np.int64),
        strong_tiers=strong,
        weak_attrs=weak_attrs,
        strong_attrs=strong_attrs,
    )


def attributes(
    keys: pd.DataFrame,
    owner_node: np.ndarray,
    owner_asset: np.ndarray,
    m: int,
    strong: np.ndarray,
    cfg: ReconcileConfig,
) -> tuple[Attributes, Attributes]:
    """Constrained values per node; existing assets as themselves (weak) or merge groups (strong)."""
    v = int(keys["vcode"].max()) + 1 if len(keys) else 0
    kind_of_val = np.zeros(v + 2 * m, dtype=np.int64)
    limited = [k for k in _KINDS[:3] if k in cfg.cannot_link]
    kind = map_unique(keys["rule"], lambda r: _KINDS.index(r) if r in limited else -1, np.int64)
    constrained = kind >= 0
    kind_of_val[keys["vcode"].to_numpy()[constrained]] = kind[constrained]
    kind_of_val[v:] = _KINDS.index("asset")
    limits = np.array([cfg.cannot_link.get(k, _NO_LIMIT) for k in _KINDS[:3]] + [1], dtype=np.int64)
    group = merge_groups(keys, owner_node, owner_asset, m, strong)
    base_node = keys["node"].to_numpy(np.int64)[constrained]
    base_val = keys["vcode"].to_numpy(np.int64)[constrained]

    def with_assets(asset_val: np.ndarray) -> Attributes:
        return Attributes(
            node=np.concatenate([base_node, owner_node]),
            val=np.concatenate([base_val, asset_val]),
            kind_of_val=kind_of_val,
            limit_of_kind=limits,
            kind_names=_KINDS,
        )

    return with_assets(v + owner_asset), with_assets(v + m + group[owner_asset])


def merge_groups(
    keys: pd.DataFrame, owner_node: np.ndarray, owner_asset: np.ndarray, m: int, strong: np.ndarray
) -> np.ndarray:
    """Existing assets that share a strong identifier value through their own nodes."""
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    asset_of_node = np.full(int(owner_node.max()) + 1, -1, dtype=np.int64)
    asset_of_node[owner_node] = owner_asset
    node = keys["node"].to_numpy()
    in_range = node < len(asset_of_node)
    owner = np.where(in_range, asset_of_node[np.minimum(node, len(asset_of_node) - 1)], -1)
    use = strong[keys["tier"].to_numpy() - 1] & (owner >= 0)
    pairs = pd.DataFrame({"vcode": keys["vcode"].to_numpy()[use], "asset": owner[use]}).drop_duplicates()
    hub = pairs.groupby("vcode")["asset"].transform("min").to_numpy()
    shared = coo_matrix((np.ones(len(pairs), np.int8), (pairs["asset"].to_numpy(), hub)), shape=(m, m))
    return connected_components(shared.tocsr(), directed=False)[1].astype(np.int64)

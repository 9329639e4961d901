"""Clustering records into devices: tiered union-find under cannot-link constraints.

Nodes are records plus one node per existing asset (carrying its remembered identifiers and
anchoring the asset's current links). Every identifier value is a *hyperedge* joining all the
nodes that carry it. Tiers are applied strongest first:

0. existing links (record -> its asset): always honoured, so asset ids stay stable;
1..n. the identifier rules of the configuration (serial, IMEI, UUID, Entra id, tag, MAC,
      corroborated host name).

Within a tier all hyperedges are applied at once (connected components over the current
clusters, ``scipy.sparse.csgraph``), then checked against the cannot-link constraints: a
merged cluster may not hold more distinct serials, IMEIs, asset tags or existing assets than
the limit, unless one of its parts already did (a tolerated pre-existing conflict never blocks
unrelated evidence). Conflicted groups are repaired in two steps, both vectorized:

* a hyperedge whose own clusters conflict (two laptops with different serials sharing a dock
  MAC) is dropped - a CANNOT_LINK;
* if the group still conflicts without those, the conflict is transitive (a serial-less
  record sitting between two different serials): every remaining hyperedge of the group is
  dropped too, because nothing says which side the record belongs to.

So a weak identifier never overrides a strong one: the strong tier already joined its
clusters, and the weak edge that would add a second serial is the one dropped.

Existing assets are one more constrained attribute. At weak tiers two existing assets never
merge; at strong tiers they merge only when one identifier value is carried by nodes of both
(the assets' own records share it) - a new record that merely points at two assets with two
different keys does not fuse them. Such a record is a MULTI_MATCH: it is taken out and the
clustering is re-run without it, so it influences nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from itam_pipeline.reconcile.vec import unique_sorted

NEVER = np.iinfo(np.int32).max
MAX_PASSES = 3


@dataclass
class Attributes:
    """Constrained attribute values per node: ``val`` codes index ``kind_of_val``."""

    node: np.ndarray
    val: np.ndarray
    kind_of_val: np.ndarray
    limit_of_kind: np.ndarray
    kind_names: tuple[str, ...]


@dataclass
class Graph:
    """Everything the clustering needs, as integer arrays."""

    n_nodes: int
    n_records: int
    link_record: np.ndarray  # tier-0 edges: record node ...
    link_asset: np.ndarray  # ... -> asset node
    owner_node: np.ndarray  # nodes that belong to an existing asset ...
    owner_asset: np.ndarray  # ... and that asset's index
    key_node: np.ndarray
    key_tier: np.ndarray  # 1-based tier of each key row
    key_vcode: np.ndarray  # identifier value code (unique across rules)
    strong_tiers: np.ndarray  # bool per tier (index 0 = tier 1)
    weak_attrs: Attributes  # existing assets as themselves
    strong_attrs: Attributes  # existing assets as merge groups


@dataclass
class Clustering:
    """Result of matching: final cluster label per node and what was held back."""

    labels: np.ndarray
    dropped: pd.DataFrame  # tier, vcode, reason (one row per dropped hyperedge)
    multi_match: pd.DataFrame  # node, asset, tier, vcode (one row per candidate asset and key)
    passes: int = 1
    removed: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


def match(graph: Graph) -> Clustering:
    """Cluster the graph; MULTI_MATCH records are removed and the clustering repeated."""
    removed = np.empty(0, np.int64)
    held: list[pd.DataFrame] = []
    result = _cluster(graph, removed)
    while not result.multi_match.empty and result.passes < MAX_PASSES:
        held.append(result.multi_match)
        removed = np.union1d(removed, result.multi_match["node"].to_numpy())
        passes = result.passes + 1
        result = _cluster(graph, removed)
        result.passes = passes
    if result.passes == MAX_PASSES and not result.multi_match.empty:
        # Still ambiguous after the last pass: hold those too rather than guess.
        held.append(result.multi_match)
        removed = np.union1d(removed, result.multi_match["node"].to_numpy())
    result.removed = removed
    result.multi_match = pd.concat(held, ignore_index=True) if held else result.multi_match.iloc[:0]
    return result


def _cluster(graph: Graph, removed: np.ndarray) -> Clustering:
    labels = np.arange(graph.n_nodes, dtype=np.int64)
    labels = _union_edges(labels, graph.link_record, graph.link_asset)
    owner_tier = np.full(graph.n_nodes, NEVER, dtype=np.int32)
    owner_tier[_owned_mask(labels, graph)[labels]] = 0
    keep_rows = ~np.isin(graph.key_node, removed)
    dropped, multi = [], []
    for tier in range(1, len(graph.strong_tiers) + 1):
        rows = keep_rows & (graph.key_tier == tier)
        attrs = graph.strong_attrs if graph.strong_tiers[tier - 1] else graph.weak_attrs
        node, vcode = graph.key_node[rows], graph.key_vcode[rows]
        outcome = _merge_tier(labels, node, vcode, attrs)
        if outcome.dropped_h.size:
            dropped.append(
                pd.DataFrame({"tier": tier, "vcode": outcome.dropped_h, "reason": outcome.reasons})
            )
            multi.append(_multi_match(graph, tier, labels, outcome, node, vcode, owner_tier))
        labels = outcome.labels
        owner_tier[(owner_tier == NEVER) & _owned_mask(labels, graph)[labels]] = tier
    return Clustering(
        labels=labels,
        dropped=_concat(dropped, {"tier": "int64", "vcode": "int64", "reason": "string"}),
        multi_match=_concat(multi, {"node": "int64", "asset": "int64", "tier": "int64", "vcode": "int64"}),
    )


@dataclass
class _TierOutcome:
    labels: np.ndarray
    dropped_h: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    reasons: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    pair_h: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # dropped (h, comp) pairs
    pair_comp: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


def _merge_tier(labels: np.ndarray, node: np.ndarray, vcode: np.ndarray, attrs: Attributes) -> _TierOutcome:
    """Apply one tier's hyperedges to the clusters, dropping those that break constraints."""
    ph, pc = _spanning_pairs(labels, node, vcode)
    if not ph.size:
        return _TierOutcome(labels)
    _, start, count = np.unique(ph, return_index=True, return_counts=True)
    comps, local = np.unique(pc, return_inverse=True)
    hub = np.searchsorted(
        comps, pc[np.repeat(start, count)]
    )  # each hyperedge joins its clusters to the first
    values = _comp_values(labels, attrs, comps)

    everything = np.ones(len(ph), dtype=bool)
    bad = _conflicted_pairs(everything, local, hub, comps, values, attrs)
    h_ids, h_of_pair = np.unique(ph[bad], return_inverse=True)
    direct_kinds = _conflicts(h_of_pair, pc[bad], values, attrs)
    direct = np.zeros(len(ph), dtype=bool)
    direct[bad] = direct_kinds.any(axis=1)[h_of_pair]
    candidate = bad & ~direct
    ambiguous = _conflicted_pairs(candidate, local, hub, comps, values, attrs)

    accept = ~bad | (candidate & ~ambiguous)
    dropped_h = unique_sorted(ph[~accept])
    return _TierOutcome(
        labels=_relabel(labels, comps, local[accept], hub[accept]),
        dropped_h=dropped_h,
        reasons=_reasons(direct_kinds, attrs)[np.searchsorted(h_ids, dropped_h)],
        pair_h=ph[~accept],
        pair_comp=pc[~accept],
    )


def _spanning_pairs(labels: np.ndarray, node: np.ndarray, vcode: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (hyperedge, cluster) pairs of the hyperedges that touch two clusters or more."""
    n = len(labels)
    pairs = unique_sorted(vcode.astype(np.int64) * n + labels[node])
    ph, pc = pairs // n, pairs % n
    _, count = np.unique(ph, return_counts=True)
    spans = np.repeat(count >= 2, count)
    return ph[spans], pc[spans]


def _conflicted_pairs(
    use: np.ndarray,
    local: np.ndarray,
    hub: np.ndarray,
    comps: np.ndarray,
    values: tuple[np.ndarray, np.ndarray],
    attrs: Attributes,
) -> np.ndarray:
    """Pairs (among ``use``) whose group - the clusters the ``use`` pairs connect - conflicts."""
    group = _components(len(comps), local[use], hub[use])
    members = unique_sorted(local[use])
    conflicted = np.zeros(len(comps), dtype=bool)
    flags = _conflicts(group[members], comps[members], values, attrs).any(axis=1)
    conflicted[: len(flags)] = flags
    return use & conflicted[group[local]]


def _reasons(direct_kinds: np.ndarray, attrs: Attributes) -> np.ndarray:
    """Why each hyperedge of a conflicted group was dropped: the conflicting kind, or 'ambiguous'."""
    names = np.asarray(attrs.kind_names, dtype=object)
    if not direct_kinds.size:
        return np.full(len(direct_kinds), "ambiguous", dtype=object)
    return np.where(direct_kinds.any(axis=1), names[direct_kinds.argmax(axis=1)], "ambiguous").astype(object)


def _comp_values(labels: np.ndarray, attrs: Attributes, comps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct constrained values per touched cluster, sorted by cluster: (comp, val)."""
    touched = np.zeros(len(labels), dtype=bool)
    touched[comps] = True
    comp = labels[attrs.node]
    sel = touched[comp]
    width = np.int64(len(attrs.kind_of_val))
    both = unique_sorted(comp[sel] * width + attrs.val[sel])
    return both // width, both % width


def _conflicts(
    member_group: np.ndarray,
    member_comp: np.ndarray,
    values: tuple[np.ndarray, np.ndarray],
    attrs: Attributes,
) -> np.ndarray:
    """Per group and kind: would uniting the member clusters break a cannot-link limit?

    A group conflicts on a kind when it holds more distinct values than both the limit and
    the largest count any single member already had.
    """
    n_groups = int(member_group.max()) + 1 if member_group.size else 0
    n_kinds = len(attrs.limit_of_kind)
    out = np.zeros((n_groups, n_kinds), dtype=bool)
    comp_of_val, val = values
    q, r = _gather(comp_of_val, member_comp)
    if not q.size:
        return out
    group, value = member_group[q], val[r]
    kind = attrs.kind_of_val[value]
    part, part_count = np.unique(q * n_kinds + kind, return_counts=True)
    max_part = np.zeros(n_groups * n_kinds, dtype=np.int64)
    np.maximum.at(max_part, member_group[part // n_kinds] * n_kinds + part % n_kinds, part_count)
    width = np.int64(len(attrs.kind_of_val))
    distinct = unique_sorted(group * width + value)
    slot = (distinct // width) * n_kinds + attrs.kind_of_val[distinct % width]
    count = np.bincount(slot, minlength=n_groups * n_kinds)
    limit = np.tile(attrs.limit_of_kind, n_groups)
    return (count > np.maximum(limit, max_part)).reshape(n_groups, n_kinds)


def _multi_match(
    graph: Graph,
    tier: int,
    before: np.ndarray,
    outcome: _TierOutcome,
    node: np.ndarray,
    vcode: np.ndarray,
    owner_tier: np.ndarray,
) -> pd.DataFrame:
    """New records whose dropped keys of this tier point at two or more existing assets.

    A strong identifier (serial, IMEI, UUID, Entra id) pointing at another asset than the
    record's other keys always counts. A weak one counts only while the record is not tied to
    an asset by a stronger tier: a laptop identified by its serial that also carries the dock
    MAC of another laptop is a cannot-link, not a multi-match.
    """
    carriers = (
        np.isin(vcode, outcome.dropped_h) & (node < graph.n_records) & ~np.isin(node, graph.link_record)
    )
    if not graph.strong_tiers[tier - 1]:
        carriers &= owner_tier[node] >= tier
    u, h = node[carriers], vcode[carriers]
    if not u.size:
        return pd.DataFrame(columns=["node", "asset", "tier", "vcode"])
    order = np.argsort(outcome.pair_h, kind="stable")
    q, r = _gather(outcome.pair_h[order], h)
    comps = outcome.pair_comp[order][r]
    owners_before = _comp_owners(before, graph)
    q2, r2 = _gather(owners_before[0], comps)
    via_key = pd.DataFrame({"node": u[q][q2], "asset": owners_before[1][r2], "vcode": h[q][q2]})
    owners_after = _comp_owners(outcome.labels, graph)
    q3, r3 = _gather(owners_after[0], outcome.labels[u])
    joined = pd.DataFrame({"node": u[q3], "asset": owners_after[1][r3], "vcode": -1})
    cand = pd.concat([via_key, joined], ignore_index=True).drop_duplicates(["node", "asset", "vcode"])
    n_assets = cand.drop_duplicates(["node", "asset"]).groupby("node").size()
    multi = cand[cand["node"].isin(n_assets[n_assets >= 2].index)].copy()
    multi["tier"] = tier
    return multi[["node", "asset", "tier", "vcode"]]


def _comp_owners(labels: np.ndarray, graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (cluster, asset index) pairs, sorted by cluster."""
    width = np.int64(graph.n_nodes)
    both = unique_sorted(labels[graph.owner_node] * width + graph.owner_asset)
    return both // width, both % width


def _owned_mask(labels: np.ndarray, graph: Graph) -> np.ndarray:
    owned = np.zeros(graph.n_nodes, dtype=bool)
    owned[labels[graph.owner_node]] = True
    return owned


def _gather(sorted_keys: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (query position, row position) pairs where ``sorted_keys[row] == query[pos]``."""
    left = np.searchsorted(sorted_keys, query, "left")
    count = np.searchsorted(sorted_keys, query, "right") - left
    total = int(count.sum())
    q = np.repeat(np.arange(len(query)), count)
    offset = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    return q, np.repeat(left, count) + offset


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes given undirected edges a-b."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n)).tocsr()
    return connected_components(graph, directed=False)[1]


def _union_edges(labels: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unite the clusters of a and b for every edge, unconditionally."""
    if not len(a):
        return labels
    comps, inverse = np.unique(np.concatenate([labels[a], labels[b]]), return_inverse=True)
    half = len(a)
    return _relabel(labels, comps, inverse[:half], inverse[half:])


def _relabel(labels: np.ndarray, comps: np.ndarray, a_local: np.ndarray, b_local: np.ndarray) -> np.ndarray:
    """Merge clusters ``comps[a_local]``-``comps[b_local]``; each result is named by its smallest comp."""
    if not len(a_local):
        return labels
    group = _components(len(comps), a_local, b_local)
    rep = np.full(group.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(rep, group, comps)
    mapping = np.arange(len(labels), dtype=np.int64)
    mapping[comps] = rep[group]
    return mapping[labels]


def _concat(frames: list[pd.DataFrame], dtypes: dict[str, str]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()})
    return pd.concat(frames, ignore_index=True).astype(dtypes)

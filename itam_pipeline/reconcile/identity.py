"""From clusters to asset ids: keep existing ids, merge where evidence says so, mint new ones.

* A cluster holding nodes of one existing asset keeps that asset's id.
* A cluster holding several existing assets (only possible through a strong identifier they
  share, see ``matching``) is one device recorded twice: the oldest asset survives (earliest
  ``first_seen_at``, then smallest id) and the others are *merged into* it. A merged asset is
  never deleted: it keeps its row, is set to ``retired`` with reason MERGED and a MERGED
  decision names the survivor, so its history stays queryable and active counts exclude it.
* A cluster of new records only gets a deterministic id: uuid5 of the namespace and the
  cluster's strongest identifier (``serial:<value>``, ``imei:<value>`` ...; a cluster without
  identifiers uses its smallest record_key). Replaying the same input yields the same ids,
  whatever the row order; an id already taken (an old, merged asset) falls back to the
  record_key and then to the run id, so ids are never reused.

Assets are handled as integer codes into one sorted index of asset ids.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from itam_pipeline.reconcile.matching import Graph
from itam_pipeline.reconcile.vec import arrow_strings, index_in, take, unique_sorted


@dataclass
class Identity:
    """Asset decisions of one run, as codes into ``asset_ids``."""

    asset_ids: pd.Index  # every asset of the plan (existing, new and merged), sorted, string dtype
    record_code: np.ndarray  # asset code per record node (-1 for held-back records)
    existing_code: np.ndarray  # asset code of each existing asset (graph asset index order)
    survivor_code: np.ndarray  # per asset code: the code of the asset it now lives on
    new_assets: pd.DataFrame  # asset_code, comp, anchor_node
    merges: pd.DataFrame  # asset_id (merged away), survivor

    @property
    def merged_away(self) -> np.ndarray:
        """Per asset code: merged into another asset this run."""
        return self.survivor_code != np.arange(len(self.survivor_code))


def assign_assets(
    labels: np.ndarray,
    graph: Graph,
    existing: pd.Index,
    first_seen: np.ndarray,
    keys: pd.DataFrame,
    record_keys: pd.Series,
    removed: np.ndarray,
    namespace: uuid.UUID,
    run_id: str,
) -> Identity:
    """Decide the asset of every record node.

    ``existing`` are the existing asset ids, sorted (graph asset index -> id); ``first_seen`` is
    aligned with it (datetime64); ``keys`` holds matchable rows (node, rule, value, vcode).
    """
    n_rec, m = graph.n_records, len(existing)
    survivor_of_comp, merges = _survivors(labels, graph, first_seen)
    active = np.ones(n_rec, dtype=bool)
    active[removed[removed < n_rec]] = False
    record_existing = survivor_of_comp[labels[:n_rec]]
    new = _new_assets(
        labels[:n_rec], active & (record_existing < 0), keys, record_keys, existing, namespace, run_id
    )

    every = pa.concat_arrays([arrow_strings(pd.Series(existing)), arrow_strings(new["asset_id"])])
    asset_ids = pd.Index(pd.arrays.ArrowStringArray(every.take(pc.array_sort_indices(every))))
    existing_code = index_in(pd.Series(existing), asset_ids)
    new_code = index_in(new["asset_id"], asset_ids)
    comp_new = np.full(len(labels), -1, dtype=np.int64)
    comp_new[new["comp"].to_numpy(np.int64)] = new_code
    record_code = np.where(
        record_existing >= 0,
        existing_code[np.maximum(record_existing, 0)] if m else -1,
        comp_new[labels[:n_rec]],
    )
    record_code[~active] = -1

    survivor_code = np.arange(len(asset_ids), dtype=np.int64)
    survivor_code[existing_code[merges["asset"]]] = existing_code[merges["survivor"]]
    return Identity(
        asset_ids=asset_ids,
        record_code=record_code.astype(np.int64),
        existing_code=existing_code,
        survivor_code=survivor_code,
        new_assets=pd.DataFrame(
            {
                "asset_code": new_code,
                "comp": new["comp"].to_numpy(np.int64),
                "anchor_node": new["anchor_node"].to_numpy(np.int64),
            }
        ),
        merges=pd.DataFrame(
            {
                "asset_id": existing.to_numpy(object)[merges["asset"]],
                "survivor": existing.to_numpy(object)[merges["survivor"]],
            }
        ),
    )


def _survivors(labels: np.ndarray, graph: Graph, first_seen: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Per cluster: the surviving existing asset (index) or -1; and the merged (asset, survivor) pairs.

    ``existing`` is sorted, so the asset index order is the id order for the tie-break.
    """
    owners = pd.DataFrame({"comp": labels[graph.owner_node], "asset": graph.owner_asset}).drop_duplicates()
    seen = first_seen[owners["asset"].to_numpy()] if len(first_seen) else np.empty(0, "datetime64[us]")
    seen = np.where(np.isnat(seen), np.datetime64("9999-12-31", "us"), seen).astype(np.int64)
    order = np.lexsort((owners["asset"].to_numpy(), seen, owners["comp"].to_numpy()))
    owners = owners.iloc[order]
    first = ~owners["comp"].duplicated().to_numpy()
    survivor_of_comp = np.full(len(labels), -1, dtype=np.int64)
    survivor_of_comp[owners["comp"].to_numpy()[first]] = owners["asset"].to_numpy()[first]
    merged = owners[~first]
    merges = pd.DataFrame(
        {"asset": merged["asset"].to_numpy(np.int64), "survivor": survivor_of_comp[merged["comp"].to_numpy()]}
    )
    return survivor_of_comp, merges


def _new_assets(
    comp_of_record: np.ndarray,
    is_new: np.ndarray,
    keys: pd.DataFrame,
    record_keys: pd.Series,
    existing: pd.Index,
    namespace: uuid.UUID,
    run_id: str,
) -> pd.DataFrame:
    """One row per new cluster: its id, the cluster and the record that anchors it."""
    nodes = np.flatnonzero(is_new)
    comps = unique_sorted(comp_of_record[nodes])
    anchor_node, key_name = _anchors(comp_of_record, is_new, keys, record_keys, comps, nodes)
    record_name = ("record:" + take(record_keys.astype("string"), anchor_node)).to_numpy(object)
    ids = uuid5_many(namespace, np.where(pd.isna(key_name), record_name, key_name))
    for fallback in (record_name, record_name + "|run:" + run_id):
        taken = pd.Index(ids).isin(existing) | pd.Index(ids).duplicated(keep=False)
        if taken.any():
            ids[taken] = uuid5_many(namespace, fallback[taken])
    return pd.DataFrame(
        {"asset_id": pd.array(ids, dtype="string"), "comp": comps, "anchor_node": anchor_node}
    )


def _anchors(
    comp_of_record: np.ndarray,
    is_new: np.ndarray,
    keys: pd.DataFrame,
    record_keys: pd.Series,
    comps: np.ndarray,
    nodes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per new cluster: the anchoring record and the ``rule:value`` name of its identifier.

    The anchor is the cluster's strongest identifier (lowest tier, then smallest value, then
    smallest record_key) - chosen by value, not by row position, so row order never matters.
    A cluster without identifiers is a single record: its name is None (the record_key is used).
    """
    node = keys["node"].to_numpy()
    on_new = node < len(is_new)
    on_new[on_new] = is_new[node[on_new]]
    rows = keys[on_new]
    comp = comp_of_record[rows["node"].to_numpy()]
    tier = rows["tier"].to_numpy()
    best = tier == pd.Series(tier).groupby(comp).transform("min").to_numpy()
    rows, comp = rows[best], comp[best]
    ranked = pa.table(
        {
            "comp": comp,
            "value": arrow_strings(rows["value"]),
            "record_key": arrow_strings(take(record_keys, rows["node"].to_numpy())),
            "row": np.arange(len(rows)),
        }
    ).sort_by([("comp", "ascending"), ("value", "ascending"), ("record_key", "ascending")])
    ordered = ranked.column("row").to_numpy()
    first = ordered[np.r_[True, np.diff(ranked.column("comp").to_numpy()) != 0]] if len(ordered) else ordered
    anchors = rows.iloc[first]
    at = _index_of(comp[first], comps)
    lone = pd.Series(nodes, index=comp_of_record[nodes]).groupby(level=0).first().reindex(comps).to_numpy()
    anchor_node = np.where(at >= 0, np.append(anchors["node"].to_numpy(), -1)[at], lone)
    names = (anchors["rule"].astype("string") + ":" + anchors["value"].astype("string")).to_numpy(object)
    return anchor_node.astype(np.int64), np.append(names, None)[at]


def _index_of(values: np.ndarray, lookup: np.ndarray) -> np.ndarray:
    """Position in ``values`` of each ``lookup`` item (-1 when absent); ``values`` are distinct."""
    position = pd.Index(values).get_indexer(lookup)
    return np.where(position >= 0, position, -1)


def string_rank(values: pd.Series) -> np.ndarray:
    """Rank of each string in sorted order (Arrow sort; nulls last)."""
    order = pc.array_sort_indices(arrow_strings(values), null_placement="at_end").to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _digest(seeded: hashlib._Hash, name: str) -> bytes:
    sha = seeded.copy()  # cheaper than hashing the namespace again for every name
    sha.update(name.encode("utf-8"))
    return sha.digest()[:16]


def uuid5_many(namespace: uuid.UUID, names: np.ndarray) -> np.ndarray:
    """``str(uuid.uuid5(namespace, name))`` for many names.

    Only the SHA-1 digests are computed per name (bounded by the number of *new assets*);
    version/variant bits and the hex formatting are applied column-wise.
    """
    seeded = hashlib.sha1(namespace.bytes, usedforsecurity=False)
    digests = b"".join([_digest(seeded, name) for name in names])
    raw = np.frombuffer(digests, dtype=np.uint8).reshape(-1, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x50  # version 5
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hexes = np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype="S32")
    text = pa.array(hexes.astype("U32"), type=pa.string())
    parts = [pc.utf8_slice_codeunits(text, a, b) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))]
    joined = pc.binary_join_element_wise(*parts, "-")
    return np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)

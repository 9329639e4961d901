"""Row and set hashes for change detection, and fast membership tests.

pandas' ``hash_array`` is SipHash-2-4 with a fixed key over each value, vectorized in C:
the same values give the same 64-bit hash in every process and on every machine. Column
hashes are folded into one per row with a multiply-xor.
Frames are cast to the declared dtypes first (``schema.conform``), because a value's hash
depends on its dtype (a timestamp in ns and in us are different integers). Hashes are
stored as signed BIGINT, which both databases hold natively.

Key columns are left out of a row's hash: a row is only ever compared with the stored row
of the same key, so hashing the key would cost time and detect nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from itam_pipeline.schema import conform

_COMBINE = np.uint64(0x100000001B3)  # odd multiplier mixing one column's hash into the row's
_NULL_HASH = np.iinfo(np.uint64).max  # what pandas hashes a missing category to


def row_hashes(frame: pd.DataFrame, schema: pa.Schema, columns: Sequence[str]) -> np.ndarray:
    """One int64 hash per row over ``columns`` (typed as in ``schema``), order-sensitive."""
    subset = pa.schema([schema.field(c) for c in columns])
    canonical = conform(frame, subset, keep_categories=True)
    combined = np.zeros(len(frame), dtype=np.uint64)
    for name in columns:
        combined = (combined * _COMBINE) ^ column_hashes(canonical[name])  # uint64 wraps: intended
    return combined.view(np.int64)


def column_hashes(values: pd.Series) -> np.ndarray:
    """``pd.util.hash_array`` of a column (uint64), computed faster for text.

    Text is dictionary-encoded by Arrow (or already categorical) and each distinct value
    hashed once. That gives what pandas gives a categorical - the hash of each value, and all
    ones for a null - the same whatever the column's repetition or dtype.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):  # text categories (see ``conform``)
        categories = np.asarray(values.cat.categories.array, dtype=object)
        return _by_code(categories, values.cat.codes.to_numpy())
    if not isinstance(values.dtype, pd.StringDtype):
        return pd.util.hash_array(values.array, categorize=False)
    text = pa.array(values.array, type=pa.large_string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    encoded = pc.dictionary_encode(text)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return _by_code(encoded.dictionary.to_numpy(zero_copy_only=False).astype(object), codes)


def _by_code(distinct: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Hash each distinct value once and spread the hashes by code (-1 = null)."""
    hashed = pd.util.hash_array(distinct, categorize=False) if len(distinct) else np.zeros(1, np.uint64)
    out = hashed.take(np.maximum(codes, 0))
    out[codes < 0] = _NULL_HASH
    return out


def set_hashes(positions: np.ndarray, hashes: np.ndarray, size: int) -> np.ndarray:
    """Order-independent hash of each owner's set of row hashes (wrapping uint64 sum).

    ``positions[i]`` is the owner (0 <= position < size) of the row hashed ``hashes[i]``.
    Owners without rows get 0. Callers drop duplicate rows first: a sum counts them twice.
    """
    sums = np.zeros(size, dtype=np.uint64)
    np.add.at(sums, positions, hashes.view(np.uint64))
    return sums.view(np.int64)


def isin(values: pd.Series, reference: pd.Series | pd.Index | Sequence[str]) -> np.ndarray:
    """Boolean mask: which ``values`` occur in ``reference`` (nulls never match).

    Arrow's hash-set kernel; pandas' ``isin`` on Arrow-backed strings builds a Python scalar
    per reference value, which takes seconds at a million rows.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    value_set = pa.array(pd.Series(reference, dtype="string").dropna().unique(), type=pa.string())
    found = pc.is_in(pa.array(values.astype("string"), type=pa.string()), value_set=value_set)
    return found.to_numpy(zero_copy_only=False).astype(bool, copy=False) & values.notna().to_numpy()


def duplicate_pairs(owners: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """Mask of rows repeating an earlier (owner, hash) pair."""
    # Fast path: one uint64 per pair. Exact duplicates always collide there, so no collision
    # proves there are none; only on a collision are the pairs compared exactly.
    mixed = np.sort(hashes.view(np.uint64) * _COMBINE + owners.astype(np.uint64))
    if not (mixed[1:] == mixed[:-1]).any():  # sorting beats a hash table at millions of rows
        return np.zeros(len(owners), dtype=bool)
    return pd.DataFrame({"owner": owners, "hash": hashes}).duplicated().to_numpy()


class KeyIndex:
    """Positions of text keys, found through their 64-bit hashes and then verified exactly.

    A pandas index over a million text keys hashes Python strings one by one; hashing the
    keys with ``hash_array`` and indexing the integers is several times faster. Every match
    is compared with the real key, so a hash collision can only cost speed (the exact
    fallback), never a wrong match.
    """

    def __init__(self, keys: pd.Series) -> None:
        self.keys = keys.reset_index(drop=True).astype("string")
        self.hashes = _key_hashes(self.keys)
        self._index = pd.Index(self.hashes)

    def __len__(self) -> int:
        return len(self.keys)

    def duplicated(self) -> np.ndarray:
        """Mask of keys that repeat an earlier key."""
        candidates = self._index.duplicated()
        if not candidates.any():
            return candidates
        return self.keys.duplicated().to_numpy()

    def positions(self, keys: pd.Series) -> np.ndarray:
        """Position of each of ``keys`` in this index, -1 where absent. Requires unique keys."""
        keys = keys.reset_index(drop=True).astype("string")
        if not self._index.is_unique:  # two different keys share a hash: match exactly
            return pd.Index(self.keys).get_indexer(keys)
        found = self._index.get_indexer(_key_hashes(keys))
        hit = found >= 0
        mine = pc.take(pa.array(self.keys, type=pa.large_string()), pa.array(found[hit]))
        theirs = pa.array(keys, type=pa.large_string()).filter(pa.array(hit))
        if not pc.all(pc.equal(mine, theirs)).as_py():  # a collision matched a different key
            return pd.Index(self.keys).get_indexer(keys)
        return found


def _key_hashes(keys: pd.Series) -> np.ndarray:
    return pd.util.hash_array(keys.array, categorize=False).view(np.int64)

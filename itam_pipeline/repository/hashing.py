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
_SAMPLE = 1000


def row_hashes(frame: pd.DataFrame, schema: pa.Schema, columns: Sequence[str]) -> np.ndarray:
    """One int64 hash per row over ``columns`` (typed as in ``schema``), order-sensitive."""
    subset = pa.schema([schema.field(c) for c in columns])
    canonical = conform(frame, subset)
    combined = np.zeros(len(frame), dtype=np.uint64)
    for name in columns:
        values = canonical[name].array
        column = pd.util.hash_array(values, categorize=_repetitive(values))
        combined = (combined * _COMBINE) ^ column  # uint64 arithmetic wraps: that is the intent
    return combined.view(np.int64)


def _repetitive(values: pd.api.extensions.ExtensionArray) -> bool:
    """Whether hashing distinct values once pays off (it only changes speed, never the hash)."""
    if not isinstance(values.dtype, pd.StringDtype):
        return False
    sample = values[:_SAMPLE]
    return len(pd.unique(sample)) * 2 < len(sample)


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
    mixed = hashes.view(np.uint64) * _COMBINE + owners.astype(np.uint64)
    if not pd.Series(mixed).duplicated().any():
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

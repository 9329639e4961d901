"""Small vectorization helpers shared by the reconciliation modules.

They exist because the obvious pandas spelling is often the slow one at a million rows:
``to_numpy()`` on a tz-aware column builds Python Timestamps, ``isin`` on Arrow strings with a
large lookup list iterates in Python, and ``Series.map(func)`` calls ``func`` per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

UTC_US = pd.DatetimeTZDtype("us", "UTC")


def arrow_strings(values: pd.Series | np.ndarray | list, large: bool = False) -> pa.Array:
    """A contiguous Arrow string array of ``values`` (pandas may hand back chunked arrays)."""
    array = pa.array(pd.Series(values).reset_index(drop=True).astype("string"))
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string() if large else pa.string())


def take(values: pd.Series | pd.api.extensions.ExtensionArray | np.ndarray, idx: np.ndarray) -> pd.Series:
    """``values[idx]`` with -1 meaning missing, keeping the column's dtype (no object detour).

    A contiguous run of positions (often: every row) is a zero-copy slice instead of a gather.
    """
    array = values.array if isinstance(values, pd.Series | pd.Index) else values
    idx = np.asarray(idx, dtype=np.int64)
    if idx.size and idx[0] >= 0 and idx[-1] - idx[0] == idx.size - 1 and (np.diff(idx) == 1).all():
        return pd.Series(array[idx[0] : idx[-1] + 1])
    return pd.Series(pd.api.extensions.take(array, idx, allow_fill=True))


def utc_us(values: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Timestamps as naive UTC ``datetime64[us]`` (NaT for missing)."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    stamps = pd.to_datetime(series, utc=True)
    return stamps.dt.tz_convert(None).to_numpy(dtype="datetime64[us]")


def to_utc(values: np.ndarray) -> pd.Series:
    """Naive UTC datetime64 values -> a tz-aware UTC column."""
    return pd.Series(np.asarray(values, dtype="datetime64[us]")).dt.tz_localize("UTC").astype(UTC_US)


def isin(values: pd.Series, lookup: Iterable[Any] | pd.Series | pd.Index) -> np.ndarray:
    """Boolean mask: which ``values`` occur in ``lookup`` (Arrow hash join, nulls never match)."""
    left = arrow_strings(values)
    right = arrow_strings(
        pd.Series(list(lookup) if not isinstance(lookup, pd.Series | pd.Index) else lookup).dropna()
    )
    if len(right) == 0:
        return np.zeros(len(left), dtype=bool)
    return pc.is_in(left, value_set=right).fill_null(False).to_numpy(zero_copy_only=False)


def map_unique(values: pd.Series, func: Callable[[Any], Any], dtype: object = object) -> np.ndarray:
    """``func`` applied once per distinct value (for low-cardinality columns like source names)."""
    codes, uniques = pd.factorize(values)
    mapped = np.array([func(u) for u in uniques] + [func(None)], dtype=dtype)
    return mapped[codes]


def decode(codes: np.ndarray, names: list[str] | tuple[str, ...]) -> pd.Series:
    """Small-integer codes -> a ``string`` column (-1 -> missing), decoded in Arrow."""
    dictionary = pa.array(list(names), type=pa.string())
    indices = pa.array(np.asarray(codes, dtype=np.int32), mask=np.asarray(codes) < 0)
    decoded = pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(decoded)).astype("string")


def recode(values: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Map a low-cardinality text column through ``mapping`` (unmapped or null -> missing)."""
    codes, uniques = pd.factorize(pd.Series(values).reset_index(drop=True))
    targets = [mapping.get(u) for u in uniques]
    names = sorted({t for t in targets if t is not None})
    lookup = np.array([names.index(t) if t is not None else -1 for t in targets] + [-1], dtype=np.int64)
    return decode(lookup[codes], names)


def index_in(values: pd.Series | pd.Index, lookup: pd.Series | pd.Index) -> np.ndarray:
    """Position of each value in ``lookup`` (-1 when absent); an Arrow hash join."""
    left = arrow_strings(values)
    right = arrow_strings(lookup)
    found = pc.index_in(left, value_set=right)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def group_sizes(keys: np.ndarray) -> np.ndarray:
    """For each element, how many elements share its key (integer keys; one sort)."""
    keys = np.asarray(keys)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    new_run = np.r_[True, ordered[1:] != ordered[:-1]] if keys.size else np.zeros(0, bool)
    counts = np.diff(np.r_[np.flatnonzero(new_run), keys.size])
    sizes = np.empty(keys.size, dtype=np.int64)
    sizes[order] = counts[np.cumsum(new_run) - 1]
    return sizes


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array.

    Same result as ``np.unique(values)``, whose hash-based path in numpy 2.x is an order of
    magnitude slower than sorting on large high-cardinality integer arrays.
    """
    ordered = np.sort(np.asarray(values), kind="stable")
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if ordered.size else ordered

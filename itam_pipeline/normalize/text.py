"""Small vectorized text helpers shared by the normalizers.

Every normalizer works on Arrow-backed pandas string Series: ``.str`` methods then run as Arrow
compute kernels (RE2 regexes) over the whole column instead of a Python loop per value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

STRING = pd.StringDtype("pyarrow")


def as_text(values: Iterable[Any] | pd.Series, index: pd.Index | None = None) -> pd.Series:
    """A string Series from arbitrary values (``None`` stays null, everything else becomes text)."""
    if isinstance(values, pd.Series):
        series = values if values.dtype == STRING else values.astype(STRING)
        return series if index is None else series.set_axis(index)
    return pd.Series(pd.array(list(values), dtype=STRING), index=index)


def clean(values: pd.Series) -> pd.Series:
    """NFKC-normalize and trim; empty and whitespace-only text becomes null.

    NFKC folds full-width letters, non-breaking spaces and ligatures into their plain forms, so
    ``"ＣＺ１２３"`` and ``"CZ123"`` compare equal.
    """
    text = as_text(values)
    array = arrow_strings(text)
    # NFKC leaves ASCII unchanged; skipping it for all-ASCII columns saves most of its cost.
    if not pc.all(pc.string_is_ascii(array), min_count=0).as_py():
        array = pc.utf8_normalize(array, "NFKC")
    array = pc.utf8_trim_whitespace(array)
    array = pc.if_else(pc.equal(pc.utf8_length(array), 0), pa.scalar(None, array.type), array)
    return from_arrow(array, text.index)


def arrow_strings(values: pd.Series) -> pa.Array:
    """The Arrow string array behind a string Series (one chunk, no copy when possible)."""
    array = pa.array(as_text(values).array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def from_arrow(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """A string Series over an Arrow string array."""
    return pd.Series(pd.arrays.ArrowStringArray(array), index=index, dtype=STRING)


def join_pieces(pieces: Sequence[pd.Series], separator: str) -> pd.Series:
    """Element-wise join of string Series with ``separator``; null where any piece is null.

    One Arrow kernel call instead of a chain of ``+`` (each of which copies the whole column).
    """
    arrays = [arrow_strings(p) for p in pieces]
    joined = pc.binary_join_element_wise(*arrays, pa.scalar(separator, arrays[0].type))
    return from_arrow(joined, pieces[0].index)


def first_label(checks: Sequence[tuple[str, np.ndarray]], index: pd.Index) -> pd.Series:
    """Per row, the name of the first check whose mask holds; null where none holds."""
    if not checks:
        return pd.Series(pd.NA, index=index, dtype=STRING)
    names = pa.array([name for name, _ in checks], type=pa.large_string())
    choice = np.select([mask for _, mask in checks], np.arange(len(checks)), default=-1)
    indices = pa.array(choice, mask=choice < 0)
    return from_arrow(pc.take(names, indices), index)


def collapse_spaces(values: pd.Series) -> pd.Series:
    """Runs of whitespace replaced by one space."""
    return values.str.replace(r"[ \t\r\n\f\v]+", " ", regex=True)


def flag(values: pd.Series | np.ndarray) -> np.ndarray:
    """A plain numpy bool array from a (nullable) boolean Series; null counts as False."""
    if isinstance(values, np.ndarray):
        return values.astype(bool)
    return values.to_numpy(dtype=bool, na_value=False)


def null_where(values: pd.Series, condition: np.ndarray) -> pd.Series:
    """``values`` with null wherever ``condition`` holds."""
    return values.mask(pd.Series(condition, index=values.index))


def first_present(candidates: Sequence[pd.Series]) -> pd.Series:
    """Element-wise first non-null value across ``candidates`` (all on the same index)."""
    result = candidates[0]
    for candidate in candidates[1:]:
        result = result.fillna(candidate)
    return result


def map_distinct(frame: pd.DataFrame, func: Callable[..., Any]) -> tuple[np.ndarray, list[Any]]:
    """Apply ``func(*row)`` once per distinct row of ``frame``.

    Returns ``(codes, results)``: row ``i`` maps to ``results[codes[i]]``. Used for rule tables
    over low-cardinality columns (operating system, model, manufacturer): a million devices share
    a few hundred distinct combinations, so the readable per-combination Python rule runs a few
    hundred times, not a million.
    """
    if frame.empty:
        return np.empty(0, dtype=np.int64), []
    filled = frame.astype(STRING).fillna("")
    codes = filled.groupby(list(filled.columns), sort=False, dropna=False).ngroup().to_numpy()
    first_rows = np.unique(codes, return_index=True)[1]
    # ngroup numbers groups 0..k-1, so distinct row i carries group code i.
    distinct = filled.iloc[first_rows].itertuples(index=False, name=None)
    return codes, [func(*row) for row in distinct]


def take_text(labels: Sequence[str | None], codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``labels[codes[i]]`` per row as a string Series; code -1 gives null (an Arrow take)."""
    table = pa.array(list(labels), type=pa.large_string())
    indices = pa.array(codes, mask=np.asarray(codes) < 0)
    return from_arrow(pc.take(table, indices), index)


def map_values(values: pd.Series, func: Callable[[str], str | None]) -> pd.Series:
    """Apply a text rule to each distinct non-null value of a string Series; nulls stay null."""
    codes, uniques = pd.factorize(values)
    return take_text([func(u) for u in uniques], codes, values.index)

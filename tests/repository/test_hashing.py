"""Change-detection hashes are stable across processes and dtypes, and sensitive to values."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from itam_pipeline.repository.hashing import KeyIndex, duplicate_pairs, row_hashes, set_hashes

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = pa.schema(
    [
        pa.field("name", pa.string()),
        pa.field("seen", pa.timestamp("us", tz="UTC")),
        pa.field("bought", pa.date32()),
        pa.field("cost", pa.float64()),
        pa.field("flag", pa.bool_()),
        pa.field("size", pa.int64()),
    ]
)
FRAME = {
    "name": ["a", "", None],
    "seen": [pd.Timestamp("2025-01-01T00:00:00Z"), None, pd.Timestamp("2025-01-01T00:00:00.000001Z")],
    "bought": [pd.Timestamp("2024-02-29"), None, pd.Timestamp("2024-03-01")],
    "cost": [1.5, None, 0.0],
    "flag": [True, None, False],
    "size": [1, None, 0],
}
HASH_IN_A_NEW_PROCESS = textwrap.dedent(
    """
    import pandas as pd
    from itam_pipeline.repository.hashing import row_hashes
    from tests.repository.test_hashing import FRAME, SCHEMA
    print(list(row_hashes(pd.DataFrame(FRAME), SCHEMA, SCHEMA.names)))
    """
)


def test_row_hashes_are_the_same_in_another_process() -> None:
    here = list(row_hashes(pd.DataFrame(FRAME), SCHEMA, SCHEMA.names))
    result = subprocess.run(
        [sys.executable, "-c", HASH_IN_A_NEW_PROCESS], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == str(here)


def test_row_hashes_ignore_dtype_variants_but_see_every_value() -> None:
    frame = pd.DataFrame(FRAME)
    base = row_hashes(frame, SCHEMA, SCHEMA.names)
    variant = frame.astype({"name": "object"}).assign(
        seen=pd.to_datetime(frame["seen"], utc=True).astype("datetime64[ns, UTC]"),
        size=frame["size"].astype("float64"),
    )
    assert (row_hashes(variant, SCHEMA, SCHEMA.names) == base).all()
    assert len(set(base)) == 3  # null, empty string and zero are all different values
    changes = (("name", "b"), ("seen", pd.Timestamp("2025-01-01T00:00:01Z")), ("cost", 1.51), ("flag", False))
    for column, value in changes:
        changed = frame.copy()
        changed.loc[0, column] = value
        hashes = row_hashes(changed, SCHEMA, SCHEMA.names)
        assert hashes[0] != base[0] and (hashes[1:] == base[1:]).all(), column


def test_set_hashes_ignore_row_order() -> None:
    hashes = np.array([11, 22, 33], dtype=np.int64)
    owners = np.array([0, 1, 0])
    assert list(set_hashes(owners, hashes, 3)) == list(set_hashes(owners[::-1], hashes[::-1], 3))
    assert set_hashes(owners, hashes, 3)[2] == 0  # no rows: 0
    assert list(duplicate_pairs(np.array([0, 0, 1]), np.array([5, 5, 5], dtype=np.int64))) == [
        False,
        True,
        False,
    ]


def test_key_index_finds_positions_and_duplicates() -> None:
    index = KeyIndex(pd.Series(["intune|1", "intune|2", "device42|1"]))
    assert list(index.positions(pd.Series(["device42|1", "miradore|9", "intune|1"]))) == [2, -1, 0]
    assert not index.duplicated().any()
    assert list(KeyIndex(pd.Series(["x", "y", "x"])).duplicated()) == [False, False, True]


def test_text_hashes_do_not_depend_on_how_repetitive_a_column_is() -> None:
    # A value (and a null) hashes the same in a column of repeats and in one of distinct values.
    repetitive = pd.Series(["a"] * 2000 + [None], dtype="string")
    distinct = pd.Series([f"v{i}" for i in range(2000)] + ["a", None], dtype="string")
    schema = pa.schema([pa.field("name", pa.string())])
    low = row_hashes(pd.DataFrame({"name": repetitive}), schema, ["name"])
    high = row_hashes(pd.DataFrame({"name": distinct}), schema, ["name"])
    assert low[0] == high[2000] and low[-1] == high[-1]
    as_category = pd.DataFrame({"name": distinct.astype("category")})
    assert (row_hashes(as_category, schema, ["name"]) == high).all()

"""Payload parsing: Arrow's JSON reader and the Python path give the same columns and errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from itam_pipeline.normalize import payloads
from itam_pipeline.normalize.payloads import Field, Records, extract
from itam_pipeline.normalize.text import arrow_strings

FIELDS = {
    "name": Field.TEXT,
    "InvDevice.SerialNumber": Field.TEXT,
    "ram": Field.NUMBER,
    "managed": Field.FLAG,
    "macs": Records({"mac": Field.TEXT, "port": Field.NUMBER}),
}
CLEAN = [
    {"name": "lt-001", "InvDevice.SerialNumber": "PF1", "ram": 16, "managed": True, "macs": [{"mac": "aa"}]},
    {"name": 'Zürich \\ "quoted"', "ram": 8.5, "managed": False, "macs": [], "extra": {"x": 1}},
    {},
]


def _series(rows: list[object]) -> pd.Series:
    return pd.Series([r if isinstance(r, str) or r is None else json.dumps(r) for r in rows], dtype="string")


def _python_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(payloads, "_read_ndjson", lambda texts, schema: None)


def _as_plain(extracted: payloads.Extracted) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {}
    for name, column in extracted.columns.items():
        if isinstance(column, np.ndarray):
            out[name] = [None if np.isnan(v) else float(v) for v in column]
        elif isinstance(column, pd.Series):
            out[name] = [None if pd.isna(v) else v for v in column]
        else:
            out[name] = column.to_pylist()
    out["errors"] = list(extracted.errors)
    return out


@pytest.mark.parametrize(
    "rows",
    [
        CLEAN,
        [*CLEAN, {"name": 12345, "ram": "16", "managed": "yes"}],  # off-type values: coerced
        [*CLEAN, "{not json", "[1, 2]", None],  # row errors: reported one by one
        [*CLEAN, '{"name":\n"two lines"}'],  # a payload over several lines
    ],
)
def test_the_arrow_reader_agrees_with_the_python_parser(
    rows: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _as_plain(extract(_series(rows), FIELDS))
    _python_only(monkeypatch)
    assert fast == _as_plain(extract(_series(rows), FIELDS))


def test_clean_payloads_take_the_arrow_reader() -> None:
    texts = arrow_strings(_series(CLEAN))
    schema = payloads._union_schema({0: FIELDS})
    assert schema is not None
    parsed = payloads._read_ndjson(texts, schema)
    assert parsed is not None and parsed.num_rows == len(CLEAN)
    bad = arrow_strings(_series([*CLEAN, "{not json"]))
    assert payloads._read_ndjson(bad, schema) is None


def test_payloads_that_are_not_one_object_each_never_shift_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two objects in one payload next to an empty one: the reader would find as many objects
    # as payloads, one row off. Such chunks must go the Python way.
    rows = [{"name": "a"}, '{"name": "b"}{"name": "c"}', "", "   ", {"name": "d"}]
    fast = _as_plain(extract(_series(rows), FIELDS))
    _python_only(monkeypatch)
    slow = _as_plain(extract(_series(rows), FIELDS))
    assert fast == slow
    assert fast["name"][0] == "a" and fast["name"][4] == "d"
    assert [e is not None for e in fast["errors"]] == [False, True, True, True, False]

"""Data-driven placeholder detection ("overloaded" identifier values).

Static junk lists catch the known placeholders; this catches the rest. A value that more
than K distinct records of one source carry (K = ``max_records_per_value``), or that records
of more than K different valid serials carry, identifies nothing: a shared dock or virtual
MAC, a cloned image's UUID, a tag copied down a spreadsheet column. Such values stop counting
as identifiers for matching and are reported for review.

Only values carried by more than K records at all can qualify, so the exact checks run on that
(small) subset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from itam_pipeline.reconcile.keys import HOSTNAME_SEEN, RULE_ID_TYPE

OVERLOADED_COLUMNS = ("id_type", "id_value", "records", "devices", "reason")
_REPORT_DTYPES = {
    "id_type": "string",
    "id_value": "string",
    "records": "Int64",
    "devices": "Int64",
    "reason": "string",
}


def find_overloaded(keys: pd.DataFrame, n_records: int, serial_of_record: pd.Series, k: int) -> np.ndarray:
    """Codes (``vcode``) of overloaded identifier values among the records' key rows.

    ``keys``: node, rule, vcode, source_code rows (memory nodes >= n_records are ignored);
    ``serial_of_record``: each record's serial match value (or NA).
    """
    crowded = _crowded_rows(keys, n_records, k)
    if crowded.empty:
        return np.empty(0, dtype=np.int64)
    per_source = crowded.groupby(["vcode", "source_code"])["node"].nunique()
    too_many = per_source[per_source > k].index.get_level_values("vcode").to_numpy()
    devices = _distinct_serials(crowded, serial_of_record)
    return np.union1d(too_many, devices[devices > k].index.to_numpy()).astype(np.int64)


def overloaded_report(
    keys: pd.DataFrame, codes: np.ndarray, n_records: int, serial_of_record: pd.Series, k: int
) -> pd.DataFrame:
    """One row per overloaded value: id_type, id_value, records, devices (distinct serials), reason."""
    rows = keys[np.isin(keys["vcode"].to_numpy(), codes) & (keys["node"].to_numpy() < n_records)]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in _REPORT_DTYPES.items()})
    grouped = rows.groupby("vcode")
    max_per_source = rows.groupby(["vcode", "source_code"])["node"].nunique().groupby(level="vcode").max()
    report = pd.DataFrame(
        {
            "id_type": grouped["rule"].first().astype(str).map(RULE_ID_TYPE),
            "id_value": grouped["display"].min(),
            "records": grouped["node"].nunique(),
            "devices": _distinct_serials(rows, serial_of_record).reindex(grouped.size().index).fillna(0),
        }
    )
    report["reason"] = np.where(
        max_per_source.reindex(report.index) > k, "records_per_source", "distinct_serials"
    )
    report = report.sort_values(["id_type", "id_value"]).reset_index(drop=True)
    return report[list(OVERLOADED_COLUMNS)].astype(_REPORT_DTYPES)


def _crowded_rows(keys: pd.DataFrame, n_records: int, k: int) -> pd.DataFrame:
    """Record key rows of values carried by more than ``k`` rows (the only candidates)."""
    records = keys[(keys["node"].to_numpy() < n_records) & (keys["rule"] != HOSTNAME_SEEN).to_numpy()]
    vcode = records["vcode"].to_numpy()
    counts = np.bincount(vcode) if len(vcode) else np.zeros(0, np.int64)
    return records[counts[vcode] > k] if len(vcode) else records


def _distinct_serials(rows: pd.DataFrame, serial_of_record: pd.Series) -> pd.Series:
    """Per vcode of a non-serial identifier: how many different serials its carriers have."""
    other = rows[(rows["rule"] != "serial").to_numpy()]
    serial = pd.factorize(serial_of_record)[0][other["node"].to_numpy()]
    pairs = pd.DataFrame({"vcode": other["vcode"].to_numpy(), "serial": serial})
    return pairs[pairs["serial"] >= 0].drop_duplicates().groupby("vcode").size()

"""Split the normalized input into usable records and quarantine rows.

A record is usable when normalization accepted it (``quarantine_reason`` is null) and it has
a ``record_key``. The same record_key twice (a source that paged over a moving dataset) keeps
only the most recently seen copy: two rows of one native record are never two devices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from itam_pipeline.plan import QUARANTINE_COLUMNS
from itam_pipeline.reconcile.jsontext import json_object
from itam_pipeline.reconcile.vec import group_sizes
from itam_pipeline.schema import NORMALIZED_SCHEMA, conform, pandas_dtypes

MISSING_ID = "MISSING_ID"
# Columns outside NORMALIZED_SCHEMA that reconciliation uses when a caller provides them.
OPTIONAL_COLUMNS = ("virtual_host_name",)


def split_records(records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(usable, quarantine)``: usable records (fresh 0..n-1 index) and QUARANTINE rows.

    Quarantine rows carry the record_key inside ``detail`` (JSON) and an empty payload: the
    caller fills the payload from the raw landing zone by record_key.
    """
    records = _conformed(records)
    reason = records["quarantine_reason"].mask(
        records["quarantine_reason"].isna() & records["record_key"].isna(), MISSING_ID
    )
    is_held = reason.notna().to_numpy(dtype=bool)
    held = records[is_held]
    # Without held rows the input is used as is (no copy of a million-row frame).
    usable = records[~is_held] if is_held.any() else records
    usable = _latest_per_record_key(usable)
    return usable.reset_index(drop=True), quarantine_rows(held, reason[is_held], detail=None)


def _conformed(records: pd.DataFrame) -> pd.DataFrame:
    """The records with the normalized schema's columns and dtypes (untouched when they already are)."""
    dtypes = pandas_dtypes(NORMALIZED_SCHEMA)
    if all(c in records.columns and records[c].dtype == d for c, d in dtypes.items()):
        return records
    conformed = conform(records, NORMALIZED_SCHEMA)
    for extra in OPTIONAL_COLUMNS:
        if extra in records.columns:
            conformed[extra] = records[extra].astype("string")
    return conformed


def quarantine_rows(rows: pd.DataFrame, reason: pd.Series | str, detail: pd.Series | None) -> pd.DataFrame:
    """QUARANTINE_COLUMNS rows for ``rows``; ``detail`` defaults to ``{"record_key": ...}``."""
    if detail is None:
        detail = json_object({"record_key": rows["record_key"]})
    out = pd.DataFrame(
        {
            "source": rows["source"].to_numpy(),
            "source_record_id": rows["source_record_id"].to_numpy(),
            "origin": rows["origin"].to_numpy(),
            "reason": reason.to_numpy() if isinstance(reason, pd.Series) else reason,
            "detail": np.asarray(detail, dtype=object),
            "payload": pd.Series(pd.NA, index=rows.index, dtype="string").to_numpy(),
        }
    )
    return out.astype("string")[list(QUARANTINE_COLUMNS)]


def _latest_per_record_key(usable: pd.DataFrame) -> pd.DataFrame:
    if not (group_sizes(pd.factorize(usable["record_key"])[0]) > 1).any():
        return usable
    order = usable.sort_values(
        ["record_key", "last_seen_at", "extracted_at"], ascending=[True, False, False], na_position="last"
    )
    return order.drop_duplicates("record_key", keep="first").sort_index()


def observed_at(records: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """When each record's values were true, and whether that time came from the source itself.

    The source's own ``last_seen_at`` is preferred; extraction time is the fallback for
    records that have none (file drops), flagged ``untimed`` so they never win on recency.
    """
    untimed = records["last_seen_at"].isna().to_numpy()
    return records["last_seen_at"].fillna(records["extracted_at"]), untimed

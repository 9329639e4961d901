"""The staging shape every source mapper produces: raw fields under canonical names.

A mapper only moves vendor fields to these names (and parses values whose format is
source-specific, such as dates). Identifier rules run afterwards, once, over all sources
together (``itam_pipeline.normalize.pipeline``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from itam_pipeline.normalize.text import STRING

# Raw text, normalized later by the shared identifier rules.
TEXT_COLUMNS = (
    "asset_tag",
    "serial",  # primary serial field
    "serial_fallback",  # used when the primary serial is missing or junk (Miradore)
    "serial_fallback_2",
    "hostname",
    "imei",
    "uuid",
    "azure_ad_device_id",
    "manufacturer",
    "model",
    "os",
    "os_version",
    "primary_user",
    "location",
    "cost_center",
    "currency",
    "supplier",
    "order_number",
    "purchase_cost",  # decimal text
    "lifecycle_hint",  # final value, decided by the mapper
    # Inputs of asset-type inference (itam_pipeline.normalize.taxonomy.TYPE_FIELDS).
    "type_kind",
    "type_sub",
    "type_os",
    "type_model",
)
TIMESTAMP_COLUMNS = ("last_seen_at", "enrolled_at")  # datetime64[us, UTC]
DATE_COLUMNS = ("purchase_date", "warranty_end")  # datetime64[s], midnight
COUNT_COLUMNS = ("storage_total_bytes", "storage_free_bytes")  # Int64
FLAG_COLUMNS = ("source_virtual",)  # the source itself says the record is a VM


@dataclass
class Staging:
    """One source's records in staging form, positions 0..n-1."""

    fields: pd.DataFrame
    # Long-form MACs: mac_owner[i] is the record position of mac_values[i].
    mac_owner: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    mac_values: pd.Series = field(default_factory=lambda: pd.Series([], dtype=STRING))


def staging_frame(size: int, **columns: Any) -> pd.DataFrame:
    """A staging frame of ``size`` rows: the given columns, every other staging column null."""
    index = pd.RangeIndex(size)
    unknown = set(columns) - {*TEXT_COLUMNS, *TIMESTAMP_COLUMNS, *DATE_COLUMNS, *COUNT_COLUMNS, *FLAG_COLUMNS}
    if unknown:
        raise KeyError(f"not staging columns: {', '.join(sorted(unknown))}")
    frame: dict[str, Any] = {}
    for name in TEXT_COLUMNS:
        frame[name] = _aligned(columns.get(name), index, STRING)
    for name in TIMESTAMP_COLUMNS:
        frame[name] = _aligned(columns.get(name), index, "datetime64[us, UTC]")
    for name in DATE_COLUMNS:
        frame[name] = _aligned(columns.get(name), index, "datetime64[s]")
    for name in COUNT_COLUMNS:
        frame[name] = _aligned(columns.get(name), index, "Int64")
    frame["source_virtual"] = (
        _aligned(columns.get("source_virtual"), index, "boolean").fillna(False).astype(bool)
    )
    return pd.DataFrame(frame, index=index)


def _aligned(values: Any, index: pd.Index, dtype: Any) -> pd.Series:
    if values is None:
        return pd.Series(pd.NA if dtype != "datetime64[s]" else pd.NaT, index=index, dtype=dtype)
    if isinstance(values, pd.Series):
        return values.set_axis(index).astype(dtype)
    return pd.Series(values, index=index).astype(dtype)


def mac_long_form(columns: list[pd.Series]) -> tuple[np.ndarray, pd.Series]:
    """Long-form MACs from several one-MAC-per-record columns (e.g. Wi-Fi and Ethernet)."""
    owners = [np.arange(len(c), dtype=np.int64) for c in columns]
    values = pd.concat([c.astype(STRING).reset_index(drop=True) for c in columns], ignore_index=True)
    owner = np.concatenate(owners) if owners else np.empty(0, dtype=np.int64)
    keep = values.notna().to_numpy()
    return owner[keep], values[keep].reset_index(drop=True)

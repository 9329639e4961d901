"""Depreciation defaults for golden assets.

Reconciliation may set ``depreciation_method`` and ``useful_life_months`` per asset (e.g.
from a finance feed); where it does not, the repository fills the defaults below so the
book-value view works out of the box. Useful lives follow common straight-line practice
for IT equipment; change them here or in the plan, not in the database.
"""

from __future__ import annotations

import pandas as pd

from itam_pipeline.schema import AssetType

DEFAULT_DEPRECIATION_METHOD = "straight_line"

DEFAULT_USEFUL_LIFE_MONTHS: dict[str, int | None] = {
    AssetType.LAPTOP: 36,
    AssetType.DESKTOP: 48,
    AssetType.MOBILE_PHONE: 24,
    AssetType.TABLET: 36,
    AssetType.DISPLAY: 60,
    AssetType.PRINTER: 60,
    AssetType.SERVER: 60,
    AssetType.NETWORK_DEVICE: 60,
    AssetType.STORAGE: 60,
    AssetType.BACKUP_DEVICE: 60,
    AssetType.OTHER: 36,
    # Not depreciated as hardware: software-defined or consumable.
    AssetType.VIRTUAL_MACHINE: None,
    AssetType.DATABASE: None,
    AssetType.SIM_CARD: None,
}
FALLBACK_USEFUL_LIFE_MONTHS = 36  # unknown or missing asset type


def with_financial_defaults(assets: pd.DataFrame) -> pd.DataFrame:
    """``assets`` with ``depreciation_method`` and ``useful_life_months`` filled where missing."""
    out = assets.copy()
    out["depreciation_method"] = (
        _column(out, "depreciation_method").astype("string").fillna(DEFAULT_DEPRECIATION_METHOD)
    )
    by_type = {str(k): v for k, v in DEFAULT_USEFUL_LIFE_MONTHS.items()}
    asset_type = _column(out, "asset_type").astype("string")
    default_life = asset_type.map(by_type, na_action="ignore").astype("Int64")
    known_type = asset_type.isin(list(by_type))
    default_life = default_life.where(known_type, FALLBACK_USEFUL_LIFE_MONTHS)
    out["useful_life_months"] = _column(out, "useful_life_months").astype("Int64").fillna(default_life)
    return out


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(pd.NA, index=frame.index, dtype="object")

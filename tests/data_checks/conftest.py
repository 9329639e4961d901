"""Hand-made normalized and golden frames for the data-quality tests.

The frames go through ``schema.conform`` so they carry the pipeline's real dtypes (pandas
nullable strings, Int64, Float64, boolean, UTC timestamps) - the dtypes GX has to cope with.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from itam_pipeline.schema import GOLDEN_SCHEMA, NORMALIZED_SCHEMA, conform

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


def normalized_frame(rows: list[dict]) -> pd.DataFrame:
    """A NORMALIZED_SCHEMA frame; unspecified columns are null."""
    return conform(pd.DataFrame(rows), NORMALIZED_SCHEMA)


def golden_frame(rows: list[dict]) -> pd.DataFrame:
    """A GOLDEN_SCHEMA frame plus ``status`` (as the plan carries it)."""
    frame = conform(pd.DataFrame(rows), GOLDEN_SCHEMA)
    frame["status"] = pd.array([r.get("status") for r in rows], dtype="string")
    return frame


def intune_record(native_id: str, **values: object) -> dict:
    """One clean, usable Intune record; keyword arguments override columns."""
    record = {
        "record_key": f"intune|{native_id}",
        "source": "intune",
        "source_record_id": native_id,
        "serial_number": f"SN{native_id}X",
        "serial_key": f"SN{native_id}X",
        "manufacturer": "Dell",
        "asset_type": "laptop",
        "is_virtual": False,
        "last_seen_at": NOW - dt.timedelta(days=2),
        "purchase_cost": 1200.5,
        "storage_total_bytes": 512_000_000_000,
        "storage_free_bytes": 100_000_000_000,
    }
    record.update(values)
    return record


@pytest.fixture
def clean_normalized() -> pd.DataFrame:
    """Twenty usable Intune records that satisfy every normalized expectation."""
    return normalized_frame([intune_record(str(i)) for i in range(1, 21)])


@pytest.fixture
def clean_golden() -> pd.DataFrame:
    """Golden assets that satisfy every golden expectation (a retired twin may share a serial)."""
    return golden_frame(
        [
            {"asset_id": "a1", "status": "active", "manufacturer": "Dell", "serial_number": "CZ1",
             "purchase_date": "2023-01-10", "warranty_end": "2026-01-10", "purchase_cost": 900.0},
            {"asset_id": "a2", "status": "active", "manufacturer": "HP", "serial_number": "CZ1"},
            {"asset_id": "a3", "status": "retired", "manufacturer": "Dell", "serial_number": "CZ1"},
            {"asset_id": "a4", "status": "active", "manufacturer": "Dell", "serial_number": None},
            {"asset_id": "a5", "status": "active", "manufacturer": "Dell", "serial_number": None},
        ]
    )  # fmt: skip


@pytest.fixture
def make_normalized():
    """Builder: list of record dicts -> NORMALIZED_SCHEMA frame."""
    return normalized_frame


@pytest.fixture
def make_golden():
    """Builder: list of asset dicts (with ``status``) -> golden frame."""
    return golden_frame


@pytest.fixture
def record():
    """Builder of one clean Intune record: ``record("7", serial_key=None)``."""
    return intune_record

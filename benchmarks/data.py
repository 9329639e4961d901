"""The benchmark's data: one landed extraction of every source, its normalized records, and
the follow-up runs (1% changed + 1% new, and 0% changed) as the pipeline would see them.

Everything is prepared once, outside the clock; every case then works on the same data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks.emulator_process import API_SOURCES
from benchmarks.sources import api_client
from itam_pipeline.lake import Lake, Landing
from itam_pipeline.normalize import normalize

REFERENCE_RUN = "bench-reference"
CHANGE_FRACTION = 0.01
NEW_SUFFIX = "-BN"  # appended to identifiers so copied records describe different hardware
# Identifiers a copied record cannot keep in altered form (fixed formats): they are dropped.
DROPPED_IDENTIFIERS = ("mac_addresses", "imei", "uuid", "uuid_swapped", "azure_ad_device_id")
SUFFIXED_IDENTIFIERS = ("serial_number", "serial_key", "asset_tag", "hostname")


@dataclass
class Landed:
    """The reference extraction: one raw landing per API source."""

    lake_dir: Path
    landings: list[Landing]

    @property
    def records(self) -> int:
        return sum(landing.records for landing in self.landings)

    def raw_table(self) -> pa.Table:
        """Every landed raw row (RAW_SCHEMA), all sources."""
        return pa.concat_tables([pq.read_table(landing.path) for landing in self.landings])

    def read_all(self) -> int:
        """Read every landing with pyarrow (the Parquet floor); returns rows read."""
        return sum(pq.read_table(landing.path).num_rows for landing in self.landings)


def land_reference(env: dict[str, str], lake_dir: Path, say: Callable[[str], None]) -> Landed:
    """Extract every API source once through the connectors and land it in ``lake_dir``."""
    lake = Lake(lake_dir)
    landings = []
    for source in API_SOURCES:
        landing = lake.land(
            source,
            api_client(source, env).iter_records(),
            run_id=REFERENCE_RUN,
            progress=lambda n, s=source: say(f"   {s}: {n} records landed"),
        )
        landings.append(landing)
    return Landed(lake_dir, landings)


def normalize_landed(landed: Landed) -> pd.DataFrame:
    """The normalized records of every source, concatenated (what reconciliation receives)."""
    lake = Lake(landed.lake_dir)
    frames = [normalize(lake.read_raw(landing)) for landing in landed.landings]
    return pd.concat(frames, ignore_index=True)


def to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``frame``'s columns of ``schema`` as an Arrow table of exactly those types."""
    arrays = [pc.cast(pa.array(frame[f.name], from_pandas=True), f.type, safe=False) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def next_day(
    records: pd.DataFrame, now: datetime, seed: int, fraction: float = CHANGE_FRACTION
) -> pd.DataFrame:
    """The records of a later run: ``fraction`` of them changed and as many new ones added.

    Changed: a usable record reports a new OS version and checks in at ``now`` (so its
    asset's golden row must change whatever the survivorship rules). New: copies of usable
    records under new record ids, with their identifiers made unique, so they are hardware
    no repository holds yet.
    """
    rng = np.random.default_rng(seed)
    usable = np.flatnonzero(records["quarantine_reason"].isna().to_numpy())
    count = max(1, round(fraction * len(records)))
    picked = rng.choice(usable, size=min(2 * count, len(usable)), replace=False)
    changed_rows, copied_rows = picked[:count], picked[count:]

    result = records.copy()
    changed_at = pd.Timestamp(now).tz_convert("UTC") - pd.Timedelta(timedelta(minutes=5))
    position = result.index[changed_rows]
    result.loc[position, "os_version"] = result.loc[position, "os_version"].fillna("0") + ".1"
    result.loc[position, "last_seen_at"] = changed_at
    return pd.concat([result, _as_new_hardware(records.iloc[copied_rows])], ignore_index=True)


def _as_new_hardware(rows: pd.DataFrame) -> pd.DataFrame:
    new = rows.copy()
    new["source_record_id"] = new["source_record_id"] + NEW_SUFFIX
    new["record_key"] = new["source"] + "|" + new["source_record_id"]
    for column in SUFFIXED_IDENTIFIERS:
        new[column] = new[column] + NEW_SUFFIX.lower() if column == "hostname" else new[column] + NEW_SUFFIX
    for column in DROPPED_IDENTIFIERS:
        new[column] = pd.Series(pd.NA, index=new.index, dtype=new[column].dtype)
    return new

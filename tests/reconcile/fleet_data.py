"""The labelled synthetic fleet as normalized records, with its truth (which device each record is)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from itertools import combinations

import pandas as pd

from connectors.emulators.fleet import SOURCES, Fleet, generate_fleet
from itam_pipeline.normalize import native_id, normalize

from .builders import NOW

FLEET_SIZE = 3000
SEED = 11


@dataclass(frozen=True)
class LabelledFleet:
    """Normalized records of every source plus the truth per record_key."""

    fleet: Fleet
    records: pd.DataFrame
    truth: pd.Series  # record_key -> device uid


def raw_frame(fleet: Fleet) -> pd.DataFrame:
    """RAW_SCHEMA rows for every record of every source, as the connectors would land them."""
    rows = [
        {
            "source": source,
            "source_record_id": native_id(source, payload),
            "run_id": "fleet-run",
            "extracted_at": NOW,
            "origin": None,
            "error": None,
            "payload": json.dumps(payload, default=str),
        }
        for source in SOURCES
        for payload in fleet.catalog(source)
    ]
    return pd.DataFrame(rows)


@functools.cache
def labelled_fleet(size: int = FLEET_SIZE, seed: int = SEED) -> LabelledFleet:
    """The fleet, normalized once per test session."""
    fleet = generate_fleet(size, seed=seed, now=NOW)
    truth = pd.DataFrame(list(fleet.truth_pairs()), columns=["source", "source_record_id", "uid"])
    truth.index = truth["source"] + "|" + truth["source_record_id"]
    return LabelledFleet(fleet, normalize(raw_frame(fleet)), truth["uid"])


def same_device_pairs(groups: pd.Series) -> set[tuple[str, str]]:
    """Unordered pairs of record keys that share a group value (device uid or asset id)."""
    pairs: set[tuple[str, str]] = set()
    for _, members in groups.groupby(groups):
        pairs.update(combinations(sorted(members.index), 2))
    return pairs

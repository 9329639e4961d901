"""Normalization: every source's raw records mapped to one canonical, typed schema.

Public entry points:

* ``normalize(raw, registry=...)`` - raw landed records (RAW_SCHEMA) -> NORMALIZED_SCHEMA;
* ``normalize_payloads(source, payloads, ...)`` - the same for payload dicts (tools, tests);
* ``JunkRegistry`` - junk identifier values, bundled and user-extended;
* the identifier rules, each vectorized over a pandas string Series and usable on its own.
"""

from __future__ import annotations

from itam_pipeline.normalize.dates import parse_dates, parse_money, parse_timestamps
from itam_pipeline.normalize.identifiers import (
    canonical_guids,
    luhn_check_digits,
    normalize_asset_tags,
    normalize_entra_device_ids,
    normalize_imeis,
    normalize_upns,
    normalize_uuids,
    swap_uuid_bytes,
)
from itam_pipeline.normalize.network import canonical_macs, join_macs, normalize_hostnames, normalize_macs
from itam_pipeline.normalize.pipeline import native_id, normalize, normalize_payloads
from itam_pipeline.normalize.registry import JunkRegistry, JunkRules, NamedPattern, RegistryError
from itam_pipeline.normalize.serials import canonical_serials, normalize_serials, serial_keys
from itam_pipeline.normalize.taxonomy import infer_asset_types
from itam_pipeline.normalize.vendors import normalize_manufacturers, normalize_models
from itam_pipeline.normalize.vocabulary import Vocabulary, VocabularyError

__all__ = [
    "JunkRegistry",
    "JunkRules",
    "NamedPattern",
    "RegistryError",
    "Vocabulary",
    "VocabularyError",
    "canonical_guids",
    "canonical_macs",
    "canonical_serials",
    "infer_asset_types",
    "join_macs",
    "luhn_check_digits",
    "native_id",
    "normalize",
    "normalize_asset_tags",
    "normalize_entra_device_ids",
    "normalize_hostnames",
    "normalize_imeis",
    "normalize_macs",
    "normalize_manufacturers",
    "normalize_models",
    "normalize_payloads",
    "normalize_serials",
    "normalize_upns",
    "normalize_uuids",
    "parse_dates",
    "parse_money",
    "parse_timestamps",
    "serial_keys",
    "swap_uuid_bytes",
]

"""``normalize``: raw landed records of any mix of sources -> the canonical normalized schema.

Steps: group rows by source; parse each group's JSON payloads once into column arrays and
stage them under canonical names (``sources/``); then run every identifier rule once over all
rows together, vectorized (``serials``, ``network``, ``identifiers``, ``vendors``,
``taxonomy``); finally decide quarantine reasons. Output rows keep the input's order and index.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from itam_pipeline.normalize.dates import parse_money
from itam_pipeline.normalize.identifiers import (
    normalize_asset_tags,
    normalize_entra_device_ids,
    normalize_imeis,
    normalize_upns,
    normalize_uuids,
)
from itam_pipeline.normalize.network import join_macs, normalize_hostnames, normalize_macs
from itam_pipeline.normalize.payloads import extract_groups
from itam_pipeline.normalize.quarantine import quarantine_reasons
from itam_pipeline.normalize.registry import JunkRegistry
from itam_pipeline.normalize.serials import normalize_serials
from itam_pipeline.normalize.sources import mapper_for
from itam_pipeline.normalize.sources.base import Staging, staging_frame
from itam_pipeline.normalize.taxonomy import TYPE_FIELDS, infer_asset_types
from itam_pipeline.normalize.text import STRING, as_text, clean, flag, map_values
from itam_pipeline.normalize.vendors import normalize_manufacturers, normalize_models
from itam_pipeline.normalize.vocabulary import Vocabulary
from itam_pipeline.schema import NORMALIZED_SCHEMA, AssetType, conform, empty_frame

_SERIAL_CANDIDATES = ("serial", "serial_fallback", "serial_fallback_2")
# Fields copied from staging to the output as they are (already typed or free text).
_PASSTHROUGH = (
    "last_seen_at",
    "enrolled_at",
    "purchase_date",
    "warranty_end",
    "storage_total_bytes",
    "storage_free_bytes",
    "lifecycle_hint",
    "currency",
)
_FREE_TEXT = ("location", "cost_center", "supplier", "order_number", "os_version")


def normalize(raw: pd.DataFrame, *, registry: JunkRegistry | None = None) -> pd.DataFrame:
    """Normalize raw landed records (RAW_SCHEMA columns) of any mix of sources.

    Returns a frame conformed to NORMALIZED_SCHEMA with the same rows, order and index.
    Records are never dropped: unusable ones carry a ``quarantine_reason``.
    """
    if raw.empty:
        return empty_frame(NORMALIZED_SCHEMA).set_axis(raw.index[:0])
    registry = registry or JunkRegistry.default()
    sources = as_text(raw["source"]).reset_index(drop=True)
    staged, kinds, owner, macs, parse_errors = _stage_by_source(sources, raw["payload"])
    out = _normalize_staged(staged, kinds, owner, macs, registry)
    out["source"] = sources
    out["source_record_id"] = clean(as_text(_column(raw, "source_record_id"))).reset_index(drop=True)
    _rekey_placeholder_tags(out, staged, sources)
    out["record_key"] = sources + "|" + out["source_record_id"]
    for name in ("origin", "run_id", "extracted_at"):
        out[name] = _column(raw, name).reset_index(drop=True)
    out["quarantine_reason"] = quarantine_reasons(
        connector_errors=as_text(_column(raw, "error")).reset_index(drop=True),
        parse_errors=parse_errors,
        sources=sources,
        kinds=kinds,
        source_record_ids=out["source_record_id"],
        asset_tags=out["asset_tag"],
        serial_keys=out["serial_key"],
    )
    return conform(out, NORMALIZED_SCHEMA).set_axis(raw.index)


def _rekey_placeholder_tags(out: pd.DataFrame, staged: pd.DataFrame, sources: pd.Series) -> None:
    """A file row keyed by a junk asset tag ("N/A", "TBD") is keyed by its serial instead.

    The connector keys rows by asset tag without knowing the junk registry; left alone, every
    "N/A" row of a feed would share one key and all but the last would be quarantined.
    """
    raw_tag = clean(as_text(staged["asset_tag"])).str.upper()
    keyed_by_tag = (out["source_record_id"].str.upper() == raw_tag).fillna(False).astype(bool)
    is_file = sources.str.startswith("file:").fillna(False).astype(bool)
    junk = is_file & out["asset_tag"].isna().to_numpy() & raw_tag.notna().to_numpy() & keyed_by_tag
    if junk.any():
        out.loc[junk, "source_record_id"] = out.loc[junk, "serial_key"]


def normalize_payloads(
    source: str,
    payloads: Sequence[Mapping[str, Any]],
    *,
    registry: JunkRegistry | None = None,
    source_record_ids: Sequence[str | None] | None = None,
    errors: Sequence[str | None] | None = None,
    origins: Sequence[str | None] | None = None,
    run_id: str = "adhoc",
    extracted_at: datetime | None = None,
) -> pd.DataFrame:
    """Normalize vendor payload dicts of one source (tools and tests).

    ``source_record_ids`` default to each payload's native id (Intune ``id``, Device42
    ``device_id``, Miradore ``ID``, file rows: asset tag, else the serial).
    """
    ids = (
        list(source_record_ids) if source_record_ids is not None else [native_id(source, p) for p in payloads]
    )
    raw = pd.DataFrame(
        {
            "source": source,
            "source_record_id": pd.Series(ids, dtype=object),
            "run_id": run_id,
            "extracted_at": pd.Timestamp(extracted_at or datetime.now(UTC)),
            "origin": pd.Series(
                list(origins) if origins is not None else [None] * len(payloads), dtype=object
            ),
            "error": pd.Series(list(errors) if errors is not None else [None] * len(payloads), dtype=object),
            "payload": [json.dumps(p, default=str) for p in payloads],
        },
        index=pd.RangeIndex(len(payloads)),
    )
    return normalize(raw, registry=registry)


def native_id(source: str, payload: Mapping[str, Any]) -> str | None:
    """The source's native record id in a payload, as text (None when absent)."""
    mapper = mapper_for(source)
    kind = mapper.kind if mapper else None
    keys = {"intune": ("id",), "device42": ("device_id", "id"), "miradore": ("ID",)}.get(kind or "", ())
    if kind == "file":
        tag = str(payload.get("asset_tag") or "").strip().upper()
        serial = "".join(ch for ch in str(payload.get("serial_number") or "").upper() if ch not in " -_.")
        return tag or serial or None
    value = next((payload[k] for k in keys if payload.get(k) not in (None, "")), None)
    return None if value is None else str(value)


def _column(raw: pd.DataFrame, name: str) -> pd.Series:
    return raw[name] if name in raw.columns else pd.Series(None, index=raw.index, dtype=object)


def _stage_by_source(
    sources: pd.Series, payloads: pd.Series
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pd.Series, list[str | None]]:
    """Stage every source group and stitch the groups back into input order."""
    size = len(sources)
    codes, names = pd.factorize(sources.fillna(""))
    mappers = {code: mapper_for(str(name)) for code, name in enumerate(names)}
    known = {code: mapper for code, mapper in mappers.items() if mapper is not None}
    extracted = extract_groups(
        payloads.reset_index(drop=True), codes, {c: m.fields for c, m in known.items()}
    )
    frames, owners, mac_parts = [], [], []
    kinds = np.full(size, "", dtype=object)
    parse_errors: list[str | None] = [None] * size
    for code, mapper in mappers.items():
        positions = np.flatnonzero(codes == code)
        if mapper is None:
            staging = Staging(staging_frame(len(positions)))
        else:
            staging = mapper.stage(extracted[code])
            kinds[positions] = mapper.kind
            for position, error in zip(positions.tolist(), extracted[code].errors, strict=True):
                parse_errors[position] = error
        frames.append(staging.fields.set_axis(positions))
        owners.append(positions[staging.mac_owner])
        mac_parts.append(staging.mac_values)
    # One source per landing is the common case: its rows are already in input order.
    staged = pd.concat(frames).sort_index() if len(frames) > 1 else frames[0]
    owner = np.concatenate(owners) if owners else np.empty(0, dtype=np.int64)
    macs = pd.concat(mac_parts, ignore_index=True).astype(STRING)
    return staged.reset_index(drop=True), kinds, owner, macs, parse_errors


def _normalize_staged(
    staged: pd.DataFrame, kinds: np.ndarray, owner: np.ndarray, macs: pd.Series, registry: JunkRegistry
) -> pd.DataFrame:
    """Apply every identifier rule to the staged rows of all sources at once."""
    vocabulary = Vocabulary.default()
    out = pd.DataFrame(index=staged.index)
    out["manufacturer"] = normalize_manufacturers(staged["manufacturer"], registry=registry)
    out["model"] = normalize_models(staged["model"], registry=registry)
    serial = _best_serials(staged, out["manufacturer"], registry)
    types = _asset_types(staged, out["manufacturer"], kinds, vocabulary)
    virtual = (
        flag(serial["is_virtual"])
        | flag(staged["source_virtual"])
        | flag(types["asset_type"] == AssetType.VIRTUAL_MACHINE.value)
    )
    # A VMware/Hyper-V serial outranks inferred types, never a type the source states outright.
    by_serial = flag(serial["is_virtual"]) & ~flag(types["asset_type_explicit"])
    out["asset_type"] = types["asset_type"].mask(by_serial, AssetType.VIRTUAL_MACHINE.value)
    out["asset_type_rule"] = types["asset_type_rule"].mask(by_serial, serial["virtual_rule"])
    out["is_virtual"] = virtual
    for name in ("serial_number", "serial_key", "serial_issue"):
        out[name] = serial[name]
    mac_checks = normalize_macs(macs, registry=registry, on_virtual=virtual[owner] if len(owner) else None)
    out["mac_addresses"] = join_macs(owner, mac_checks["mac"], len(staged)).set_axis(staged.index)
    hosts = normalize_hostnames(staged["hostname"], registry=registry, model=out["model"])
    out["hostname"], out["dns_domain"] = hosts["hostname"], hosts["dns_domain"]
    out["imei"] = normalize_imeis(staged["imei"])
    uuids = normalize_uuids(staged["uuid"], registry=registry)
    out["uuid"], out["uuid_swapped"] = uuids["uuid"], uuids["uuid_swapped"]
    out["azure_ad_device_id"] = normalize_entra_device_ids(staged["azure_ad_device_id"])
    out["primary_user"] = normalize_upns(staged["primary_user"])
    out["asset_tag"] = normalize_asset_tags(staged["asset_tag"], registry=registry)
    out["os"] = map_values(clean(staged["os"]), vocabulary.os_family)
    out["purchase_cost"] = parse_money(staged["purchase_cost"])
    for name in _FREE_TEXT:
        out[name] = clean(staged[name])
    for name in _PASSTHROUGH:
        out[name] = staged[name]
    return out


def _best_serials(staged: pd.DataFrame, manufacturer: pd.Series, registry: JunkRegistry) -> pd.DataFrame:
    """The first valid serial among a record's serial fields (Miradore has three)."""
    best = normalize_serials(staged["serial"], registry=registry, manufacturer=manufacturer)
    for name in _SERIAL_CANDIDATES[1:]:
        if staged[name].isna().all():
            continue
        candidate = normalize_serials(staged[name], registry=registry, manufacturer=manufacturer)
        better = flag(best["serial_issue"].notna()) & flag(candidate["serial_issue"].isna())
        # Where neither is valid, a junk verdict says more than "missing".
        explains = flag(best["serial_issue"] == "missing") & flag(candidate["serial_issue"] != "missing")
        take = better | explains
        best = pd.DataFrame({col: best[col].mask(take, candidate[col]) for col in best.columns})
    return best


def _asset_types(
    staged: pd.DataFrame, manufacturer: pd.Series, kinds: np.ndarray, vocabulary: Vocabulary
) -> pd.DataFrame:
    """Asset types per source kind; rows of unknown sources get ``other`` / ``default``."""
    fields = staged[list(TYPE_FIELDS[:-1])].assign(manufacturer=manufacturer)
    present = [str(kind) for kind in pd.unique(kinds) if kind]
    if len(present) == 1 and (kinds == present[0]).all():
        return infer_asset_types(present[0], fields, vocabulary)  # one-source landing
    result = pd.DataFrame(
        {
            "asset_type": pd.Series(AssetType.OTHER.value, index=staged.index, dtype=STRING),
            "asset_type_rule": pd.Series("default", index=staged.index, dtype=STRING),
            "asset_type_explicit": np.zeros(len(staged), dtype=bool),
        }
    )
    for kind in present:
        rows = kinds == kind
        inferred = infer_asset_types(kind, fields[rows], vocabulary)
        for column in result.columns:
            result.loc[rows, column] = inferred[column].to_numpy()
    return result

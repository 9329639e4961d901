"""Identifier keys: one long table of (node, rule, value) that every matching step joins on.

Nodes are the usable records (0..n-1) followed by one node per existing asset that still has
remembered identifiers (see ``memory``). Match values are built so that plain equality is the
right test:

* serial: ``serial_key``; prefixed with the manufacturer only when the serial_key is carried by
  records of several manufacturers (then a record without manufacturer cannot use its serial:
  it could be either device). Virtual machines get a ``|vm`` suffix so a hypervisor-derived
  serial only ever meets other VMs.
* uuid: the smaller of the UUID and its byte-swapped form, so the ESX-reported and the
  guest-reported renderings of one UUID compare equal.
* mac: one row per burned-in MAC of ``mac_addresses``.
* hostname: ``<host>|model:<model>`` and ``<host>|user:<upn>`` for eligible records (see the
  ``hostname_rule`` settings); a bare host name never links. Separate ``hostname_seen`` rows
  carry every host name for evidence only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from itam_pipeline.reconcile.config import ReconcileConfig
from itam_pipeline.reconcile.vec import arrow_strings, group_sizes

# Identifier type names used in links.matched_key and the identifiers table, per rule.
RULE_ID_TYPE = {
    "serial": "serial_key",
    "imei": "imei",
    "uuid": "uuid",
    "azure_ad_device_id": "azure_ad_device_id",
    "asset_tag": "asset_tag",
    "mac": "mac_address",
    "hostname": "hostname",
    "hostname_seen": "hostname",
}
HOSTNAME_SEEN = "hostname_seen"  # evidence-only rows: every host name, never used to link
ID_TYPE_RULE = {v: k for k, v in RULE_ID_TYPE.items() if k != HOSTNAME_SEEN}
KEY_COLUMNS = ("node", "rule", "value", "display", "source_code")
KEY_RULES = tuple(RULE_ID_TYPE)  # categories of the ``rule`` column
_SIMPLE_RULES = {"imei": "imei", "azure_ad_device_id": "azure_ad_device_id", "asset_tag": "asset_tag"}


def swap_uuid(uuid: pd.Series) -> pd.Series:
    """The UUID with its first three groups byte-reversed (SMBIOS little-endian rendering)."""
    s = uuid.astype("string")
    g1 = s.str.slice(6, 8) + s.str.slice(4, 6) + s.str.slice(2, 4) + s.str.slice(0, 2)
    g2 = s.str.slice(11, 13) + s.str.slice(9, 11)
    g3 = s.str.slice(16, 18) + s.str.slice(14, 16)
    swapped = g1 + "-" + g2 + "-" + g3 + s.str.slice(18)
    return swapped.where(s.str.len() == 36)


def uuid_match_key(uuid: pd.Series) -> pd.Series:
    """Byte-order independent key of a UUID."""
    s = uuid.astype("string")
    swapped = swap_uuid(s)
    return s.where(swapped.isna() | (s <= swapped), swapped)


def split_list(values: pd.Series, sep: str) -> tuple[np.ndarray, pd.Series]:
    """Explode a ``sep``-joined text column: (row positions, items); empty and repeated items dropped."""
    arr = arrow_strings(values, large=True)
    lists = pc.split_pattern(arr, sep)
    parents = np.asarray(pc.list_parent_indices(lists))
    items = pd.Series(pd.arrays.ArrowStringArray(pc.list_flatten(lists).cast(pa.string()))).str.strip()
    keep = (items.notna() & (items != "")).to_numpy(dtype=bool)
    parents, items = parents[keep], items[keep].reset_index(drop=True)
    repeated = pd.DataFrame({"p": parents, "i": pd.factorize(items)[0]}).duplicated().to_numpy()
    return parents[~repeated], items[~repeated].reset_index(drop=True)


def record_keys(
    records: pd.DataFrame,
    serial_values: pd.Series,
    source_code: np.ndarray,
    cfg: ReconcileConfig,
    now: pd.Timestamp,
) -> pd.DataFrame:
    """Key rows of the usable records (node = row position; ``source_code`` per record)."""
    node = np.arange(len(records), dtype=np.int64)
    parts = [_rows(node, "serial", serial_values, records["serial_key"], source_code)]
    ignored = records["asset_type"].isin(list(cfg.imei_ignored_for_asset_types)).to_numpy(dtype=bool)
    for rule, column in _SIMPLE_RULES.items():
        values = records[column]
        if rule == "imei":
            values = values.mask(ignored)
        parts.append(_rows(node, rule, values, values, source_code))
    parts.append(_rows(node, "uuid", uuid_match_key(records["uuid"]), records["uuid"], source_code))
    parents, macs = split_list(records["mac_addresses"], ";")
    parts.append(_rows(node[parents], "mac", macs, macs, source_code[parents]))
    parts.extend(_hostname_rows(records, node, source_code, cfg, now))
    parts.append(_rows(node, HOSTNAME_SEEN, records["hostname"], records["hostname"], source_code))
    return pd.concat(parts, ignore_index=True)


def _hostname_rows(
    records: pd.DataFrame, node: np.ndarray, source_code: np.ndarray, cfg: ReconcileConfig, now: pd.Timestamp
) -> list[pd.DataFrame]:
    """Corroborated hostname keys of eligible records (host name unique in its source, recent, not handheld)."""
    host = records["hostname"]
    host_code = pd.factorize(host)[0]
    per_source = group_sizes(np.where(host_code >= 0, host_code * 64 + source_code, -1))
    recent = (records["last_seen_at"] >= now - pd.Timedelta(days=cfg.hostname_rule.max_age_days)).fillna(
        False
    )
    handheld = records["asset_type"].isin(list(cfg.hostname_rule.excluded_asset_types)).to_numpy(dtype=bool)
    eligible = (host_code >= 0) & (per_source == 1) & recent.to_numpy(dtype=bool) & ~handheld
    host = host.where(pd.Series(eligible, index=host.index))
    with_model = host + "|model:" + records["model"].str.lower()
    with_user = host + "|user:" + records["primary_user"].str.lower()
    return [
        _rows(node, "hostname", with_model, records["hostname"], source_code),
        _rows(node, "hostname", with_user, records["hostname"], source_code),
    ]


def memory_keys(memory: pd.DataFrame, serial_values: pd.Series, source_code: np.ndarray) -> pd.DataFrame:
    """Key rows of remembered identifiers (``memory``: node, id_type, id_value, source)."""
    rule = memory["id_type"].map(ID_TYPE_RULE)
    value = memory["id_value"].astype("string")
    value = value.where(rule != "uuid", uuid_match_key(value))
    value = value.where(rule != "serial", serial_values)
    # A remembered host name never links: the hostname rule needs live corroboration.
    keep = rule.notna().to_numpy(dtype=bool) & (rule != "hostname").to_numpy(dtype=bool)
    return _rows(
        memory["node"].to_numpy(np.int64)[keep],
        rule[keep].to_numpy(dtype=object),
        value[keep],
        memory["id_value"][keep],
        source_code[keep],
    )


def serial_match_values(serial_key: pd.Series, manufacturer: pd.Series, is_virtual: pd.Series) -> pd.Series:
    """Serial match values for any mix of record and memory rows (see module docstring)."""
    key = serial_key.reset_index(drop=True).astype("string")
    maker = manufacturer.reset_index(drop=True).astype("string")
    key_code, maker_code = pd.factorize(key)[0], pd.factorize(maker)[0]
    pairs = pd.DataFrame({"k": key_code, "m": maker_code})
    pairs = pairs[(key_code >= 0) & (maker_code >= 0)].drop_duplicates()
    makers = np.bincount(pairs["k"].to_numpy(), minlength=int(key_code.max()) + 1 if len(key) else 0)
    ambiguous = (key_code >= 0) & (makers[np.maximum(key_code, 0)] > 1 if len(makers) else False)
    value = key.where(~pd.Series(ambiguous), maker + "|" + key)
    virtual = is_virtual.reset_index(drop=True).astype("boolean").fillna(False).to_numpy(dtype=bool)
    return value.where(~pd.Series(virtual), value + "|vm")


def _rows(
    node: np.ndarray, rule: str | np.ndarray, value: pd.Series, display: pd.Series, source_code: np.ndarray
) -> pd.DataFrame:
    """Key rows where ``value`` is not null (text stays Arrow-backed: no object detour)."""
    same = display is value  # most rules display the value itself: filter it once
    value = value.reset_index(drop=True).astype("string")
    keep = value.notna().to_numpy(dtype=bool)
    kept = value[keep].reset_index(drop=True)
    shown = kept if same else display.reset_index(drop=True).astype("string")[keep].reset_index(drop=True)
    if isinstance(rule, str):
        rules = pd.Categorical.from_codes(
            np.full(int(keep.sum()), KEY_RULES.index(rule)), categories=KEY_RULES
        )
    else:
        rules = pd.Categorical(np.asarray(rule, dtype=object)[keep], categories=KEY_RULES)
    return pd.DataFrame(
        {
            "node": np.asarray(node, dtype=np.int64)[keep],
            "rule": rules,
            "value": kept,
            "display": shown,
            "source_code": np.asarray(source_code, dtype=np.int64)[keep],
        }
    )

"""MAC addresses and host names (vectorized).

A record may carry several MACs (Device42 lists every port, Miradore has MACAddress and WiFiMAC,
Intune Wi-Fi and Ethernet). They travel in long form, one row per (record position, raw MAC),
are normalized once, and are joined back per record as a sorted, de-duplicated ``;`` list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from itam_pipeline.normalize.registry import JunkRegistry, JunkRules
from itam_pipeline.normalize.text import (
    STRING,
    arrow_strings,
    as_text,
    clean,
    first_label,
    flag,
    join_pieces,
    null_where,
)

_MAC_SEPARATORS = r"[ :.\-]"
# Second hex digit of the first octet: odd = multicast/group bit; 2, 6, a, e = locally administered
# (randomized Wi-Fi addresses, software adapters) once multicast is excluded.
_MULTICAST_NIBBLES = list("13579bdf")
_LOCAL_NIBBLES = list("26ae")

# A host name is letters, digits, '-' and '_' in dot-separated labels. Anything else (spaces,
# apostrophes, "Jane's iPhone") is a display name, not a host name.
_HOSTNAME = r"[a-z0-9_][a-z0-9_-]*(?:\.[a-z0-9_-]+)*"
_IPV4 = r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}"


def canonical_macs(values: pd.Series) -> pd.Series:
    """Any separator style (``:``, ``-``, ``.``, Cisco dotted, none) -> ``aa:bb:cc:dd:ee:ff``.

    Single-digit groups (``0:a:95:9d:68:16``) are zero-padded. Text that is not 12 hex digits
    becomes null.
    """
    text = clean(values).str.lower()
    # \b is fine here: RE2 handles it on ASCII text, and hex MACs are ASCII.
    text = text.str.replace(r"\b([0-9a-f])\b", r"0\1", regex=True)
    digits = text.str.replace(_MAC_SEPARATORS, "", regex=True)
    digits = null_where(digits, ~flag(digits.str.fullmatch("[0-9a-f]{12}")))
    return join_pieces([digits.str.slice(i, i + 2) for i in range(0, 12, 2)], ":")


def normalize_macs(
    values: pd.Series,
    *,
    registry: JunkRegistry | None = None,
    on_virtual: pd.Series | np.ndarray | None = None,
) -> pd.DataFrame:
    """Canonical MACs and whether each one identifies the device.

    Args:
        values: raw MAC text, one per row.
        registry: junk rules (bundled registry when omitted).
        on_virtual: per row, whether the MAC belongs to a virtual machine; hypervisor NIC
            prefixes identify a VM but not a physical device.

    Returns:
        ``mac`` (canonical; null when not identifying) and ``mac_issue`` (``missing``, ``invalid``,
        ``junk:<rule>``, ``multicast``, ``locally_administered``, ``virtual_adapter``; null when
        the MAC identifies the device), on the same index.
    """
    registry = registry or JunkRegistry.default()
    values = as_text(values)
    mac = canonical_macs(values)
    virtual = np.zeros(len(values), dtype=bool) if on_virtual is None else flag(on_virtual)
    issue = _mac_issues(values, mac, registry.for_kind("mac"), registry.mac_virtual_prefixes, virtual)
    return pd.DataFrame({"mac": null_where(mac, flag(issue.notna())), "mac_issue": issue}, index=values.index)


def _mac_issues(
    raw: pd.Series,
    mac: pd.Series,
    rules: JunkRules,
    virtual_prefixes: tuple[str, ...],
    on_virtual: np.ndarray,
) -> pd.Series:
    junk_keys = set(canonical_macs(pd.Series(sorted(rules.exact), dtype=STRING)).dropna())
    nibble = mac.str.slice(1, 2)
    hypervisor = np.zeros(len(mac), dtype=bool)
    for prefix in virtual_prefixes:
        hypervisor |= flag(mac.str.startswith(prefix))
    checks: list[tuple[str, np.ndarray]] = [
        ("missing", flag(clean(raw).isna())),
        ("invalid", flag(mac.isna())),
        ("junk:placeholder", flag(mac.isin(junk_keys))),
    ]
    checks += [
        (f"junk:{p.name}", flag(mac.str.contains(f"(?i){p.regex}", regex=True))) for p in rules.patterns
    ]
    checks += [
        ("multicast", flag(nibble.isin(_MULTICAST_NIBBLES))),
        ("locally_administered", flag(nibble.isin(_LOCAL_NIBBLES))),
        ("virtual_adapter", hypervisor & ~on_virtual),
    ]
    return first_label(checks, mac.index)


def join_macs(owner: np.ndarray, macs: pd.Series, size: int) -> pd.Series:
    """Join MACs per owner position (0..size-1): sorted, de-duplicated, ``;``-separated.

    ``owner[i]`` is the record position of ``macs[i]``; null MACs are ignored. Records without
    any MAC get null. Fully vectorized: sort, then one Arrow list join.
    """
    keep = flag(macs.notna())
    long = pd.DataFrame({"owner": np.asarray(owner)[keep], "mac": as_text(macs)[keep].reset_index(drop=True)})
    long = long.drop_duplicates().sort_values(["owner", "mac"], kind="stable")
    counts = np.bincount(long["owner"].to_numpy(dtype=np.int64), minlength=size)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    values = arrow_strings(long["mac"])
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), values)
    joined = pc.binary_join(lists, pa.scalar(";", values.type))
    result = pd.Series(pd.array(joined, dtype=STRING))
    return result.mask(counts == 0)


def normalize_hostnames(
    values: pd.Series,
    *,
    registry: JunkRegistry | None = None,
    model: pd.Series | None = None,
) -> pd.DataFrame:
    """Short host name and DNS domain; null for IP literals, display names and generic names.

    Lowercase, trim, strip the trailing dot, split ``host.domain`` at the first dot. A name
    equal to the device's own model (``iPhone`` on an iPhone) is generic too.

    Returns:
        ``hostname`` and ``dns_domain`` on the same index.
    """
    registry = registry or JunkRegistry.default()
    values = as_text(values)
    text = clean(values).str.lower().str.rstrip(".")
    text = text.mask(text.str.len() == 0)
    short = text.str.replace(r"\..*", "", regex=True)
    domain = text.str.replace(r"^[^.]*\.?", "", regex=True)
    rules = registry.for_kind("hostname")
    generic = set(clean(pd.Series(sorted(rules.exact), dtype=STRING)).str.lower().dropna())
    unusable = (
        ~flag(text.str.fullmatch(_HOSTNAME))
        | flag(text.str.fullmatch(_IPV4))
        | flag(short.isin(generic))
        | flag(text.isin(generic))
    )
    for pattern in rules.patterns:
        unusable |= flag(short.str.contains(f"(?i){pattern.regex}", regex=True))
    if model is not None:
        bare_model = clean(as_text(model, values.index)).str.lower().str.replace(" ", "-", regex=False)
        unusable |= flag(short == bare_model)
    domain = domain.mask(domain.str.len() == 0)
    return pd.DataFrame(
        {"hostname": null_where(short, unusable), "dns_domain": null_where(domain, unusable)},
        index=values.index,
    )

"""Asset-type inference per source, with the rule that decided recorded in ``asset_type_rule``.

Each source states the device type differently: Intune only through the operating system and
model, Device42 through ``type``/``device_sub_type``, Miradore through ``Platform``, file feeds
through an ``asset_type`` word. The rules below read those fields in order of reliability and
fall back to model keywords, single-purpose manufacturers and a per-OS default. Keyword tables
live in ``data/taxonomy.yaml`` so users can extend them without code.

Rules run once per distinct combination of the input fields (``map_distinct``), not per row.

``asset_type_explicit`` marks types a source states outright (Device42 ``type``, a feed's
``asset_type``); only non-explicit types yield to the ``serial.vmware`` virtual-machine rule.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from itam_pipeline.normalize.text import map_distinct, take_text
from itam_pipeline.normalize.vocabulary import Vocabulary
from itam_pipeline.schema import AssetType

# (asset_type, asset_type_rule, explicit)
Inference = tuple[str, str, bool]

# Columns a source mapper provides for inference (null where the source has no such field).
TYPE_FIELDS = ("type_kind", "type_sub", "type_os", "type_model", "manufacturer")

_INTUNE_CHASSIS = {
    "laptop": AssetType.LAPTOP,
    "desktop": AssetType.DESKTOP,
    "worksworkstation": AssetType.DESKTOP,
    "enterpriseserver": AssetType.SERVER,
    "phone": AssetType.MOBILE_PHONE,
    "tablet": AssetType.TABLET,
}
# What an operating-system family alone says when no model keyword decides.
_OS_DEFAULTS = {
    "iOS": AssetType.MOBILE_PHONE,
    "iPadOS": AssetType.TABLET,
    "Android": AssetType.MOBILE_PHONE,
    "Windows Mobile": AssetType.MOBILE_PHONE,
    "Windows": AssetType.DESKTOP,
    "Windows Server": AssetType.SERVER,
    "macOS": AssetType.LAPTOP,  # most business Macs are laptops
    "ChromeOS": AssetType.LAPTOP,
    "Linux": AssetType.DESKTOP,
}


def infer_asset_types(
    source: str, fields: pd.DataFrame, vocabulary: Vocabulary | None = None
) -> pd.DataFrame:
    """``asset_type``, ``asset_type_rule`` and ``asset_type_explicit`` for records of one source kind.

    Args:
        source: ``intune``, ``device42``, ``miradore`` or ``file`` (every ``file:<feed>``).
        fields: the ``TYPE_FIELDS`` columns; ``manufacturer`` is the canonical name.
        vocabulary: word tables (the bundled ``taxonomy.yaml`` when omitted).
    """
    vocabulary = vocabulary or Vocabulary.default()
    rule = _RULES[source]
    codes, results = map_distinct(fields[list(TYPE_FIELDS)], lambda *row: rule(vocabulary, *row))
    explicit = np.array([r[2] for r in results], dtype=bool)
    return pd.DataFrame(
        {
            "asset_type": take_text([str(r[0]) for r in results], codes, fields.index),
            "asset_type_rule": take_text([r[1] for r in results], codes, fields.index),
            "asset_type_explicit": explicit[codes] if len(codes) else np.zeros(0, dtype=bool),
        },
        index=fields.index,
    )


def _intune(v: Vocabulary, chassis: str, _sub: str, os: str, model: str, manufacturer: str) -> Inference:
    chassis_type = _INTUNE_CHASSIS.get(chassis.casefold())
    if chassis_type:
        return chassis_type, f"intune.chassisType={chassis}", False
    return _from_os_and_model(v, "intune.operatingSystem", os, "model", model, manufacturer)


def _device42(v: Vocabulary, kind: str, sub: str, os: str, model: str, manufacturer: str) -> Inference:
    stated = {"virtual": AssetType.VIRTUAL_MACHINE, "cluster": AssetType.OTHER, "blade": AssetType.SERVER}
    if kind.casefold() in stated:
        return stated[kind.casefold()], f"device42.type={kind}", True
    sub_type = v.asset_type_for(sub)
    if sub_type:
        return sub_type, f"device42.device_sub_type={sub}", True
    found = _from_keywords(v, "device42.hw_model", model, manufacturer)
    if found:
        return found
    by_os = v.os_keywords.match(os)
    if by_os:
        return by_os[0], f"device42.os~{by_os[1]}", False
    by_maker = v.type_of_manufacturer(manufacturer)
    if by_maker:
        return by_maker, f"device42.manufacturer={manufacturer}", False
    if kind.casefold() == "physical":
        return AssetType.SERVER, "device42.type=physical (default)", False
    return AssetType.OTHER, "default", False


def _miradore(
    v: Vocabulary, _kind: str, category: str, platform: str, model: str, manufacturer: str
) -> Inference:
    by_category = v.asset_type_for(category)
    if by_category:
        return by_category, f"miradore.Category.Name={category}", True
    return _from_os_and_model(v, "miradore.Platform", platform, "model", model, manufacturer)


def _file(v: Vocabulary, kind: str, _sub: str, _os: str, model: str, manufacturer: str) -> Inference:
    stated = v.asset_type_for(kind)
    if stated:
        return stated, f"feed.asset_type={kind}", True
    found = _from_keywords(v, "feed.model", model, manufacturer)
    if found:
        return found
    by_maker = v.type_of_manufacturer(manufacturer)
    if by_maker:
        return by_maker, f"feed.manufacturer={manufacturer}", False
    return AssetType.OTHER, "default", False


def _from_os_and_model(
    v: Vocabulary, os_field: str, os: str, model_field: str, model: str, manufacturer: str
) -> Inference:
    """MDM sources: virtual markers, then model keywords, then what the OS family implies."""
    family = v.os_family(os)
    os_part = f"{os_field}={os}" if os else os_field.rsplit(".", 1)[0]
    marker = v.virtual_markers.match(model) or v.virtual_markers.match(manufacturer)
    if marker:
        return AssetType.VIRTUAL_MACHINE, f"{os_part}+{model_field}~{marker[1]}", False
    keyword = v.model_keywords.match(model)
    if keyword:
        return keyword[0], f"{os_part}+{model_field}~{keyword[1]}", False
    default = _OS_DEFAULTS.get(family or "")
    if default:
        return default, f"{os_part} (default)", False
    by_maker = v.type_of_manufacturer(manufacturer)
    if by_maker:
        return by_maker, f"{os_part}+manufacturer={manufacturer}", False
    return AssetType.OTHER, "default", False


def _from_keywords(v: Vocabulary, field: str, model: str, manufacturer: str) -> Inference | None:
    marker = v.virtual_markers.match(model) or v.virtual_markers.match(manufacturer)
    if marker:
        return AssetType.VIRTUAL_MACHINE, f"{field}~{marker[1]}", False
    keyword = v.model_keywords.match(model)
    if keyword:
        return keyword[0], f"{field}~{keyword[1]}", False
    return None


_RULES: dict[str, Callable[..., Inference]] = {
    "intune": _intune,
    "device42": _device42,
    "miradore": _miradore,
    "file": _file,
}

"""Manufacturer aliases and model names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources

import pandas as pd
import yaml

from itam_pipeline.normalize.registry import JunkRegistry
from itam_pipeline.normalize.text import as_text, clean, collapse_spaces, map_values

_PUNCTUATION = re.compile(r"[.,\-_/()\s]+")
# Legal-form words that differ between sources for the same company ("Dell Inc." vs "DELL").
_LEGAL_SUFFIX = re.compile(
    r"(?: (?:inc|incorporated|corp|corporation|co|company|ltd|limited|gmbh|llc|ag|sa|plc|bv|srl))+$"
)


def manufacturer_key(name: str) -> str:
    """Comparison key of a manufacturer name: lowercase, punctuation and legal suffix removed."""
    key = _PUNCTUATION.sub(" ", name.casefold()).strip()
    return _LEGAL_SUFFIX.sub("", key).strip() or key


@cache
def bundled_aliases() -> Mapping[str, str]:
    """Alias key -> canonical name, from the bundled ``data/manufacturers.yaml``."""
    text = resources.files("itam_pipeline").joinpath("data", "manufacturers.yaml").read_text("utf-8")
    document = yaml.safe_load(text) or {}
    aliases: dict[str, str] = {}
    for canonical, spellings in (document.get("manufacturers") or {}).items():
        for spelling in [canonical, *(spellings or [])]:
            aliases[manufacturer_key(str(spelling))] = str(canonical)
    return aliases


def normalize_manufacturers(
    values: pd.Series,
    *,
    registry: JunkRegistry | None = None,
    aliases: Mapping[str, str] | None = None,
) -> pd.Series:
    """Canonical manufacturer names; placeholders -> null; unknown names title-cased as they are.

    Runs the rule once per distinct spelling (manufacturer columns hold a few hundred).
    """
    registry = registry or JunkRegistry.default()
    aliases = bundled_aliases() if aliases is None else aliases
    rules = registry.for_kind("manufacturer")
    junk_keys = {manufacturer_key(v) for v in rules.exact}
    patterns = [re.compile(p.regex, re.IGNORECASE) for p in rules.patterns]

    def canonical(raw: str) -> str | None:
        key = manufacturer_key(raw)
        if key in junk_keys or any(p.search(raw) for p in patterns):
            return None
        return aliases.get(key) or " ".join(raw.split()).title()

    text = clean(as_text(values))
    return map_values(text, canonical)


def normalize_models(values: pd.Series, *, registry: JunkRegistry | None = None) -> pd.Series:
    """Model names trimmed with inner whitespace collapsed; placeholders -> null."""
    registry = registry or JunkRegistry.default()
    rules = registry.for_kind("model")
    text = collapse_spaces(clean(as_text(values)))
    folded = text.str.lower()
    junk = folded.isin({" ".join(v.split()).lower() for v in rules.exact})
    for pattern in rules.patterns:
        junk |= folded.str.contains(f"(?i){pattern.regex}", regex=True).fillna(False)
    return text.mask(junk)

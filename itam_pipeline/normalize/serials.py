"""Serial numbers: canonical form, matching key, validity and virtual markers (vectorized)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from itam_pipeline.normalize.registry import JunkRegistry, JunkRules
from itam_pipeline.normalize.text import STRING, as_text, clean, first_label, flag, null_where

# Label prefixes people and agents put in front of the value ("S/N: 5CG...", "Serial No.: ...").
# "SN" needs a colon or '#' after it because real serials may start with SN.
_LABEL_PREFIX = r"^(?:S/N|SERIAL(?: ?(?:NO\.?|NUMBER|NUM))?|SN)[ ]*[:#][ ]*|^S/N[ ]+"
# Explicit classes instead of \s: Arrow's RE2 runs them vectorized, \s forces a Python fallback.
_SEPARATORS = r"[ \t\r\n\f\v_.-]"
_VMWARE_PREFIX = "VMWARE-"
# Hyper-V / Windows 365 Cloud PC BIOS serials: 0000-0014-0657-8375-4585-0309-11.
_HYPERV_SERIAL = r"^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{2}\Z"


def _digit_runs() -> frozenset[str]:
    """Every run of 5+ consecutive ascending or descending digits (wrapping 9->0 / 0->9)."""
    ascending, descending = "0123456789" * 2, "9876543210" * 2
    return frozenset(
        run[start : start + length]
        for run in (ascending, descending)
        for start in range(10)
        for length in range(5, 11)
    )


_DIGIT_RUNS = _digit_runs()


def canonical_serials(values: pd.Series) -> pd.Series:
    """NFKC, trim, uppercase and strip label prefixes: the serial as printed; empty -> null."""
    text = clean(values).str.upper()
    text = text.str.replace(_LABEL_PREFIX, "", regex=True).str.strip()
    return text.mask(text.str.len() == 0)


def serial_keys(canonical: pd.Series) -> pd.Series:
    """Matching key of canonical serials: separators (space, ``-``, ``_``, ``.``) removed."""
    return canonical.str.replace(_SEPARATORS, "", regex=True)


def normalize_serials(
    values: pd.Series,
    *,
    registry: JunkRegistry | None = None,
    manufacturer: pd.Series | None = None,
    min_length: int | None = None,
) -> pd.DataFrame:
    """Normalize raw serials and decide whether each one identifies hardware.

    Args:
        values: raw serial text.
        registry: junk rules (the bundled registry when omitted).
        manufacturer: canonical manufacturer per row; selects per-manufacturer minimum lengths.
        min_length: overrides the registry's default minimum length.

    Returns:
        A frame on the same index with ``serial_number`` (canonical, null when junk),
        ``serial_key`` (null when not valid), ``serial_issue`` (``missing`` or ``junk:<rule>``,
        null when valid), ``is_virtual`` and ``virtual_rule`` (``serial.vmware`` /
        ``serial.hyperv``, null otherwise).
    """
    registry = registry or JunkRegistry.default()
    values = as_text(values)
    canonical = canonical_serials(values)
    key = serial_keys(canonical)
    minimum = _minimum_lengths(values.index, registry, manufacturer, min_length)
    issue = _serial_issues(canonical, key, registry.for_kind("serial"), minimum)
    valid = issue.isna().to_numpy()
    vmware = valid & flag(canonical.str.startswith(_VMWARE_PREFIX))
    hyperv = valid & flag(canonical.str.match(_HYPERV_SERIAL))
    virtual_rule = first_label([("serial.vmware", vmware), ("serial.hyperv", hyperv)], values.index)
    return pd.DataFrame(
        {
            "serial_number": null_where(canonical, ~valid),
            "serial_key": null_where(key, ~valid),
            "serial_issue": issue,
            "is_virtual": vmware | hyperv,
            "virtual_rule": virtual_rule,
        },
        index=values.index,
    )


def _minimum_lengths(
    index: pd.Index,
    registry: JunkRegistry,
    manufacturer: pd.Series | None,
    min_length: int | None,
) -> np.ndarray:
    default = min_length or registry.serial_min_length
    minimum = np.full(len(index), default, dtype=np.int64)
    lengths = {k.casefold(): v for k, v in registry.serial_min_length_by_manufacturer.items()}
    if manufacturer is not None and lengths and min_length is None:
        codes, makers = pd.factorize(as_text(manufacturer, index))
        per_maker = np.array([lengths.get(m.casefold(), default) for m in makers] + [default], dtype=np.int64)
        minimum = per_maker[codes]  # code -1 (no manufacturer) picks the trailing default
    return minimum


def _serial_issues(canonical: pd.Series, key: pd.Series, rules: JunkRules, minimum: np.ndarray) -> pd.Series:
    """``missing`` / ``junk:<rule>`` per row, first matching rule in priority order; null = valid."""
    placeholder_keys = serial_keys(canonical_serials(pd.Series(sorted(rules.exact), dtype=STRING)))
    checks: list[tuple[str, np.ndarray]] = [
        ("missing", flag(canonical.isna())),
        ("junk:placeholder", flag(key.isin(set(placeholder_keys.dropna())))),
    ]
    checks += [
        (f"junk:{p.name}", flag(canonical.str.contains(f"(?i){p.regex}", regex=True))) for p in rules.patterns
    ]
    length = key.str.len().to_numpy(dtype=np.int64, na_value=0)
    checks += [
        ("junk:too_short", length < minimum),
        # One repeated character ("AAAAAAA", "0000000"): the string equals itself shifted by one.
        ("junk:repeated_char", flag(key.str.slice(1) == key.str.slice(0, -1))),
        ("junk:zeros_ones", flag(key.str.fullmatch("[01]+"))),
        ("junk:digit_run", flag(key.isin(_DIGIT_RUNS))),
    ]
    return first_label(checks, canonical.index)

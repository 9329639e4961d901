"""IMEIs, UUIDs, Entra device ids, user principal names and asset tags (vectorized)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from itam_pipeline.normalize.registry import JunkRegistry
from itam_pipeline.normalize.text import (
    STRING,
    as_text,
    clean,
    collapse_spaces,
    flag,
    join_pieces,
    null_where,
)

_IMEI_SEPARATORS = r"[ \-/.]"
_CANONICAL_GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_IMEI_BODY = 14  # TAC (8) + serial (6); the 15th digit is the Luhn check digit
# Luhn doubles every second digit counting from the check digit, i.e. odd positions of the body.
_DOUBLED = np.arange(_IMEI_BODY) % 2 == 1

# Android Enterprise prefixes the UPN with a 32-hex-digit GUID (no dashes).
_UPN_GUID_PREFIX = r"^[0-9a-f]{32}_?([^@]+@)"
_NO_USER = ["none", "null", "unknown", "n/a", "-", "nobody"]


def luhn_check_digits(bodies: np.ndarray) -> np.ndarray:
    """Luhn check digit for each row of an ``(n, 14)`` digit matrix."""
    doubled = bodies * np.where(_DOUBLED, 2, 1)
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    return (10 - doubled.sum(axis=1) % 10) % 10


def normalize_imeis(values: pd.Series) -> pd.Series:
    """15-digit IMEIs with a valid check digit; null otherwise.

    Digits only (spaces, ``-``, ``/`` and ``.`` removed). 15 digits: kept if the Luhn check
    digit is right. 16 digits (IMEISV): the 2 software-version digits are dropped and the check
    digit computed. 14 digits: the check digit is computed. One digit repeated: null.
    """
    text = as_text(values)
    digits = clean(text).str.replace(_IMEI_SEPARATORS, "", regex=True)
    digits = null_where(digits, ~flag(digits.str.fullmatch("[0-9]{14,16}")))
    body = digits.str.slice(0, _IMEI_BODY)
    has_body = flag(body.notna())
    result = pd.Series(pd.NA, index=text.index, dtype=STRING)
    if not has_body.any():
        return result
    matrix = _digit_matrix(body[has_body], _IMEI_BODY)
    check = luhn_check_digits(matrix)
    given = digits[has_body].str.slice(_IMEI_BODY, _IMEI_BODY + 1)
    is_15 = flag(digits[has_body].str.len() == 15)
    given_digit = pd.to_numeric(given.where(is_15), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad_check = is_15 & (given_digit != check)
    repeated = (matrix == matrix[:, :1]).all(axis=1)
    imei = body[has_body] + pd.Series(check.astype(str), index=body[has_body].index, dtype=STRING)
    result[has_body] = null_where(imei, bad_check | repeated)
    return result


def _digit_matrix(values: pd.Series, width: int) -> np.ndarray:
    """Digits of equal-width ASCII digit strings as an ``(n, width)`` integer matrix."""
    buffer = "".join(values.tolist()).encode("ascii")
    return (np.frombuffer(buffer, dtype=np.uint8).reshape(-1, width) - ord("0")).astype(np.int64)


def canonical_guids(values: pd.Series) -> pd.Series:
    """Lowercase 8-4-4-4-12 form (braces, ``urn:uuid:`` and whitespace stripped); null if not a GUID
    or one hex digit repeated (all-zero, all-F)."""
    text = clean(values).str.lower()
    # Most sources already send the canonical form; only the rest is rebuilt from its hex digits.
    ready = flag(text.str.fullmatch(_CANONICAL_GUID))
    rebuilt = text[~ready].str.replace(r"^urn:uuid:|[{}() -]", "", regex=True)
    rebuilt = null_where(rebuilt, ~flag(rebuilt.str.fullmatch("[0-9a-f]{32}")))
    spans = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
    rebuilt = join_pieces([rebuilt.str.slice(a, b) for a, b in spans], "-")
    guid = text.where(ready, rebuilt.reindex(text.index))
    hex_only = guid.str.replace("-", "", regex=False)
    return null_where(guid, flag(hex_only.str.slice(1) == hex_only.str.slice(0, -1)))


def swap_uuid_bytes(uuids: pd.Series) -> pd.Series:
    """The same UUID with its first three groups byte-reversed (SMBIOS little-endian rendering).

    ESX and guest tools render one VM UUID in the two byte orders; storing both lets them meet:
    ``564d4cbc-c6a9-1969-...`` <-> ``bc4c4d56-a9c6-6919-...``.
    """
    u = uuids.str
    pieces = [u.slice(6, 8), u.slice(4, 6), u.slice(2, 4), u.slice(0, 2), u.slice(8, 9)]
    pieces += [
        u.slice(11, 13),
        u.slice(9, 11),
        u.slice(13, 14),
        u.slice(16, 18),
        u.slice(14, 16),
        u.slice(18),
    ]
    return join_pieces(pieces, "")


def normalize_uuids(values: pd.Series, *, registry: JunkRegistry | None = None) -> pd.DataFrame:
    """SMBIOS/hardware UUIDs: ``uuid`` (canonical) and ``uuid_swapped``; junk UUIDs -> null."""
    registry = registry or JunkRegistry.default()
    values = as_text(values)
    uuid = canonical_guids(values)
    rules = registry.for_kind("uuid")
    junk_exact = set(canonical_guids(pd.Series(sorted(rules.exact), dtype=STRING)).dropna())
    junk = flag(uuid.isin(junk_exact))
    for pattern in rules.patterns:
        junk |= flag(uuid.str.contains(f"(?i){pattern.regex}", regex=True))
    uuid = null_where(uuid, junk)
    return pd.DataFrame({"uuid": uuid, "uuid_swapped": swap_uuid_bytes(uuid)}, index=values.index)


def normalize_entra_device_ids(values: pd.Series) -> pd.Series:
    """Entra (Azure AD) device ids as canonical GUIDs; ``""`` and the all-zero GUID -> null."""
    return canonical_guids(as_text(values))


def normalize_upns(values: pd.Series) -> pd.Series:
    """User principal names / e-mail addresses: lowercase, trimmed, Android Enterprise GUID prefix
    removed; empty and placeholder values -> null."""
    text = clean(as_text(values)).str.lower()
    text = text.str.replace(_UPN_GUID_PREFIX, r"\1", regex=True)
    return text.mask(text.isin(_NO_USER))


def normalize_asset_tags(values: pd.Series, *, registry: JunkRegistry | None = None) -> pd.Series:
    """Asset tags: trimmed, uppercase, inner whitespace collapsed; placeholders -> null."""
    registry = registry or JunkRegistry.default()
    text = collapse_spaces(clean(as_text(values)).str.upper())
    placeholders = collapse_spaces(
        clean(pd.Series(sorted(registry.for_kind("asset_tag").exact), dtype=STRING))
    )
    return text.mask(text.isin(set(placeholders.str.upper().dropna())))

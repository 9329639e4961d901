"""Timestamps, dates, money and byte counts (vectorized, explicit formats per source)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from itam_pipeline.normalize.text import as_text, clean

# Sources say "never" with placeholder dates: .NET's 0001-01-01 (Intune), 01.01.0001 (Miradore),
# the Unix epoch, Excel's 1900-01-01. No IT asset was bought or seen before 1980.
PLACEHOLDER_BEFORE = pd.Timestamp("1980-01-01", tz="UTC")

ISO8601 = "ISO8601"
INTUNE_FORMATS = (ISO8601,)  # 2025-02-27T16:40:02Z, 7 fractional digits, -08:00 offsets
DEVICE42_FORMATS = (ISO8601,)  # 2025-02-27T16:40:02.123Z; dates YYYY-MM-DD
# Miradore returns local-looking times without a zone (dd.MM.yyyy HH:mm:ss by default,
# yyyy-MM-dd HH:mm:ss with the dateformat option). They are treated as UTC: the API gives no
# zone and the site's zone is not exposed, so this may be off by the site's UTC offset.
MIRADORE_FORMATS = ("%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y", "%Y-%m-%d")
FILE_FORMATS = ("%Y-%m-%d", ISO8601)  # the file connector already converts dates to ISO


def parse_timestamps(values: pd.Series, formats: Sequence[str] = (ISO8601,)) -> pd.Series:
    """UTC timestamps from text, trying ``formats`` in order; zone-less text is taken as UTC.

    Unparsable text and placeholder dates (before 1980, e.g. ``0001-01-01T00:00:00Z``) -> null.
    """
    text = clean(as_text(values))
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    for fmt in formats:
        todo = result.isna().to_numpy() & text.notna().to_numpy()
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, utc=True, errors="coerce")
        result[todo] = parsed.astype("datetime64[us, UTC]")
    return result.mask(result < PLACEHOLDER_BEFORE)


def parse_dates(values: pd.Series, formats: Sequence[str] = (ISO8601,)) -> pd.Series:
    """Calendar dates (midnight, no zone) from text; placeholders and unparsable text -> null."""
    stamps = parse_timestamps(values, formats)
    return stamps.dt.tz_convert(None).dt.normalize().astype("datetime64[s]")


def parse_money(values: pd.Series) -> pd.Series:
    """Plain decimal amounts (``"1234.50"``) rounded to cents; negative or unparsable -> null."""
    amount = pd.to_numeric(clean(as_text(values)), errors="coerce").astype("Float64").round(2)
    return amount.mask(amount < 0)


def parse_byte_counts(values: pd.Series) -> pd.Series:
    """Non-negative integer byte counts; unparsable or negative -> null."""
    numbers = pd.to_numeric(pd.Series(values), errors="coerce")
    numbers = numbers.where(np.isfinite(numbers.astype("float64")))
    counts = numbers.round().astype("Int64")
    return counts.mask(counts < 0)

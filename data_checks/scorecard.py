"""Per-source quality scorecard: a handful of shares and one 0-100 score per extraction.

The figures are emitted as numeric check metadata, so the Dagster UI plots each source's trend
run over run. All computations are column-wise (no per-row Python), so a million-record source
costs well under a second.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

# Identifiers that can anchor a cross-source match (reconciliation design c.1, ranks 1-5).
# Burned-in MACs only corroborate and native ids never link two sources, so neither counts
# towards identifier coverage.
ANCHOR_IDENTIFIERS: tuple[str, ...] = ("serial_key", "imei", "uuid", "azure_ad_device_id", "asset_tag")

FRESH_WINDOWS_DAYS = (7, 30)

# quality_score = 100 * sum(weight * goodness). Serial completeness weighs most because the
# serial is the main cross-source anchor; coverage by any anchor next; junk and duplicates hurt
# matching directly; freshness and quarantine matter less for identity. Weights sum to 1.
SCORE_WEIGHTS: dict[str, float] = {
    "serial_completeness": 0.30,
    "identifier_coverage": 0.20,
    "junk_rate": 0.15,  # enters as 1 - junk_rate
    "duplicate_rate": 0.15,  # enters as 1 - duplicate_rate
    "fresh_30d": 0.10,
    "quarantine_rate": 0.10,  # enters as 1 - quarantine_rate
}
_LOWER_IS_BETTER = frozenset({"junk_rate", "duplicate_rate", "quarantine_rate"})


def source_scorecard(normalized: pd.DataFrame, *, now: dt.datetime) -> dict[str, float]:
    """Quality figures of one source's normalized records (``NORMALIZED_COLUMNS``).

    Shares are between 0 and 1:

    * ``quarantine_rate`` - records with a ``quarantine_reason``, of all records;
    * ``serial_completeness`` - usable (not quarantined) records with a valid ``serial_key``;
    * ``identifier_coverage`` - usable records with at least one anchor identifier;
    * ``junk_rate`` - records whose ``serial_issue`` starts with ``junk``, of all records;
    * ``duplicate_rate`` - records whose ``serial_key`` or ``imei`` appears on more than one
      record of the source, of all records;
    * ``fresh_7d`` / ``fresh_30d`` - records with ``last_seen_at`` within 7 / 30 days of ``now``.

    ``records`` is the record count and ``quality_score`` the weighted score (``SCORE_WEIGHTS``),
    0-100. An empty frame scores 0: a source that delivered nothing has shown no quality.
    """
    records = len(normalized)
    usable = normalized["quarantine_reason"].isna()
    card = {
        "records": float(records),
        "quarantine_rate": _share(~usable, records),
        "serial_completeness": _share(usable & normalized["serial_key"].notna(), int(usable.sum())),
        "identifier_coverage": _share(
            usable & normalized[list(ANCHOR_IDENTIFIERS)].notna().any(axis=1), int(usable.sum())
        ),
        "junk_rate": _share(_text(normalized["serial_issue"]).str.startswith("junk", na=False), records),
        "duplicate_rate": _share(
            _repeated(normalized["serial_key"]) | _repeated(normalized["imei"]), records
        ),
    }
    last_seen = pd.to_datetime(normalized["last_seen_at"], utc=True)
    for days in FRESH_WINDOWS_DAYS:
        cutoff = pd.Timestamp(now).tz_convert("UTC") - pd.Timedelta(days=days)
        card[f"fresh_{days}d"] = _share(last_seen >= cutoff, records)
    card["quality_score"] = quality_score(card) if records else 0.0
    return card


def quality_score(card: dict[str, float]) -> float:
    """The 0-100 score of a scorecard's shares, weighted by ``SCORE_WEIGHTS``."""
    total = 0.0
    for metric, weight in SCORE_WEIGHTS.items():
        goodness = 1.0 - card[metric] if metric in _LOWER_IS_BETTER else card[metric]
        total += weight * goodness
    return round(100.0 * total, 2)


def _share(mask: pd.Series, denominator: int) -> float:
    # An empty denominator has nothing to be bad about for "rates" and nothing to be good about
    # for "completeness"; 0.0 keeps both readable and the empty-source score is handled above.
    return float(mask.fillna(False).astype(bool).sum()) / denominator if denominator else 0.0


def _repeated(values: pd.Series) -> pd.Series:
    """True where a non-null value occurs on more than one row."""
    return values.notna() & values.duplicated(keep=False)


def _text(values: pd.Series) -> pd.Series:
    # A column that is entirely null may arrive as float/object from Parquet; .str needs strings.
    return values.astype("string")

"""Quarantine reasons: why a normalized record cannot be used (null when it can).

A reason starts with an upper-case code, optionally followed by ``": "`` and detail
(``MISSING_ID: no asset tag and no valid serial``), so reports can group by the code.
First applicable reason wins, in this order:

1. the connector rejected the record (its ``error``, e.g. ``BAD_DATE: purchase_date '31/02/2024'``);
2. ``BAD_PAYLOAD``: the payload is not a JSON object;
3. ``UNKNOWN_SOURCE``: no mapper for the source name;
4. ``MISSING_ID``: no source record id;
5. ``MISSING_ID``: a file-drop row with neither an asset tag nor a valid serial.

A junk identifier alone never quarantines a record: the value is nulled and ``serial_issue``
says why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from itam_pipeline.normalize.text import STRING, flag

# An error text already starting with a reason code ("MISSING_KEY", "BAD_DATE: ...") keeps it.
_REASON_CODE = r"^[A-Z][A-Z0-9_]*(?::|\Z)"
CONNECTOR_REJECTED = "CONNECTOR_REJECTED"


def quarantine_reasons(
    *,
    connector_errors: pd.Series,
    parse_errors: list[str | None],
    sources: pd.Series,
    kinds: np.ndarray,
    source_record_ids: pd.Series,
    asset_tags: pd.Series,
    serial_keys: pd.Series,
) -> pd.Series:
    """The quarantine reason of each record, or null when the record is usable."""
    errors = connector_errors.str.strip().mask(connector_errors.str.strip() == "")
    coded = flag(errors.str.match(_REASON_CODE))
    errors = errors.where(coded, CONNECTOR_REJECTED + ": " + errors)
    checks: list[tuple[np.ndarray, pd.Series]] = [
        (flag(errors.notna()), errors),
        (flag(pd.Series(parse_errors).notna()), pd.Series(parse_errors, dtype=STRING)),
        (kinds == "", "UNKNOWN_SOURCE: no mapper for source " + sources.fillna("<null>")),
        (flag(source_record_ids.isna()), _constant("MISSING_ID: no source record id", sources.index)),
        (
            (kinds == "file") & flag(asset_tags.isna()) & flag(serial_keys.isna()),
            _constant("MISSING_ID: no asset tag and no valid serial", sources.index),
        ),
    ]
    reason = pd.Series(pd.NA, index=sources.index, dtype=STRING)
    for applies, text in reversed(checks):  # earlier checks overwrite later ones
        reason = reason.mask(pd.Series(applies, index=sources.index), text)
    return reason


def _constant(text: str, index: pd.Index) -> pd.Series:
    return pd.Series(text, index=index, dtype=STRING)

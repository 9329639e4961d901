"""The import templates: column names per feed kind, typed columns and row error codes."""

from __future__ import annotations

import re

STANDARD_COLUMNS: tuple[str, ...] = (
    "asset_tag",
    "serial_number",
    "hostname",
    "asset_type",
    "manufacturer",
    "model",
    "primary_user",
    "status",
    "location",
    "cost_center",
    "purchase_date",
    "purchase_cost",
    "currency",
    "warranty_end",
    "supplier",
    "order_number",
)
INCIDENT_COLUMNS: tuple[str, ...] = (
    "incident_id",
    "opened_at",
    "closed_at",
    "category",
    "asset_tag",
    "serial_number",
    "hostname",
    "user",
)
DEVICES = "devices"
INCIDENTS = "incidents"
COLUMNS_BY_KIND: dict[str, tuple[str, ...]] = {DEVICES: STANDARD_COLUMNS, INCIDENTS: INCIDENT_COLUMNS}
DATE_COLUMNS = frozenset({"purchase_date", "warranty_end"})
DATETIME_COLUMNS = frozenset({"opened_at", "closed_at"})
COST_COLUMNS = frozenset({"purchase_cost"})

# Row error reason codes (the text before the first ':' of RawRecord.error).
MISSING_KEY = "MISSING_KEY"
BAD_DATE = "BAD_DATE"
BAD_COST = "BAD_COST"
NEGATIVE_COST = "NEGATIVE_COST"
COLUMN_COUNT = "COLUMN_COUNT"

_SERIAL_SEPARATORS = str.maketrans("", "", " -_.")


def normalize_header(text: str) -> str:
    """``" Serial Number "`` -> ``serial_number``: how headers and mapping keys are compared."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def serial_record_key(serial: str | None) -> str:
    """A serial as a record key: uppercased, spaces, ``-``, ``_`` and ``.`` removed."""
    return (serial or "").strip().upper().translate(_SERIAL_SEPARATORS)

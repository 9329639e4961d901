"""Rows to records: header mapping, value conversion, keys and row-level error reasons."""

from __future__ import annotations

from typing import Any

from connectors.errors import FileRejectedError
from connectors.records import RawRecord

from .config import FeedConfig
from .templates import (
    BAD_COST,
    BAD_DATE,
    COLUMN_COUNT,
    COST_COLUMNS,
    DATE_COLUMNS,
    DATETIME_COLUMNS,
    INCIDENTS,
    MISSING_KEY,
    NEGATIVE_COST,
    normalize_header,
    serial_record_key,
)
from .values import parse_cost, parse_date, parse_datetime


def key_columns(config: FeedConfig) -> tuple[str, ...]:
    """The columns a row of ``config``'s feed may be keyed by, in order of preference."""
    if config.key_column:
        return (config.key_column,)
    return ("incident_id",) if config.kind == INCIDENTS else ("asset_tag", "serial_number")


class HeaderMap:
    """Which cell position feeds which standard column."""

    def __init__(self, header: list[str | None], config: FeedConfig, file_name: str) -> None:
        names = [normalize_header(text or "") for text in header]
        while names and not names[-1]:
            names.pop()
        self.width = len(names)
        standard = set(config.standard_columns)
        explicit: dict[str, int] = {}
        implicit: dict[str, int] = {}
        for position, name in enumerate(names):
            target = config.columns.get(name)
            found, column = (explicit, target) if target else (implicit, name)
            if column not in standard:
                continue
            if column in found:
                raise FileRejectedError(
                    config.source, f"{file_name}: two header cells feed column {column!r}"
                )
            found[column] = position
        positions = {**implicit, **explicit}  # an explicit mapping wins over a look-alike header
        self.positions = tuple(positions.items())
        wanted = key_columns(config)
        if not any(column in positions for column in wanted):
            raise FileRejectedError(
                config.source,
                f"{file_name}: header has no key column ({' or '.join(wanted)}); header: {names}",
                hint="add the column or map it in feeds.yaml (columns / key_column)",
            )


def record_key(payload: dict[str, Any], config: FeedConfig) -> str | None:
    """Native id of a row: the key column's value; by default the asset tag, else the serial key."""
    if config.kind == INCIDENTS:
        return payload.get(config.key_column or "incident_id")
    column = config.key_column
    if column is None:
        tag = payload.get("asset_tag")
        return tag.upper() if tag else serial_record_key(payload.get("serial_number")) or None
    value = payload.get(column)
    if value is None:
        return None
    if column == "serial_number":
        return serial_record_key(value) or None
    return value.upper() if column == "asset_tag" else value


def _convert(column: str, raw: Any, text: str | None, config: FeedConfig, problems: list[str]) -> str | None:
    """The cleaned value of one cell (``text`` is its cleaned text); failures go to ``problems``."""
    if text is None:
        return None
    value = text if isinstance(raw, str) else raw  # XLSX cells keep their type (date, number)
    try:
        if column in DATE_COLUMNS:
            return parse_date(value, config.date_format).isoformat()
        if column in DATETIME_COLUMNS:
            return parse_datetime(value, config.date_format).isoformat()
        if column in COST_COLUMNS:
            amount = parse_cost(value)
            if amount < 0:
                problems.append(f"{NEGATIVE_COST}: {column} '{text}'")
            return f"{amount}"
    except ValueError:
        code = BAD_COST if column in COST_COLUMNS else BAD_DATE
        problems.append(f"{code}: {column} '{text}'")
    return text


def row_record(
    cells: list[Any], texts: list[str | None], header: HeaderMap, config: FeedConfig, origin: str
) -> RawRecord:
    """One data row (raw cells and their ``cell_text``) as a RawRecord; a bad row carries
    ``error`` = ``CODE: detail[; CODE: detail]``."""
    problems: list[str] = []
    width = len(cells)
    used_width = next((n for n in range(width, 0, -1) if texts[n - 1] is not None), 0)
    wrong_width = width < header.width or used_width > header.width
    payload: dict[str, Any] = dict.fromkeys(config.standard_columns)
    for column, position in header.positions:
        raw, text = (cells[position], texts[position]) if position < width else (None, None)
        payload[column] = text if wrong_width else _convert(column, raw, text, config, problems)
    if wrong_width:
        # Cells are shifted: no value can be trusted, so no key either.
        got = width if width < header.width else used_width
        return RawRecord(
            config.source,
            None,
            payload,
            origin=origin,
            error=f"{COLUMN_COUNT}: expected {header.width}, got {got}",
        )
    key = record_key(payload, config)
    if key is None:
        wanted = " or ".join(key_columns(config))
        problems.insert(0, f"{MISSING_KEY}: no {wanted}")
    return RawRecord(config.source, key, payload, origin=origin, error="; ".join(problems) or None)

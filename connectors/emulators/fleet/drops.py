"""File drops written from the fleet: the procurement feed and an incidents feed.

Rows stream from lazy catalogs straight into CSV or XLSX, so a 1,000,000-row drop needs
no more memory than a 100-row one. What was written is remembered as a ``DropWrite``
(file names, row ranges, the few corrupted rows), from which the row-level truth is
recomputed on demand.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.file_drop import (
    BAD_DATE,
    COLUMN_COUNT,
    DATE_COLUMNS,
    DATETIME_COLUMNS,
    INCIDENT_COLUMNS,
    MISSING_KEY,
    NEGATIVE_COST,
)

from .devices import Device, build_device, device_uid, person
from .identifiers import mix
from .profiles import GENERIC_HOSTNAME, HOSTNAME_REUSED, ON_ORDER
from .vocabulary import INCIDENT_CATEGORIES

BAD_ROW_KINDS = (MISSING_KEY, BAD_DATE, NEGATIVE_COST, COLUMN_COUNT)
BAD_DATE_TEXT = "31/02/2024"  # neither ISO nor dd.mm.yyyy, and no such day anyway
_SALT_INCIDENT = 0x1C1D


@dataclass(frozen=True, slots=True)
class DropRow:
    """The truth about one written data row."""

    feed: str
    file_name: str
    row_number: int  # spreadsheet row: the header is row 1
    source_record_id: str | None  # what the file-drop connector will key the row by
    device_uid: str | None  # None for an incident that names no real device
    error_code: str | None  # the reason code the connector must report, None for a good row

    @property
    def origin(self) -> str:
        """``<file name>:<row>``, as the connector's RawRecord.origin."""
        return f"{self.file_name}:{self.row_number}"


@dataclass(frozen=True, slots=True)
class DropWrite:
    """What one ``write_drops`` / ``write_incidents`` call put on disk."""

    feed: str
    kind: str
    files: tuple[tuple[str, int, int], ...]  # (file name, first record, end record exclusive)
    bad: Mapping[int, str]  # record number -> injected error code

    def rows(self) -> Iterator[tuple[int, str, int, str | None]]:
        """(record number, file name, spreadsheet row, injected error code) of every written row."""
        for name, start, end in self.files:
            for k in range(start, end):
                yield k, name, k - start + 2, self.bad.get(k)


def bad_row_plan(total: int, count: int) -> dict[int, str]:
    """Which records to corrupt, spread evenly through the feed, cycling through the error kinds."""
    if count > total:
        raise ValueError(f"cannot corrupt {count} rows of a {total}-row feed")
    return {(2 * j + 1) * total // (2 * count): BAD_ROW_KINDS[j % len(BAD_ROW_KINDS)] for j in range(count)}


def file_ranges(total: int, files: int, stem: str, extension: str) -> tuple[tuple[str, int, int], ...]:
    """Split ``total`` records into ``files`` contiguous files named ``<stem>_NN<extension>``."""
    if files < 1:
        raise ValueError("files must be >= 1")
    per_file = -(-total // files) if total else 0
    return tuple(
        (f"{stem}_{n + 1:02d}{extension}", min(n * per_file, total), min((n + 1) * per_file, total))
        for n in range(files)
    )


# -- cell rendering ------------------------------------------------------------------------
def _european_amount(amount: str, currency: str) -> str:
    units, _, cents = amount.partition(".")
    negative = units.startswith("-")
    digits = units.lstrip("-")
    grouped = ".".join(reversed([digits[max(0, i - 3) : i] for i in range(len(digits), 0, -3)]))
    text = f"{'-' if negative else ''}{grouped},{cents or '00'}"
    return f"{text} €" if currency == "EUR" else text


def _european_date(text: str, with_time: bool) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # an injected bad date stays as it is
    return moment.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")


def text_cells(row: Mapping[str, str], columns: tuple[str, ...], *, european: bool) -> list[str]:
    """A row as CSV text cells; ``european`` writes dd.mm.yyyy dates and 1.234,50 amounts."""
    cells = []
    for column in columns:
        value = row[column]
        if european and value:
            if column in DATE_COLUMNS or column in DATETIME_COLUMNS:
                value = _european_date(value, column in DATETIME_COLUMNS)
            elif column == "purchase_cost":
                value = _european_amount(value, row.get("currency", ""))
        cells.append(value)
    return cells


def _typed(column: str, value: str) -> Any:
    try:
        if column in DATE_COLUMNS:
            return date.fromisoformat(value)
        if column in DATETIME_COLUMNS:
            return datetime.fromisoformat(value)
        if column == "purchase_cost":
            return float(value)
    except ValueError:
        return value  # an injected bad value stays text
    return value


def typed_cells(row: Mapping[str, str], columns: tuple[str, ...]) -> list[Any]:
    """A row as typed XLSX cells: real dates, numeric costs, empty cells for empty text."""
    return [_typed(column, row[column]) if row[column] else None for column in columns]


def corrupt_row(row: Mapping[str, str], code: str) -> dict[str, str]:
    """A copy of a procurement row damaged so the connector must report ``code`` for it.

    COLUMN_COUNT damages the rendered cells instead (see ``change_width``).
    """
    damaged = dict(row)
    if code == MISSING_KEY:
        damaged["asset_tag"] = damaged["serial_number"] = ""
    elif code == BAD_DATE:
        damaged["purchase_date"] = BAD_DATE_TEXT
    elif code == NEGATIVE_COST:
        amount = damaged["purchase_cost"]
        damaged["purchase_cost"] = f"-{amount}" if float(amount) > 0 else "-12.50"
    return damaged


def change_width(cells: list[Any], *, xlsx: bool) -> list[Any]:
    """CSV: a cell went missing. XLSX rows cannot be short, so a stray value sits past the header."""
    return [*cells, "unexpected"] if xlsx else cells[:-1]


def write_table(
    path: Path,
    columns: tuple[str, ...],
    rows: Iterable[list[Any]],
    *,
    encoding: str,
    delimiter: str,
    xlsx: bool,
) -> None:
    """Write a header and rows as CSV (``encoding``, ``delimiter``) or as an XLSX workbook."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if xlsx:
        import openpyxl  # deferred: only XLSX drops need it

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("Assets")
        sheet.append(list(columns))
        for cells in rows:
            sheet.append(cells)
        workbook.save(path)
        return
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(columns)
        writer.writerows(rows)


# -- incidents -----------------------------------------------------------------------------
def _identifiers(device: Device) -> list[tuple[str, str]]:
    """Identifiers a service-desk agent could have typed for ``device``."""
    found: list[tuple[str, str]] = []
    if device.asset_tag:
        found.append(("asset_tag", device.asset_tag))
    if device.serial_valid and ON_ORDER not in device.traps:
        found.append(("serial_number", device.serial))
    unique_name = device.kind != "phone" and not device.traps & {HOSTNAME_REUSED, GENERIC_HOSTNAME}
    if device.hostname and unique_name and device.kind not in ("display", "sim"):
        found.append(("hostname", device.hostname))
    return found


class IncidentCatalog:
    """Service-desk incidents naming fleet devices by one identifier; every ``unlinkable_every``-th
    incident names nothing that exists. Incident k is a pure function of (seed, k).
    """

    def __init__(self, seed: int, size: int, now: datetime, count: int, unlinkable_every: int = 10) -> None:
        if size < 1:
            raise ValueError("incidents need a fleet of at least one device")
        # Incident times are written without zone, like a service-desk export.
        self._seed, self._size, self._now = seed, size, now.astimezone(UTC).replace(tzinfo=None)
        self._count, self._every = count, unlinkable_every

    def __len__(self) -> int:
        return self._count

    def page(self, offset: int, limit: int) -> list[dict[str, str]]:
        """Rows ``offset`` .. ``offset + limit - 1`` in the incidents template (text values)."""
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must be >= 0")
        return [self.incident(k)[0] for k in range(offset, min(len(self), offset + limit))]

    def truth(self) -> Iterator[tuple[str, str | None]]:
        """(incident id, device uid or None) for every incident."""
        for k in range(len(self)):
            row, uid = self.incident(k)
            yield row["incident_id"], uid

    def incident(self, k: int) -> tuple[dict[str, str], str | None]:
        """Incident ``k`` and the uid of the device it is about (None when unlinkable)."""
        h = mix(self._seed, k, _SALT_INCIDENT)
        opened = (self._now - timedelta(minutes=h % (180 * 24 * 60))).replace(second=0, microsecond=0)
        closed = opened + timedelta(minutes=30 + (h >> 20) % (72 * 60))
        row = dict.fromkeys(INCIDENT_COLUMNS, "")
        row.update(
            incident_id=f"INC{k + 1:07d}",
            opened_at=opened.isoformat(sep=" "),
            closed_at=closed.isoformat(sep=" ") if (h >> 40) % 5 and closed <= self._now else "",
            category=INCIDENT_CATEGORIES[(h >> 8) % len(INCIDENT_CATEGORIES)],
        )
        if self._every and k % self._every == self._every - 1:
            column, value = (
                ("asset_tag", f"CT{self._size + 1 + k:07d}"),
                ("serial_number", "UNKNOWN-SN"),
                ("hostname", f"pc-{k:05d}-old"),
            )[(h >> 32) % 3]
            row[column] = value
            row["user"] = person(self._seed, (h >> 24) % max(1, self._size)).email
            return row, None
        index = h % self._size
        for step in range(self._size):
            device = build_device(self._seed, (index + step) % self._size, self._now)
            options = _identifiers(device)
            if options:
                column, value = options[(h >> 32) % len(options)]
                row[column] = value
                row["user"] = device.user.email if device.user else ""
                return row, device_uid(device.index)
        raise ValueError("no device of the fleet has an identifier an incident could name")

"""``Fleet``: the catalogs, the truth and the file drops of one seeded synthetic estate."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.file_drop import (
    COLUMN_COUNT,
    DEVICES,
    INCIDENT_COLUMNS,
    INCIDENTS,
    MISSING_KEY,
    STANDARD_COLUMNS,
)
from connectors.records import DEVICE42, FILE_PREFIX, INTUNE, MIRADORE

from .catalogs import SourceCatalog
from .devices import Device, asset_tag_of, build_device, device_uid, has_asset_tag, index_of_uid
from .drops import (
    DropRow,
    DropWrite,
    IncidentCatalog,
    bad_row_plan,
    change_width,
    corrupt_row,
    file_ranges,
    text_cells,
    typed_cells,
    write_table,
)
from .payloads import (
    device42_payload,
    device42_record_id,
    intune_payload,
    intune_record_id,
    miradore_payload,
    miradore_record_id,
    procurement_record_id,
    procurement_row,
)
from .profiles import (
    BLOCK,
    HOSTNAME_REUSED,
    PROCUREMENT,
    PROFILES,
    RECORDS_PER_BLOCK,
    SOURCES,
    TRAPS,
    reuse_partner,
    slot_of,
)

_PAGE = 1000


class Fleet:
    """A seeded estate of ``size`` devices. Nothing is stored per device: every catalog page,
    truth pair and file row is recomputed from (seed, index) when asked for.

    Catalogs (``len`` + ``page(offset, limit)``): ``intune``, ``device42``, ``miradore``
    (vendor payloads) and ``procurement`` (standard-template rows as text).
    """

    def __init__(self, size: int, seed: int, now: datetime) -> None:
        if size < 0:
            raise ValueError("size must be >= 0")
        self.size, self.seed, self.now = size, seed, now
        self.intune = SourceCatalog(
            INTUNE,
            seed,
            size,
            now,
            intune_payload,
            lambda index, variant: intune_record_id(seed, index, variant),
        )
        self.device42 = SourceCatalog(
            DEVICE42,
            seed,
            size,
            now,
            lambda device, _: device42_payload(device),
            lambda index, _: str(device42_record_id(index)),
        )
        self.miradore = SourceCatalog(
            MIRADORE,
            seed,
            size,
            now,
            lambda device, _: miradore_payload(device),
            lambda index, _: miradore_record_id(index),
        )
        self.procurement = SourceCatalog(
            PROCUREMENT,
            seed,
            size,
            now,
            lambda device, _: procurement_row(device),
            lambda index, _: self._procurement_id(index),
        )
        self._writes: dict[str, tuple[DropWrite, SourceCatalog | IncidentCatalog]] = {}

    # -- devices and traps ---------------------------------------------------------------
    def catalog(self, source: str) -> SourceCatalog:
        """The catalog of ``source`` (``intune``, ``device42``, ``miradore``, ``file:procurement``)."""
        catalogs = {
            INTUNE: self.intune,
            DEVICE42: self.device42,
            MIRADORE: self.miradore,
            PROCUREMENT: self.procurement,
        }
        if source not in catalogs:
            raise KeyError(f"no catalog for source {source!r}; expected one of {sorted(catalogs)}")
        return catalogs[source]

    def record_counts(self) -> dict[str, int]:
        """Number of records per source."""
        return {source: len(self.catalog(source)) for source in SOURCES}

    def device(self, device: int | str) -> Device:
        """The truth of one device, by index or uid."""
        index = index_of_uid(device) if isinstance(device, str) else device
        if not 0 <= index < self.size:
            raise IndexError(f"device {device!r} is not in a fleet of {self.size}")
        return build_device(self.seed, index, self.now)

    def uids(self) -> Iterator[str]:
        """Every device uid, in index order."""
        return (device_uid(index) for index in range(self.size))

    def traps(self, uid: str) -> frozenset[str]:
        """The traps device ``uid`` carries (keys of ``TRAPS``)."""
        index = index_of_uid(uid)
        traps = PROFILES[slot_of(self.seed, index)].traps
        if HOSTNAME_REUSED in traps and reuse_partner(self.seed, index) >= self.size:
            traps = traps - {HOSTNAME_REUSED}  # the partner fell outside a partial last block
        return traps

    def devices_with(self, trap: str) -> Iterator[str]:
        """Uids of the devices carrying ``trap``."""
        if trap not in TRAPS:
            raise KeyError(f"unknown trap {trap!r}")
        return (uid for uid in self.uids() if trap in self.traps(uid))

    # -- truth ---------------------------------------------------------------------------
    def truth(self, source: str) -> Iterator[tuple[str, str]]:
        """(source record id, device uid) of every record of ``source``.

        For a file feed that ``write_drops``/``write_incidents`` wrote, one pair per written
        row that has a key (incidents naming no real device are left out); before any write,
        the clean procurement catalog or the default incidents.
        """
        if source in (INTUNE, DEVICE42, MIRADORE):
            return self.catalog(source).truth()
        if not source.startswith(FILE_PREFIX):
            raise KeyError(f"unknown source {source!r}")
        feed = source[len(FILE_PREFIX) :]
        if feed in self._writes:
            return (
                (row.source_record_id, row.device_uid)
                for row in self.drop_rows(feed)
                if row.source_record_id is not None and row.device_uid is not None
            )
        if source == PROCUREMENT:
            return self.procurement.truth()
        if feed == INCIDENTS:
            return ((incident, uid) for incident, uid in self.incidents().truth() if uid is not None)
        raise KeyError(f"nothing was written for feed {feed!r}")

    def truth_pairs(self, sources: Iterable[str] | None = None) -> Iterator[tuple[str, str, str]]:
        """(source, source record id, device uid) over the device sources (default: the three
        APIs, procurement and any other device feed written)."""
        if sources is None:
            written = [
                f"{FILE_PREFIX}{feed}" for feed, (write, _) in self._writes.items() if write.kind == DEVICES
            ]
            sources = dict.fromkeys([*SOURCES, *written])
        for source in sources:
            for record_id, uid in self.truth(source):
                yield source, record_id, uid

    def drop_rows(self, feed: str) -> Iterator[DropRow]:
        """Row-level truth of the last write of ``feed``: origin, key, device and injected error."""
        if feed not in self._writes:
            raise KeyError(f"nothing was written for feed {feed!r}")
        write, catalog = self._writes[feed]
        for k, name, row_number, code in write.rows():
            if isinstance(catalog, IncidentCatalog):
                incident, uid = catalog.incident(k)
                yield DropRow(feed, name, row_number, incident["incident_id"], uid, code)
                continue
            index, _ = catalog.locate(k)
            key = None if code in (MISSING_KEY, COLUMN_COUNT) else self._procurement_id(index)
            yield DropRow(feed, name, row_number, key, device_uid(index), code)

    def _procurement_id(self, index: int) -> str | None:
        if has_asset_tag(PROFILES[slot_of(self.seed, index)]):
            return asset_tag_of(index)  # cheap: no need to build the device
        return procurement_record_id(procurement_row(build_device(self.seed, index, self.now)))

    # -- file drops ----------------------------------------------------------------------
    def incidents(self, count: int | None = None, *, unlinkable_every: int = 10) -> IncidentCatalog:
        """Incidents about fleet devices (default count: a tenth of the fleet, at least 10)."""
        return IncidentCatalog(
            self.seed,
            self.size,
            self.now,
            max(10, self.size // 10) if count is None else count,
            unlinkable_every,
        )

    def write_drops(
        self,
        drop_dir: Path | str,
        *,
        feed: str = "procurement",
        files: int = 1,
        encoding: str = "utf-8",
        delimiter: str = ",",
        xlsx: bool = False,
        bad_rows: int = 0,
        european: bool = False,
    ) -> list[Path]:
        """Write the procurement feed into ``<drop_dir>/<feed>/`` in the standard template.

        ``encoding``: ``utf-8``, ``utf-8-sig`` (with BOM) or ``cp1252``. ``european`` writes
        dd.mm.yyyy dates and ``1.234,50 €`` amounts (pair it with ``delimiter=";"``).
        ``bad_rows`` rows, spread through the feed, are damaged in turn as MISSING_KEY,
        BAD_DATE, NEGATIVE_COST and COLUMN_COUNT. Returns the written paths; ``drop_rows(feed)``
        then gives the truth per row.
        """
        catalog = self.procurement
        ranges = file_ranges(len(catalog), files, f"{feed}_{self.now:%Y%m%d}", ".xlsx" if xlsx else ".csv")
        bad = bad_row_plan(len(catalog), bad_rows)
        paths = []
        for name, start, end in ranges:
            path = Path(drop_dir) / feed / name
            rows = self._device_cells(catalog, start, end, bad, xlsx=xlsx, european=european)
            write_table(path, STANDARD_COLUMNS, rows, encoding=encoding, delimiter=delimiter, xlsx=xlsx)
            paths.append(path)
        self._writes[feed] = (DropWrite(feed, DEVICES, ranges, bad), catalog)
        return paths

    def write_incidents(
        self,
        drop_dir: Path | str,
        *,
        feed: str = INCIDENTS,
        count: int | None = None,
        files: int = 1,
        encoding: str = "utf-8",
        delimiter: str = ",",
        xlsx: bool = False,
        european: bool = False,
        unlinkable_every: int = 10,
    ) -> list[Path]:
        """Write an incidents feed (``INCIDENT_COLUMNS``) into ``<drop_dir>/<feed>/``.

        Each incident names its device by one identifier (asset tag, serial or unique host
        name); every ``unlinkable_every``-th names nothing that exists.
        """
        catalog = self.incidents(count, unlinkable_every=unlinkable_every)
        ranges = file_ranges(len(catalog), files, f"{feed}_{self.now:%Y%m%d}", ".xlsx" if xlsx else ".csv")
        paths = []
        for name, start, end in ranges:
            path = Path(drop_dir) / feed / name
            rows = self._incident_cells(catalog, start, end, xlsx=xlsx, european=european)
            write_table(path, INCIDENT_COLUMNS, rows, encoding=encoding, delimiter=delimiter, xlsx=xlsx)
            paths.append(path)
        self._writes[feed] = (DropWrite(feed, INCIDENTS, ranges, {}), catalog)
        return paths

    @staticmethod
    def _device_cells(
        catalog: SourceCatalog, start: int, end: int, bad: dict[int, str], *, xlsx: bool, european: bool
    ) -> Iterator[list[Any]]:
        for offset in range(start, end, _PAGE):
            for k, row in enumerate(catalog.page(offset, min(_PAGE, end - offset)), start=offset):
                code = bad.get(k)
                damaged = corrupt_row(row, code) if code else row
                cells = (
                    typed_cells(damaged, STANDARD_COLUMNS)
                    if xlsx
                    else text_cells(damaged, STANDARD_COLUMNS, european=european)
                )
                yield change_width(cells, xlsx=xlsx) if code == COLUMN_COUNT else cells

    @staticmethod
    def _incident_cells(
        catalog: IncidentCatalog, start: int, end: int, *, xlsx: bool, european: bool
    ) -> Iterator[list[Any]]:
        for offset in range(start, end, _PAGE):
            for row in catalog.page(offset, min(_PAGE, end - offset)):
                yield (
                    typed_cells(row, INCIDENT_COLUMNS)
                    if xlsx
                    else text_cells(row, INCIDENT_COLUMNS, european=european)
                )


def generate_fleet(size: int, seed: int = 42, *, now: datetime | None = None) -> Fleet:
    """A synthetic estate of ``size`` devices, deterministic for (size, seed, now).

    ``now`` anchors every timestamp (default: today at 00:00 UTC, so output changes once a day;
    pass it explicitly for byte-identical output across days). A naive ``now`` is taken as UTC.
    """
    if now is None:
        now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return Fleet(size, seed, now)


def records_per_device(sources: Iterable[str] = SOURCES) -> float:
    """Average number of source records per device over ``sources``."""
    return sum(RECORDS_PER_BLOCK[source] for source in sources) / BLOCK


def size_for_records(n_records: int, sources: Iterable[str] = SOURCES) -> int:
    """The fleet size whose ``sources`` together hold about ``n_records`` records."""
    return max(1, math.ceil(n_records / records_per_device(sources)))

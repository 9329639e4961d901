"""Bytes to rows: encoding and delimiter detection, streaming CSV, capped read-only XLSX.

Both readers yield ``(row number, cells)`` with the row number as a spreadsheet shows it
(1-based, blank rows counted), so an error can point a person at the right line.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from connectors.errors import FileRejectedError

from .config import FeedConfig

_DELIMITERS = (",", ";", "\t")
_SNIFF_BYTES = 65536
_CHUNK = 1024 * 1024


class HashingReader(io.RawIOBase):
    """Hashes a file's bytes as the CSV reader streams them (to notice a file changing mid-read)."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)
        if count:
            self.digest.update(memoryview(buffer)[:count])
        return count or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


def decodes(path: Path, encoding: str) -> bool:
    """True when the whole file decodes strictly as ``encoding`` (streamed, constant memory)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path, source: str) -> str:
    """UTF-8 with BOM, UTF-16 with BOM, UTF-8, else cp1252; binary content is refused."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export
    if b"\x00" in head:
        raise FileRejectedError(source, f"{path.name} is binary, not CSV text")
    for encoding in ("utf-8", "cp1252"):
        if decodes(path, encoding):
            return encoding
    raise FileRejectedError(
        source,
        f"{path.name} is neither UTF-8 nor cp1252 text",
        hint="set 'encoding' for this feed in feeds.yaml",
    )


def sniff_delimiter(sample: str) -> str:
    """The candidate (``,`` ``;`` tab) that splits the first non-empty line into the most fields."""
    first_line = next((line for line in sample.splitlines() if line.strip()), "")
    best, best_count = ",", 1
    for candidate in _DELIMITERS:
        fields = next(csv.reader([first_line], delimiter=candidate), [])
        if len(fields) > best_count:
            best, best_count = candidate, len(fields)
    return best


def csv_rows(path: Path, config: FeedConfig, expected_sha256: str) -> Iterator[tuple[int, list[Any]]]:
    """Stream a CSV file's rows; fails at the end if the bytes no longer hash to ``expected_sha256``."""
    source = config.source
    encoding = config.encoding or detect_encoding(path, source)
    if config.delimiter:
        delimiter = config.delimiter
    else:
        with path.open(encoding=encoding, errors="replace", newline="") as handle:
            delimiter = sniff_delimiter(handle.read(_SNIFF_BYTES))
    hashing = HashingReader(path.open("rb"))
    text = io.TextIOWrapper(io.BufferedReader(hashing), encoding=encoding, newline="")
    row_number = 0
    try:
        with text:
            for row_number, cells in enumerate(csv.reader(text, delimiter=delimiter), start=1):
                yield row_number, cells
            # A file still being uploaded must fail as a whole, not half-load.
            if expected_sha256 and hashing.digest.hexdigest() != expected_sha256:
                raise FileRejectedError(
                    source,
                    f"{path.name} changed while it was read",
                    hint="drop files atomically (write elsewhere, then move)",
                )
    except UnicodeDecodeError as exc:
        raise FileRejectedError(
            source,
            f"{path.name}: not valid {encoding} after row {row_number}",
            hint="set 'encoding' for this feed in feeds.yaml",
        ) from exc
    except csv.Error as exc:
        raise FileRejectedError(source, f"{path.name}: unreadable CSV near row {row_number}: {exc}") from exc


def check_xlsx_container(path: Path, source: str, max_xml_bytes: int) -> None:
    """Zip-bomb guard: refuse sheet or shared-string XML that inflates beyond ``max_xml_bytes``.

    zipfile never inflates a member past its declared size (it stops and fails the CRC),
    so checking the declared sizes bounds the work.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRejectedError(source, f"{path.name} is not an XLSX (zip) file: {exc}") from exc
    for member in members:
        is_xml = member.filename.startswith("xl/worksheets/") or member.filename == "xl/sharedStrings.xml"
        if is_xml and member.file_size > max_xml_bytes:
            raise FileRejectedError(
                source,
                f"{path.name}: {member.filename} inflates to {member.file_size} bytes, "
                f"over the cap of {max_xml_bytes}",
            )


def xlsx_rows(
    path: Path, source: str, *, max_cells: int, max_xml_bytes: int
) -> Iterator[tuple[int, list[Any]]]:
    """Stream the first worksheet's rows (values, not formulas), refusing more than ``max_cells``."""
    check_xlsx_container(path, source, max_xml_bytes)
    import openpyxl  # deferred: only XLSX drops pay for importing it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken package
        raise FileRejectedError(source, f"{path.name} is not a readable XLSX workbook: {exc}") from exc
    try:
        if not workbook.worksheets:
            raise FileRejectedError(source, f"{path.name} has no worksheet")
        sheet = workbook.worksheets[0]
        declared = (sheet.max_row or 0) * (sheet.max_column or 0)
        if declared > max_cells:
            raise FileRejectedError(
                source, f"{path.name}: sheet declares {declared} cells, over the cap of {max_cells}"
            )
        # Read-only mode trusts <dimension> and silently drops rows beyond it; writers that
        # put "A1" there exist. Stream every row instead and count cells ourselves.
        sheet.reset_dimensions()
        cells = 0
        for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells += len(row)
            if cells > max_cells:  # the declared dimension may lie
                raise FileRejectedError(source, f"{path.name}: more than {max_cells} cells")
            yield row_number, list(row)
    finally:
        workbook.close()

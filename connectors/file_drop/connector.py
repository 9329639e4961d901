"""``FileDropConnector``: list, read, archive and safeguard the files of a drop folder."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.errors import FileRejectedError
from connectors.records import RawRecord, file_source

from .config import ARCHIVE_DIR, FEED_NAME, REJECTED_DIR, FeedConfig, default_feed, load_feeds
from .readers import csv_rows, xlsx_rows
from .rows import HeaderMap, row_record
from .templates import DEVICES
from .values import cell_text

log = logging.getLogger(__name__)

LEDGER_FILE = ".ledger.jsonl"
CSV_EXTENSIONS = frozenset({".csv", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx"})
DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_XLSX_CELLS = 20_000_000
DEFAULT_MAX_XLSX_XML_BYTES = 1024 * 1024 * 1024

# Names of files still being written or editor droppings: neither pending nor rejected.
_IN_FLIGHT_SUFFIXES = frozenset({".part", ".partial", ".tmp", ".crdownload", ".filepart"})
_HASHED_NAME = re.compile(r"^(?P<stem>.*)~(?P<sha>[0-9a-f]{8})(?P<suffix>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class DropFile:
    """A file in a feed folder (or its archive).

    ``partition_key`` (``<feed>/<name>``) stays valid after archiving: ``find`` looks in both
    places. When the archive already holds a different file of the same name, the key (and
    the archived name) become ``<stem>~<first 8 hex of sha256><suffix>``.
    """

    feed: str
    path: Path
    name: str
    size: int
    sha256: str
    partition_key: str
    kind: str = DEVICES
    mode: str = "full"
    archived: bool = False

    @property
    def source(self) -> str:
        return file_source(self.feed)

    @property
    def archive_name(self) -> str:
        """Name of the file in ``<feed>/archive/``."""
        return self.partition_key.split("/", 1)[1]


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Ledger:
    """Append-only JSON lines: one entry per processed (or rejected) file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def hashes(self, feed: str | None = None) -> set[tuple[str, str]]:
        """(feed, sha256) of every entry (of ``feed`` when given)."""
        found: set[tuple[str, str]] = set()
        if not self.path.is_file():
            return found
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    entry = json.loads(line)
                    pair = (str(entry["feed"]), str(entry["sha256"]))
                except (ValueError, KeyError, TypeError):
                    # A torn last line after a crash must not block every later run.
                    log.warning("ledger %s line %d is not a valid entry; ignored", self.path.name, number)
                    continue
                if feed is None or pair[0] == feed:
                    found.add(pair)
        return found

    def append(self, entry: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


class FileDropConnector:
    """Lists, reads and archives the files of a drop folder (see ``connectors.file_drop``)."""

    def __init__(
        self,
        drop_dir: Path | str,
        *,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        max_xlsx_cells: int = DEFAULT_MAX_XLSX_CELLS,
        max_xlsx_xml_bytes: int = DEFAULT_MAX_XLSX_XML_BYTES,
        ledger_path: Path | str | None = None,
    ) -> None:
        self.drop_dir = Path(drop_dir)
        self.max_file_bytes = max_file_bytes
        self.max_xlsx_cells = max_xlsx_cells
        self.max_xlsx_xml_bytes = max_xlsx_xml_bytes
        self.ledger = Ledger(Path(ledger_path) if ledger_path else self.drop_dir / LEDGER_FILE)
        self._configs = load_feeds(self.drop_dir)

    # -- discovery -------------------------------------------------------------------------
    def feeds(self) -> list[str]:
        """Feed folders present plus feeds configured in ``feeds.yaml``."""
        present = set()
        if self.drop_dir.is_dir():
            present = {
                p.name
                for p in self.drop_dir.iterdir()
                if p.is_dir() and FEED_NAME.match(p.name) and self._inside_root(p)
            }
        return sorted(present | set(self._configs))

    def feed_config(self, feed: str) -> FeedConfig:
        """Settings of ``feed`` (defaults unless ``feeds.yaml`` says otherwise)."""
        return self._configs.get(feed) or default_feed(feed)

    def pending_files(self, feed: str | None = None) -> list[DropFile]:
        """Files whose content is not in the ledger yet, by name. Unsafe entries are left out
        (and logged; see ``rejected_files``); a second copy of pending content is left out too.
        """
        pending: list[DropFile] = []
        processed = self.ledger.hashes()
        for name in [feed] if feed else self.feeds():
            seen: set[str] = set()
            for path, reason in self._candidates(name):
                if reason:
                    log.warning("file drop %s/%s refused: %s", name, path.name, reason)
                    continue
                digest = sha256_of(path)
                if (name, digest) in processed or digest in seen:
                    continue
                seen.add(digest)
                pending.append(self._drop_file(name, path, digest, archived=False))
        return pending

    def rejected_files(self, feed: str | None = None) -> list[tuple[Path, str]]:
        """Entries of feed folders that will never be read, with the reason."""
        return [
            (path, reason)
            for name in ([feed] if feed else self.feeds())
            for path, reason in self._candidates(name)
            if reason
        ]

    def find(self, partition_key: str) -> DropFile:
        """The file behind ``partition_key``, pending or archived (for re-ingest and backfill).

        Raises FileRejectedError for unsafe keys or files, FileNotFoundError when absent.
        """
        feed, name = self._split_key(partition_key)
        folder = self.drop_dir / feed
        for candidate, archived in ((folder / name, False), (folder / ARCHIVE_DIR / name, True)):
            if candidate.exists() or candidate.is_symlink():
                self._refuse_unsafe(feed, candidate)
                return self._drop_file(feed, candidate, sha256_of(candidate), archived=archived)
        hashed = _HASHED_NAME.match(name)
        if hashed:  # a pending file whose name is taken in the archive
            original = folder / f"{hashed['stem']}{hashed['suffix']}"
            if original.exists() or original.is_symlink():
                self._refuse_unsafe(feed, original)
                digest = sha256_of(original)
                if digest.startswith(hashed["sha"]):
                    config = self.feed_config(feed)
                    size = original.stat().st_size
                    return DropFile(
                        feed, original, original.name, size, digest, partition_key, config.kind, config.mode
                    )
        raise FileNotFoundError(
            f"no file for partition {partition_key!r} in {feed}/ or {feed}/{ARCHIVE_DIR}/"
        )

    def is_processed(self, drop_file: DropFile) -> bool:
        """True once the file's content is in the ledger for its feed."""
        return (drop_file.feed, drop_file.sha256) in self.ledger.hashes(drop_file.feed)

    # -- reading ---------------------------------------------------------------------------
    def read(self, drop_file: DropFile) -> Iterator[RawRecord]:
        """Stream the rows of ``drop_file`` as RawRecords (source ``file:<feed>``).

        The header is the first non-empty row. ``origin`` is ``<file name>:<row>``, where row
        is the spreadsheet row number as Excel shows it (the header is usually row 1, so the
        first data row is row 2). Empty rows are skipped. Raises FileRejectedError when the
        file as a whole cannot be read.
        """
        config = self.feed_config(drop_file.feed)
        path = self._refuse_unsafe(drop_file.feed, drop_file.path)
        xlsx = path.suffix.lower() in XLSX_EXTENSIONS
        if xlsx:
            rows = xlsx_rows(
                path, config.source, max_cells=self.max_xlsx_cells, max_xml_bytes=self.max_xlsx_xml_bytes
            )
        else:
            rows = csv_rows(path, config, drop_file.sha256)
        header: HeaderMap | None = None
        for row_number, cells in rows:
            texts = [cell_text(cell) for cell in cells]
            if all(text is None for text in texts):
                continue
            if header is None:
                header = HeaderMap(texts, config, drop_file.name)
                continue
            if xlsx and len(cells) < header.width:  # a sheet simply omits trailing empty cells
                padding = [None] * (header.width - len(cells))
                cells, texts = [*cells, *padding], [*texts, *padding]
            yield row_record(cells, texts, header, config, f"{drop_file.name}:{row_number}")
        if header is None:
            raise FileRejectedError(config.source, f"{drop_file.name}: the file has no header row")

    # -- bookkeeping -----------------------------------------------------------------------
    def mark_processed(self, drop_file: DropFile, rows: int) -> Path:
        """Record the file in the ledger and move it to ``<feed>/archive/``; returns the archived path.

        An archived file is never overwritten. Marking an already archived file (a re-ingest)
        only appends a ledger entry.
        """
        self._ledger_entry(drop_file, rows=rows)
        if drop_file.archived:
            return drop_file.path
        return self._move_aside(drop_file, ARCHIVE_DIR)

    def mark_rejected(self, drop_file: DropFile, reason: str) -> Path:
        """Record a file whose content was refused and move it to ``<feed>/rejected/``."""
        self._ledger_entry(drop_file, rows=0, rejected=reason)
        return self._move_aside(drop_file, REJECTED_DIR)

    def _ledger_entry(self, drop_file: DropFile, *, rows: int, rejected: str | None = None) -> None:
        entry: dict[str, Any] = {
            "sha256": drop_file.sha256,
            "feed": drop_file.feed,
            "name": drop_file.name,
            "partition_key": drop_file.partition_key,
            "size": drop_file.size,
            "rows": rows,
            "processed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if rejected:
            entry["rejected"] = rejected
        self.ledger.append(entry)

    def _move_aside(self, drop_file: DropFile, folder_name: str) -> Path:
        folder = self.drop_dir / drop_file.feed / folder_name
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / drop_file.archive_name
        if target.exists():
            if sha256_of(target) == drop_file.sha256:  # the same bytes are already there
                drop_file.path.unlink()
                return target
            stem, suffix = os.path.splitext(drop_file.archive_name)
            target = folder / f"{stem}~{drop_file.sha256[:8]}{suffix}"
            if target.exists():
                target = folder / f"{stem}~{drop_file.sha256}{suffix}"
        try:
            os.link(drop_file.path, target)  # unlike rename, fails if the target appeared meanwhile
        except FileExistsError:
            raise
        except OSError:
            shutil.move(drop_file.path, target)  # file systems without hard links
            return target
        drop_file.path.unlink()
        return target

    # -- safety ----------------------------------------------------------------------------
    def _inside_root(self, path: Path) -> bool:
        try:
            return path.resolve(strict=True).is_relative_to(self.drop_dir.resolve())
        except OSError:
            return False

    def _unsafe_reason(self, path: Path) -> str | None:
        if not self._inside_root(path):
            return "resolves outside the drop folder"
        if not path.is_file():
            return "not a regular file"
        suffix = path.suffix.lower()
        if suffix not in CSV_EXTENSIONS | XLSX_EXTENSIONS:
            return f"unknown extension {suffix or '(none)'!r}; expected .csv, .tsv or .xlsx"
        size = path.stat().st_size
        if size > self.max_file_bytes:
            return f"{size} bytes, over the cap of {self.max_file_bytes}"
        return None

    def _refuse_unsafe(self, feed: str, path: Path) -> Path:
        reason = self._unsafe_reason(path)
        if reason:
            raise FileRejectedError(file_source(feed), f"{path.name}: {reason}")
        return path.resolve()

    def _candidates(self, feed: str) -> Iterator[tuple[Path, str | None]]:
        folder = self.drop_dir / feed
        if not FEED_NAME.match(feed) or not folder.is_dir() or not self._inside_root(folder):
            return
        for path in sorted(folder.iterdir()):
            if path.name.startswith((".", "~$")) or path.suffix.lower() in _IN_FLIGHT_SUFFIXES:
                continue
            if path.is_dir() and not path.is_symlink():
                continue  # archive/, rejected/ and anything else a person made
            yield path, self._unsafe_reason(path)

    @staticmethod
    def _split_key(partition_key: str) -> tuple[str, str]:
        feed, _, name = partition_key.partition("/")
        path_like = "/" in name or "\\" in name or "\x00" in partition_key or name.startswith(".")
        if not FEED_NAME.match(feed) or not name or path_like:
            raise FileRejectedError(
                file_source(feed or "?"),
                f"invalid partition key {partition_key!r}",
                hint="expected '<feed>/<file name>' without path components",
            )
        return feed, name

    def _drop_file(self, feed: str, path: Path, digest: str, *, archived: bool) -> DropFile:
        name = path.name
        if not archived:
            existing = self.drop_dir / feed / ARCHIVE_DIR / name
            if existing.exists() and sha256_of(existing) != digest:
                stem, suffix = os.path.splitext(name)
                name = f"{stem}~{digest[:8]}{suffix}"
        config = self.feed_config(feed)
        size = path.stat().st_size
        return DropFile(
            feed, path, path.name, size, digest, f"{feed}/{name}", config.kind, config.mode, archived
        )

"""File-drop connector: CSV/XLSX files dropped into ``<drop_dir>/<feed>/``.

Layout::

    <drop_dir>/feeds.yaml               optional: settings of non-standard feeds
    <drop_dir>/.ledger.jsonl            content-hash ledger of processed files (default place)
    <drop_dir>/<feed>/*.csv|*.tsv|*.xlsx  pending files
    <drop_dir>/<feed>/archive/          processed files (never overwritten)
    <drop_dir>/<feed>/rejected/         files whose content cannot be read at all

A feed in the standard import template (``STANDARD_COLUMNS``) needs no configuration;
header names match case-insensitively, with spaces or dashes for underscores. The feed
named ``incidents`` reads ``INCIDENT_COLUMNS``. ``feeds.yaml`` maps a feed name to settings::

    hr_laptops:
      kind: devices             # devices | incidents (default: incidents for the feed "incidents")
      columns: {"Asset No": asset_tag, "Serial": serial_number}   # source header -> standard column
      key_column: serial_number # default: asset_tag, else serial_number (incidents: incident_id)
      date_format: "%m/%d/%Y"   # strptime format; default tries YYYY-MM-DD, then dd.mm.yyyy
      delimiter: ";"            # default: sniffed among , ; and tab
      encoding: cp1252          # default: UTF-8 with BOM, UTF-16 with BOM, UTF-8, else cp1252
      mode: full                # delta | full (default delta): may absence in this file mean "gone"?

Every row becomes a ``RawRecord`` whose payload holds every column of the feed's kind
(cleaned text or None). Dates come out as ISO ``YYYY-MM-DD`` (incident times as
``YYYY-MM-DDTHH:MM:SS``) and costs as plain decimals (``1234.50``), so nothing downstream
needs the feed's settings. A bad row is yielded with ``error`` = ``CODE: detail`` and the
rest of the file still loads. A file that cannot be read as a whole raises
``FileRejectedError``; so do files outside the drop folder, over the size cap, with an
unknown extension, or XLSX files whose cell count or XML size exceeds the caps.

The same content dropped again under any name is not pending: the ledger is keyed by
(feed, SHA-256 of the bytes).
"""

from __future__ import annotations

from .config import FEEDS_FILE, FeedConfig, FeedConfigError, default_feed, load_feeds
from .connector import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_XLSX_CELLS,
    DEFAULT_MAX_XLSX_XML_BYTES,
    LEDGER_FILE,
    DropFile,
    FileDropConnector,
)
from .templates import (
    BAD_COST,
    BAD_DATE,
    COLUMN_COUNT,
    COLUMNS_BY_KIND,
    COST_COLUMNS,
    DATE_COLUMNS,
    DATETIME_COLUMNS,
    DEVICES,
    INCIDENT_COLUMNS,
    INCIDENTS,
    MISSING_KEY,
    NEGATIVE_COST,
    STANDARD_COLUMNS,
    normalize_header,
    serial_record_key,
)
from .values import parse_cost, parse_date, parse_datetime

__all__ = [
    "BAD_COST",
    "BAD_DATE",
    "COLUMNS_BY_KIND",
    "COLUMN_COUNT",
    "COST_COLUMNS",
    "DATETIME_COLUMNS",
    "DATE_COLUMNS",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_XLSX_CELLS",
    "DEFAULT_MAX_XLSX_XML_BYTES",
    "DEVICES",
    "FEEDS_FILE",
    "INCIDENTS",
    "INCIDENT_COLUMNS",
    "LEDGER_FILE",
    "MISSING_KEY",
    "NEGATIVE_COST",
    "STANDARD_COLUMNS",
    "DropFile",
    "FeedConfig",
    "FeedConfigError",
    "FileDropConnector",
    "default_feed",
    "load_feeds",
    "normalize_header",
    "parse_cost",
    "parse_date",
    "parse_datetime",
    "serial_record_key",
]

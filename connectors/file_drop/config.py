"""Feed settings: ``feeds.yaml`` parsed into validated ``FeedConfig`` objects."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from connectors.errors import ConnectorError
from connectors.records import file_source

from .templates import COLUMNS_BY_KIND, DEVICES, INCIDENTS, normalize_header

FEEDS_FILE = "feeds.yaml"
ARCHIVE_DIR = "archive"
REJECTED_DIR = "rejected"
FEED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_RESERVED_DIRS = frozenset({ARCHIVE_DIR, REJECTED_DIR})
_FEED_KEYS = frozenset({"kind", "columns", "key_column", "date_format", "delimiter", "encoding", "mode"})


class FeedConfigError(ConnectorError):
    """``feeds.yaml`` is malformed or names an invalid value; the message names feed and key."""


@dataclass(frozen=True)
class FeedConfig:
    """How to read one feed. The defaults describe the standard template."""

    name: str
    kind: str = DEVICES
    columns: Mapping[str, str] = field(default_factory=dict)  # normalized source header -> standard column
    key_column: str | None = None
    date_format: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    mode: str = "delta"  # a file adds and updates; only an explicit full export proves absence

    @property
    def source(self) -> str:
        """Source name of the feed's records, e.g. ``file:procurement``."""
        return file_source(self.name)

    @property
    def standard_columns(self) -> tuple[str, ...]:
        return COLUMNS_BY_KIND[self.kind]


def default_feed(name: str) -> FeedConfig:
    """Settings of a feed that ``feeds.yaml`` does not mention."""
    return FeedConfig(name=name, kind=INCIDENTS if name == INCIDENTS else DEVICES)


def _config_error(feed: str, key: str | None, message: str) -> FeedConfigError:
    where = f"feed '{feed}'" + (f", key '{key}'" if key else "")
    return FeedConfigError(file_source(feed), f"{FEEDS_FILE}: {where}: {message}")


def _validated_feed(name: str, settings: Any) -> FeedConfig:
    if not FEED_NAME.match(name) or name in _RESERVED_DIRS:
        raise _config_error(name, None, "feed names are folder names: letters, digits, '_', '-', '.'")
    if settings is None:
        return default_feed(name)
    if not isinstance(settings, dict):
        raise _config_error(name, None, f"expected a mapping of settings, got {type(settings).__name__}")
    unknown = sorted(set(map(str, settings)) - _FEED_KEYS)
    if unknown:
        raise _config_error(name, unknown[0], f"unknown setting; expected one of {sorted(_FEED_KEYS)}")
    kind = settings.get("kind", default_feed(name).kind)
    if kind not in COLUMNS_BY_KIND:
        raise _config_error(name, "kind", f"expected 'devices' or 'incidents', got {kind!r}")
    standard = COLUMNS_BY_KIND[kind]
    return FeedConfig(
        name=name,
        kind=kind,
        columns=_validated_columns(name, settings.get("columns") or {}, standard),
        key_column=_validated_choice(name, "key_column", settings.get("key_column"), standard),
        date_format=_validated_date_format(name, settings.get("date_format")),
        delimiter=_validated_delimiter(name, settings.get("delimiter")),
        encoding=_validated_encoding(name, settings.get("encoding")),
        mode=_validated_choice(name, "mode", settings.get("mode", "delta"), ("full", "delta")) or "delta",
    )


def _validated_columns(feed: str, columns: Any, standard: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(columns, dict):
        raise _config_error(feed, "columns", "expected a mapping of source column -> standard column")
    mapping: dict[str, str] = {}
    targets: dict[str, str] = {}
    for source_column, target in columns.items():
        if target not in standard:
            raise _config_error(
                feed,
                "columns",
                f"{source_column!r} maps to unknown column {target!r}; expected one of {list(standard)}",
            )
        if target in targets:
            raise _config_error(
                feed, "columns", f"{targets[target]!r} and {source_column!r} both map to {target!r}"
            )
        targets[target] = str(source_column)
        mapping[normalize_header(str(source_column))] = target
    return mapping


def _validated_choice(feed: str, key: str, value: Any, allowed: Iterable[str]) -> str | None:
    if value is None:
        return None
    allowed = tuple(allowed)
    if value not in allowed:
        raise _config_error(feed, key, f"expected one of {list(allowed)}, got {value!r}")
    return str(value)


def _validated_date_format(feed: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or "%" not in value:
        raise _config_error(
            feed, "date_format", f"expected a strptime format such as '%d/%m/%Y', got {value!r}"
        )
    try:
        sample = date(2024, 3, 15).strftime(value)
        datetime.strptime(sample, value)
    except ValueError as exc:
        raise _config_error(
            feed, "date_format", f"{value!r} is not a usable strptime format ({exc})"
        ) from exc
    return value


def _validated_delimiter(feed: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 1 or value in '"\r\n':
        raise _config_error(
            feed, "delimiter", f"expected one character such as ',' ';' or a tab, got {value!r}"
        )
    return value


def _validated_encoding(feed: str, value: Any) -> str | None:
    if value is None:
        return None
    try:
        codecs.lookup(str(value))
    except LookupError as exc:
        raise _config_error(feed, "encoding", f"unknown encoding {value!r}") from exc
    return str(value)


def load_feeds(drop_dir: Path | str) -> dict[str, FeedConfig]:
    """The feeds described in ``<drop_dir>/feeds.yaml`` (empty when the file is absent).

    Raises ``FeedConfigError`` naming the feed and the key of the first invalid value.
    """
    path = Path(drop_dir) / FEEDS_FILE
    if not path.is_file():
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FeedConfigError(file_source(FEEDS_FILE), f"{FEEDS_FILE} is not valid YAML: {exc}") from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise FeedConfigError(file_source(FEEDS_FILE), f"{FEEDS_FILE} must map feed names to settings")
    return {str(name): _validated_feed(str(name), settings) for name, settings in document.items()}

"""The one record shape every connector yields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

# Source names as they appear in the repository (`asset_source_records.source`).
INTUNE = "intune"
DEVICE42 = "device42"
MIRADORE = "miradore"
FILE_PREFIX = "file:"
API_SOURCES: tuple[str, ...] = (INTUNE, DEVICE42, MIRADORE)


def file_source(feed: str) -> str:
    """Source name of a file-drop feed, e.g. ``file:procurement``."""
    return f"{FILE_PREFIX}{feed}"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One device exactly as a source delivered it.

    ``payload`` is JSON-serialisable and vendor-shaped:
    - intune: the Graph ``managedDevice`` object as returned;
    - device42: the ``/api/1.0/devices/all/`` device object as returned;
    - miradore: a flat dict keyed by the v1 attribute path (``ID``, ``Status``,
      ``InvDevice.SerialNumber``, ``User.Email`` ...); list containers become lists
      (``Tags`` -> ``["loaner"]``); every scalar is the XML text (a string) or None;
    - file drops: standard-template column name -> cell text (str) or None.

    ``error`` is set when the connector itself rejects the record (a file row with a
    missing key or the wrong column count); such records go to quarantine with the reason.
    ``origin`` says where the record came from when that helps a human (``laptops.csv:17``).
    """

    source: str
    source_record_id: str | None
    payload: dict[str, Any]
    origin: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class DeviceSource(Protocol):
    """What every API connector offers."""

    source: str

    def iter_records(self) -> Iterator[RawRecord]:
        """Stream every device, page by page. Raises a ConnectorError on any failure."""
        ...

    def check(self) -> str:
        """Reach the source with the cheapest authenticated call; return a short OK text or raise."""
        ...

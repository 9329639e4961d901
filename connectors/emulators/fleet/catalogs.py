"""Lazy per-source catalogs: record k of a source is computed on demand from (seed, k).

Record k of a source maps to (device index, variant) in O(1): full blocks of 100 devices
each yield the same fixed list of (slot, variant) pairs (``profiles.RECORD_TABLES``), so
``block = k // records_per_block`` and the slot's device index comes from the block's
permutation. Only the last, partial block needs its own short list, computed once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from .devices import Device, build_device, device_uid
from .profiles import BLOCK, RECORD_TABLES, index_of_slot

Renderer = Callable[[Device, int], dict[str, Any]]
RecordId = Callable[[int, int], str | None]


class SourceCatalog:
    """The records one source holds, in a stable order, generated page by page.

    Satisfies the emulators' ``Catalog`` protocol (``len`` and ``page``).
    """

    def __init__(
        self, source: str, seed: int, size: int, now: datetime, render: Renderer, record_id: RecordId
    ) -> None:
        self.source = source
        self._seed, self._size, self._now = seed, size, now
        self._render, self._record_id = render, record_id
        self._table = RECORD_TABLES[source]
        self._full_blocks, rest = divmod(size, BLOCK)
        tail_block = self._full_blocks
        self._tail = tuple(
            (slot, variant)
            for slot, variant in self._table
            if rest and index_of_slot(seed, tail_block, slot) < size
        )
        self._full_records = self._full_blocks * len(self._table)

    def __len__(self) -> int:
        return self._full_records + len(self._tail)

    def locate(self, k: int) -> tuple[int, int]:
        """(device index, variant) of record ``k``."""
        if not 0 <= k < len(self):
            raise IndexError(f"{self.source} record {k} out of range (0..{len(self) - 1})")
        if k < self._full_records:
            block, offset = divmod(k, len(self._table))
            slot, variant = self._table[offset]
        else:
            block = self._full_blocks
            slot, variant = self._tail[k - self._full_records]
        return index_of_slot(self._seed, block, slot), variant

    def page(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """Records ``offset`` .. ``offset + limit - 1`` (fewer at the end)."""
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must be >= 0")
        end = min(len(self), offset + limit)
        payloads: list[dict[str, Any]] = []
        last: Device | None = None
        for k in range(offset, end):
            index, variant = self.locate(k)
            if last is None or last.index != index:  # both enrolments of a device are adjacent
                last = build_device(self._seed, index, self._now)
            payloads.append(self._render(last, variant))
        return payloads

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for offset in range(0, len(self), 1000):
            yield from self.page(offset, 1000)

    def truth(self) -> Iterator[tuple[str, str]]:
        """(source record id, device uid) of every record, in catalog order."""
        for k in range(len(self)):
            index, variant = self.locate(k)
            record_id = self._record_id(index, variant)
            if record_id is not None:
                yield record_id, device_uid(index)

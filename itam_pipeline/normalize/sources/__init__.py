"""One mapper per source: vendor payload fields -> staging columns (see ``base.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from itam_pipeline.normalize.payloads import Extracted, Field
from itam_pipeline.normalize.sources import device42, files, intune, miradore
from itam_pipeline.normalize.sources.base import Staging

FILE_PREFIX = "file:"  # same value as connectors.records.FILE_PREFIX (domain code stays independent)


@dataclass(frozen=True)
class SourceMapper:
    """The payload fields a source needs and the function that stages them."""

    kind: str  # intune, device42, miradore or file: selects the asset-type rules too
    fields: Mapping[str, Field]
    stage: Callable[[Extracted], Staging]


MAPPERS = {
    "intune": SourceMapper("intune", intune.FIELDS, intune.stage),
    "device42": SourceMapper("device42", device42.FIELDS, device42.stage),
    "miradore": SourceMapper("miradore", miradore.FIELDS, miradore.stage),
    "file": SourceMapper("file", files.FIELDS, files.stage),
}


def mapper_for(source: str) -> SourceMapper | None:
    """The mapper of a source name (every ``file:<feed>`` shares the template mapper), or None."""
    if source.startswith(FILE_PREFIX) and len(source) > len(FILE_PREFIX):
        return MAPPERS["file"]
    return MAPPERS.get(source)

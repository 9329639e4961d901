"""The lake: Parquet snapshots of what each source delivered, and of its normalized form.

Layout under ``ITAM_LAKE_DIR``::

    raw/<source>/<landing>.parquet          every record exactly as extracted (payload as JSON)
    raw/<source>/<landing>.json             manifest: counts, completed yes/no, error
    normalized/<source>/<run_id>.parquet    normalized output of one run (staged)
    normalized/<source>/current.parquet     promoted after the repository commit

Raw landings are the replay point: re-normalizing or re-reconciling after a rule change
reads them instead of calling the sources again. Staged normalized snapshots become
``current`` only once the repository write that used them committed, so a run stopped by
a blocking check never leaks its data into a later run.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.errors import ConnectorError
from connectors.records import RawRecord
from itam_pipeline.schema import NORMALIZED_SCHEMA, RAW_SCHEMA, conform, empty_frame

# Records per Parquet row group while landing: bounds the extraction's memory whatever the estate size.
BATCH_ROWS = 20_000


def source_slug(source: str) -> str:
    """Folder name of a source (``file:procurement`` -> ``file=procurement``)."""
    return re.sub(r"[^A-Za-z0-9_.=-]", "_", source.replace(":", "="))


@dataclass
class Landing:
    """Manifest of one raw landing."""

    source: str
    landing_id: str
    run_id: str
    path: str
    started_at: str
    finished_at: str | None = None
    records: int = 0
    completed: bool = False
    error: str | None = None


class Lake:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # ---- raw -------------------------------------------------------------------------------
    def raw_dir(self, source: str) -> Path:
        return self.root / "raw" / source_slug(source)

    def land(
        self,
        source: str,
        records: Iterable[RawRecord],
        *,
        run_id: str,
        landing_id: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Landing:
        """Stream ``records`` into a Parquet file in batches; memory stays flat.

        A connector error stops the landing: what arrived so far is kept (it is valid data)
        but the manifest says ``completed: false`` so nothing is treated as absent.
        The error is re-raised after the manifest is written.
        """
        landing_id = landing_id or run_id
        directory = self.raw_dir(source)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{_safe(landing_id)}.parquet"
        extracted_at = datetime.now(UTC)
        landing = Landing(source, landing_id, run_id, str(path), started_at=extracted_at.isoformat())
        tmp = path.with_suffix(".parquet.tmp")
        writer = pq.ParquetWriter(tmp, RAW_SCHEMA, compression="zstd")
        batch: list[RawRecord] = []
        try:
            for record in records:
                batch.append(record)
                if len(batch) >= BATCH_ROWS:
                    writer.write_table(_raw_table(batch, run_id, extracted_at))
                    landing.records += len(batch)
                    batch.clear()
                    if progress:
                        progress(landing.records)
            if batch:
                writer.write_table(_raw_table(batch, run_id, extracted_at))
                landing.records += len(batch)
                if progress:
                    progress(landing.records)
            landing.completed = True
        except ConnectorError as exc:
            if batch:
                writer.write_table(_raw_table(batch, run_id, extracted_at))
                landing.records += len(batch)
            landing.error = str(exc)
            raise
        finally:
            writer.close()
            os.replace(tmp, path)
            landing.finished_at = datetime.now(UTC).isoformat()
            self._write_manifest(path.with_suffix(".json"), landing)
        return landing

    def raw_sources(self) -> list[str]:
        """Every source with at least one landing."""
        base = self.root / "raw"
        if not base.exists():
            return []
        found = set()
        for manifest in base.glob("*/*.json"):
            found.add(json.loads(manifest.read_text())["source"])
        return sorted(found)

    def landing(self, source: str, landing_id: str) -> Landing | None:
        manifest = self.raw_dir(source) / f"{_safe(landing_id)}.json"
        if not manifest.exists():
            return None
        return Landing(**json.loads(manifest.read_text()))

    def landings(self, source: str) -> list[Landing]:
        """Every landing of a source, oldest first."""
        directory = self.raw_dir(source)
        if not directory.exists():
            return []
        found = [Landing(**json.loads(p.read_text())) for p in directory.glob("*.json")]
        return sorted(found, key=lambda m: m.started_at)

    def count_errors(self, landing: Landing) -> int:
        """Records the connector itself rejected (bad file rows) in a landing."""
        column = pq.read_table(landing.path, columns=["error"]).column("error")
        return len(column) - column.null_count

    def read_raw(self, landing: Landing) -> pd.DataFrame:
        return pq.read_table(landing.path).to_pandas(types_mapper=_arrow_to_pandas)

    # ---- normalized --------------------------------------------------------------------------
    def normalized_dir(self, source: str) -> Path:
        return self.root / "normalized" / source_slug(source)

    def staged_path(self, source: str, run_id: str) -> Path:
        return self.normalized_dir(source) / f"staged-{_safe(run_id)}.parquet"

    def stage_normalized(
        self, source: str, run_id: str, frame: pd.DataFrame, *, landing_ids: list[str], completed: bool
    ) -> Path:
        """Write this run's normalized records of ``source``; several calls in one run append."""
        path = self.staged_path(source, run_id)
        meta_path = path.with_suffix(".json")
        frame = conform(frame, NORMALIZED_SCHEMA)
        meta = {"source": source, "run_id": run_id, "landing_ids": landing_ids, "completed": completed}
        if path.exists():  # a second file of the same feed in one run
            previous = json.loads(meta_path.read_text())
            frame = pd.concat([_read_frame(path), frame], ignore_index=True)
            meta["landing_ids"] = previous["landing_ids"] + landing_ids
            meta["completed"] = previous["completed"] and completed
        _write_frame(frame, path)
        _atomic_write_text(meta_path, json.dumps(meta))
        return path

    def staged_sources(self, run_id: str) -> list[str]:
        base = self.root / "normalized"
        if not base.exists():
            return []
        name = f"staged-{_safe(run_id)}.json"
        return sorted(json.loads(p.read_text())["source"] for p in base.glob(f"*/{name}"))

    def staged_completed(self, source: str, run_id: str) -> bool:
        meta = self.staged_path(source, run_id).with_suffix(".json")
        return bool(json.loads(meta.read_text())["completed"]) if meta.exists() else False

    def read_staged(self, source: str, run_id: str) -> pd.DataFrame | None:
        path = self.staged_path(source, run_id)
        return _read_frame(path) if path.exists() else None

    def stage_quarantine(self, source: str, run_id: str, rows: pd.DataFrame) -> None:
        """Raw payloads of this run's quarantined records (appends within a run)."""
        path = self.normalized_dir(source) / f"quarantine-{_safe(run_id)}.parquet"
        if path.exists():
            rows = pd.concat([pq.read_table(path).to_pandas(), rows], ignore_index=True)
        _write_frame(rows.reset_index(drop=True), path)

    def read_staged_quarantine(self, sources: Iterable[str], run_id: str) -> pd.DataFrame:
        frames = []
        for source in sources:
            path = self.normalized_dir(source) / f"quarantine-{_safe(run_id)}.parquet"
            if path.exists():
                frames.append(pq.read_table(path).to_pandas(types_mapper=_arrow_to_pandas))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def read_current(self, source: str) -> pd.DataFrame | None:
        path = self.normalized_dir(source) / "current.parquet"
        return _read_frame(path) if path.exists() else None

    def current_sources(self) -> list[str]:
        """Sources that have a promoted normalized snapshot."""
        base = self.root / "normalized"
        if not base.exists():
            return []
        return sorted(json.loads(p.read_text())["source"] for p in base.glob("*/current.json"))

    def promoted_landings(self, source: str) -> list[str]:
        marker = self.normalized_dir(source) / "current.json"
        return json.loads(marker.read_text()).get("landing_ids", []) if marker.exists() else []

    def mark_consumed(self, source: str, landing_ids: list[str], *, run_id: str) -> None:
        """Remember landings used outside the normalized flow (incident feeds)."""
        directory = self.normalized_dir(source)
        ids = [*self.consumed_landings(source), *landing_ids][-1000:]
        marker = {
            "source": source,
            "run_id": run_id,
            "landing_ids": ids,
            "promoted_at": datetime.now(UTC).isoformat(),
        }
        _atomic_write_text(directory / "consumed.json", json.dumps(marker))

    def consumed_landings(self, source: str) -> list[str]:
        marker = self.normalized_dir(source) / "consumed.json"
        return json.loads(marker.read_text()).get("landing_ids", []) if marker.exists() else []

    def promote_staged(self, source: str, run_id: str, *, merge: bool = False) -> None:
        """Make this run's staged records the current snapshot of ``source`` (atomic replace).

        ``merge`` (delta feeds) keeps current records the staged batch does not mention.
        """
        staged_path = self.staged_path(source, run_id)
        if not staged_path.exists():
            return
        meta = json.loads(staged_path.with_suffix(".json").read_text())
        frame = _read_frame(staged_path)
        current = self.read_current(source)
        landing_ids = meta["landing_ids"]
        if merge and current is not None:
            frame = pd.concat([current, frame], ignore_index=True).drop_duplicates("record_key", keep="last")
            landing_ids = self.promoted_landings(source) + landing_ids
        directory = self.normalized_dir(source)
        _write_frame(frame, directory / "current.parquet")
        marker = {
            "source": source,
            "run_id": run_id,
            "landing_ids": landing_ids[-1000:],
            "promoted_at": datetime.now(UTC).isoformat(),
        }
        _atomic_write_text(directory / "current.json", json.dumps(marker))
        staged_path.unlink(missing_ok=True)
        staged_path.with_suffix(".json").unlink(missing_ok=True)
        (directory / f"quarantine-{_safe(run_id)}.parquet").unlink(missing_ok=True)

    @staticmethod
    def _write_manifest(path: Path, landing: Landing) -> None:
        _atomic_write_text(path, json.dumps(asdict(landing), indent=1))


def empty_normalized() -> pd.DataFrame:
    return empty_frame(NORMALIZED_SCHEMA)


def _raw_table(batch: list[RawRecord], run_id: str, extracted_at: datetime) -> pa.Table:
    n = len(batch)
    return pa.table(
        {
            "source": pa.array([r.source for r in batch], pa.string()),
            "source_record_id": pa.array([r.source_record_id for r in batch], pa.string()),
            "run_id": pa.array([run_id] * n, pa.string()),
            "extracted_at": pa.array([extracted_at] * n, RAW_SCHEMA.field("extracted_at").type),
            "origin": pa.array([r.origin for r in batch], pa.string()),
            "error": pa.array([r.error for r in batch], pa.string()),
            # orjson: ~10x faster than json for a million payloads; default=str covers dates.
            "payload": pa.array([orjson.dumps(r.payload, default=str).decode() for r in batch], pa.string()),
        },
        schema=RAW_SCHEMA,
    )


def _arrow_to_pandas(t: pa.DataType) -> object:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pd.StringDtype()
    if pa.types.is_boolean(t):
        return pd.BooleanDtype()
    if pa.types.is_int64(t):
        return pd.Int64Dtype()
    if pa.types.is_float64(t):
        return pd.Float64Dtype()
    return None


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _read_frame(path: Path) -> pd.DataFrame:
    frame = pq.read_table(path).to_pandas(types_mapper=_arrow_to_pandas)
    return conform(frame, NORMALIZED_SCHEMA)


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]", "_", name)

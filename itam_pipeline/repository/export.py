"""Export the reconciled tables and analyst views to Parquet or CSV files.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) get a leading ``'``: source data is typed by people and
vendors, and an exported host name like ``=HYPERLINK(...)`` must stay text.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from itam_pipeline.repository import tables as t
from itam_pipeline.repository.bulk import read_frame
from itam_pipeline.repository.codec import table_schema
from itam_pipeline.repository.engine import connect
from itam_pipeline.repository.views import VIEWS

EXPORT_TABLES = (
    "assets",
    "asset_source_records",
    "asset_attribute_provenance",
    "asset_identifiers",
    "asset_status_history",
    "asset_relationships",
    "asset_overrides",
    "match_decisions",
    "quarantine",
    "sync_runs",
    "extractions",
    "incidents",
    "incident_links",
)
FORMATS = ("parquet", "csv")
_FORMULA_START = r"^[=+\-@\t\r]"


def export_tables(
    engine: Engine, out_dir: str | Path, fmt: str = "parquet", *, names: Iterable[str] | None = None
) -> list[Path]:
    """Write each table and view (or just ``names``) to ``out_dir/<name>.<fmt>``; returns the paths."""
    if fmt not in FORMATS:
        raise ValueError(f"export format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    wanted = list(names) if names is not None else [*EXPORT_TABLES, *VIEWS]
    unknown = sorted(set(wanted) - set(EXPORT_TABLES) - set(VIEWS))
    if unknown:
        raise ValueError(f"cannot export {', '.join(unknown)}: not a repository table or view")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with connect(engine) as conn, conn.begin():
        for name in wanted:
            frame = _read_table(conn, name) if name in EXPORT_TABLES else _read_view(conn, name)
            path = out / f"{name}.{fmt}"
            if fmt == "parquet":
                frame.to_parquet(path, index=False)
            else:
                neutralize_formulas(frame).to_csv(path, index=False)
            written.append(path)
    return written


def _read_table(conn: Connection, name: str) -> pd.DataFrame:
    table = t.metadata.tables[name]
    schema = table_schema(table, [c.name for c in table.columns])
    return read_frame(conn, f"SELECT {', '.join(schema.names)} FROM {name}", schema)


def _read_view(conn: Connection, name: str) -> pd.DataFrame:
    # View column types differ per dialect (SQLite reports few), so let the driver's values decide.
    result = conn.exec_driver_sql(f"SELECT * FROM {name}")
    return pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()))


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot start a spreadsheet formula."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
            continue
        text = values.astype("string")
        risky = text.str.contains(_FORMULA_START, regex=True).fillna(False).to_numpy(dtype=bool)
        if risky.any():
            out[column] = values.astype(object).where(~risky, "'" + text.astype(object))
    return out

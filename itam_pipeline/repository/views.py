"""Analyst views: SQL files per dialect under ``sql/``, created by the migrations.

Each revision that creates or changes views ships its own pair of files
(``views_<rev>.postgresql.sql`` and ``views_<rev>.sqlite.sql``, same views in the same
order), so an old migration always re-creates exactly the views of its time.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import Connection

SQL_DIR = Path(__file__).resolve().parent / "sql"

# The current views and what each answers (docs/analysts.md describes their columns).
VIEWS: dict[str, str] = {
    "v_current_inventory": "the fleet (neither retired nor disposed), days since seen, number of sources",
    "v_warranty_expiring": "fleet assets whose warranty ends within 30/60/90 days",
    "v_stale_missing_assets": "assets in status stale or missing, since when",
    "v_assets_per_user": "fleet assets per primary user, by type",
    "v_assets_per_cost_center": "asset count, purchase cost and straight-line book value per cost centre",
    "v_lifecycle_durations": "days each asset spent in each status",
    "v_source_coverage": "which sources see each asset; assets seen by one source only",
    "v_data_quality_per_source": "per source: last run counters, quarantine rate, serial coverage",
    "v_top_incident_assets": "assets with the most incidents in the last 90 days",
}


def view_statements(revision: str, dialect: str) -> list[str]:
    """The SQL statements of ``views_<revision>.<dialect>.sql``, comments dropped."""
    path = SQL_DIR / f"views_{revision}.{dialect}.sql"
    statements = []
    for chunk in path.read_text(encoding="utf-8").split(";\n"):
        code = "\n".join(line for line in chunk.splitlines() if not line.lstrip().startswith("--")).strip()
        if code:
            statements.append(code)
    return statements


def view_names(revision: str, dialect: str) -> list[str]:
    """Names of the views ``views_<revision>.<dialect>.sql`` creates, in its order."""
    pattern = re.compile(r"^CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(\w+)", re.IGNORECASE)
    return [m.group(1) for m in map(pattern.match, view_statements(revision, dialect)) if m]


def create_views(conn: Connection, revision: str) -> None:
    """(Re-)create the views of ``revision`` for the connection's dialect."""
    for statement in view_statements(revision, conn.dialect.name):
        conn.exec_driver_sql(statement)


def drop_views(conn: Connection, names: list[str] | None = None) -> None:
    """Drop the given views (default: every current view)."""
    for name in names or list(VIEWS):
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")

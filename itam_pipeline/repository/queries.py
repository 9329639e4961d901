"""Read-only queries for the CLI, ``explain`` and reports (small results, plain SQLAlchemy)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from itam_pipeline.repository import tables as t
from itam_pipeline.repository.engine import connect
from itam_pipeline.repository.views import VIEWS

# Child tables shown for one asset, with the column that orders them.
_ASSET_DETAIL = {
    "source_records": (t.asset_source_records, t.asset_source_records.c.source),
    "provenance": (t.asset_attribute_provenance, t.asset_attribute_provenance.c.attribute),
    "identifiers": (t.asset_identifiers, t.asset_identifiers.c.id_type),
    "status_history": (t.asset_status_history, t.asset_status_history.c.valid_from),
    "relationships": (t.asset_relationships, t.asset_relationships.c.valid_from),
    "overrides": (t.asset_overrides, t.asset_overrides.c.attribute),
}


def _frame(conn: Connection, statement: sa.Executable) -> pd.DataFrame:
    result = conn.execute(statement)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def asset_detail(engine: Engine, asset_id: str) -> dict[str, pd.DataFrame] | None:
    """Everything the repository knows about one asset, one frame per aspect (None if unknown)."""
    with connect(engine) as conn:
        asset = _frame(conn, sa.select(t.assets).where(t.assets.c.asset_id == asset_id))
        if asset.empty:
            return None
        detail = {"asset": asset}
        for name, (table, order) in _ASSET_DETAIL.items():
            detail[name] = _frame(conn, sa.select(table).where(table.c.asset_id == asset_id).order_by(order))
        decisions = t.match_decisions
        detail["decisions"] = _frame(
            conn,
            sa.select(decisions)
            .where(sa.or_(decisions.c.asset_id == asset_id, decisions.c.other_asset_id == asset_id))
            .order_by(decisions.c.decided_at, decisions.c.id),
        )
        links, incidents = t.incident_links, t.incidents
        detail["incidents"] = _frame(
            conn,
            sa.select(incidents, links.c.rule)
            .join(links, links.c.incident_id == incidents.c.incident_id)
            .where(links.c.asset_id == asset_id)
            .order_by(incidents.c.opened_at.desc()),
        )
        return detail


def find_assets(engine: Engine, id_type: str, value: str) -> list[str]:
    """Asset ids holding identifier ``value`` of ``id_type`` (values as stored: normalized)."""
    ident = t.asset_identifiers
    statement = (
        sa.select(ident.c.asset_id)
        .where(ident.c.id_type == id_type, ident.c.id_value == value)
        .distinct()
        .order_by(ident.c.asset_id)
    )
    with connect(engine) as conn:
        return [row[0] for row in conn.execute(statement)]


def run_history(engine: Engine, limit: int = 20) -> pd.DataFrame:
    """The latest ``sync_runs`` rows, newest first."""
    runs = t.sync_runs
    statement = sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.source).limit(limit)
    with connect(engine) as conn:
        return _frame(conn, statement)


def quarantined(
    engine: Engine, *, run_id: str | None = None, source: str | None = None, limit: int = 1000
) -> pd.DataFrame:
    """Quarantined records, newest first, optionally of one run and/or source."""
    q = t.quarantine
    statement = sa.select(q).order_by(q.c.id.desc()).limit(limit)
    if run_id is not None:
        statement = statement.where(q.c.run_id == run_id)
    if source is not None:
        statement = statement.where(q.c.source == source)
    with connect(engine) as conn:
        return _frame(conn, statement)


def unlinked_incidents(engine: Engine) -> list[str]:
    """Ids of stored incidents linked to no asset."""
    i, links = t.incidents, t.incident_links
    statement = (
        sa.select(i.c.incident_id)
        .where(~sa.exists().where(links.c.incident_id == i.c.incident_id))
        .order_by(i.c.incident_id)
    )
    with connect(engine) as conn:
        return [row[0] for row in conn.execute(statement)]


def read_view(engine: Engine, name: str) -> pd.DataFrame:
    """All rows of an analyst view."""
    if name not in VIEWS:
        raise ValueError(f"unknown view {name!r}; views: {', '.join(VIEWS)}")
    with connect(engine) as conn:
        return _frame(conn, sa.text(f"SELECT * FROM {name}"))


def table_counts(engine: Engine) -> dict[str, int]:
    """Row count of every repository table."""
    with connect(engine) as conn:
        return {
            name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for name, table in t.metadata.tables.items()
        }

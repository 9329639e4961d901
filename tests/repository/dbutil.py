"""Reading a test repository back: snapshots and one-off queries."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from itam_pipeline.repository.tables import metadata


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every repository table, sorted: equal snapshots = identical repository."""
    with engine.connect() as conn:
        return {
            name: sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
            for name, table in metadata.tables.items()
        }


def scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def rows(engine: Engine, sql: str, **params: object) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]

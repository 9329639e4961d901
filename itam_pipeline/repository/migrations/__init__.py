"""Schema migrations (Alembic), configured in code: no alembic.ini is needed at runtime.

``upgrade(url)`` creates or migrates the repository (tables, then the analyst views) under
the repository write lock, so two processes starting at once cannot migrate twice.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine

from itam_pipeline.repository.engine import connect, create_engine
from itam_pipeline.repository.lock import write_transaction

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` pointing at this folder, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url_or_engine: str | sa.URL | Engine, revision: str = "head") -> str | None:
    """Migrate the repository at ``url_or_engine`` to ``revision``; returns the revision reached.

    Raises ``RepositoryUnavailable`` with a one-line message when the database cannot be reached.
    """
    engine = url_or_engine if isinstance(url_or_engine, Engine) else create_engine(url_or_engine)
    try:
        with write_transaction(engine) as conn:
            command.upgrade(alembic_config(conn), revision)
        return current_revision(engine)
    finally:
        if engine is not url_or_engine:
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the repository is at (None for an empty database)."""
    with connect(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()

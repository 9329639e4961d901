"""Alembic environment. Runs only through ``itam_pipeline.repository.migrations.upgrade``,
which passes an open connection (no alembic.ini, no URL in a config file)."""

from __future__ import annotations

from alembic import context

from itam_pipeline.repository.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - guards against running the alembic CLI directly
    raise RuntimeError("run migrations with `itam-pipeline db upgrade` or repository.migrations.upgrade(url)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

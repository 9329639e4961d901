"""Bytewise ("C") collation for the text columns in keys and indexes, on PostgreSQL.

Why: see ``KeyText`` in ``repository/tables.py``. The views read these columns, so they are
dropped and re-created around the change. SQLite: nothing to do (text is bytewise there).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from itam_pipeline.repository.views import create_views, drop_views, view_names

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS_REVISION = "0002"
KEY_COLUMNS = {
    "assets": ["asset_id"],
    "asset_source_records": ["record_key", "source", "source_record_id", "asset_id"],
    "asset_attribute_provenance": ["asset_id", "attribute"],
    "asset_identifiers": ["asset_id", "id_type", "id_value", "source"],
    "asset_relationships": ["asset_id", "target_type", "target_id"],
    "asset_status_history": ["asset_id"],
    "match_decisions": ["asset_id", "other_asset_id"],
    "quarantine": ["run_id", "source", "source_record_id"],
    "asset_overrides": ["asset_id", "attribute"],
    "sync_runs": ["run_id", "source"],
    "extractions": ["run_id", "source"],
    "incidents": ["incident_id"],
    "incident_links": ["incident_id", "asset_id"],
}


def upgrade() -> None:
    _set_collation('COLLATE "C"')


def downgrade() -> None:
    _set_collation("")


def _set_collation(clause: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    drop_views(bind, view_names(VIEWS_REVISION, bind.dialect.name))
    for table, columns in KEY_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {c} TYPE text {clause}".rstrip() for c in columns)
        bind.exec_driver_sql(f"ALTER TABLE {table} {changes}")
    create_views(bind, VIEWS_REVISION)

"""Analyst views (SQL per dialect in repository/sql/views_0002.*.sql).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from itam_pipeline.repository.views import create_views, drop_views, view_names

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_views(op.get_bind(), "0002")


def downgrade() -> None:
    bind = op.get_bind()
    drop_views(bind, view_names("0002", bind.dialect.name))

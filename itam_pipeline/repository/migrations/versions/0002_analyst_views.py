"""Analyst views (SQL per dialect in repository/sql/views_0002.*.sql).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from itam_pipeline.repository.views import create_views, drop_views

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW_NAMES = [
    "v_current_inventory",
    "v_warranty_expiring",
    "v_stale_missing_assets",
    "v_assets_per_user",
    "v_assets_per_cost_center",
    "v_lifecycle_durations",
    "v_source_coverage",
    "v_data_quality_per_source",
    "v_top_incident_assets",
]


def upgrade() -> None:
    create_views(op.get_bind(), "0002")


def downgrade() -> None:
    drop_views(op.get_bind(), VIEW_NAMES)

"""The asset repository: schema and migrations, plan apply, history, analyst views, export.

Works identically on PostgreSQL (production) and SQLite (single machine, tests). Nothing
here imports Dagster; the orchestration layer calls these functions.
"""

from __future__ import annotations

from itam_pipeline.repository.apply import ApplyResult, apply_plan, compute_diff
from itam_pipeline.repository.engine import check_connection, create_engine
from itam_pipeline.repository.errors import (
    AccountingError,
    PlanIntegrityError,
    RepositoryError,
    RepositoryLockedError,
    RepositoryUnavailable,
    ThresholdExceeded,
)
from itam_pipeline.repository.export import export_tables
from itam_pipeline.repository.incidents import IncidentResult, link_incidents
from itam_pipeline.repository.lock import write_transaction
from itam_pipeline.repository.migrations import current_revision, upgrade
from itam_pipeline.repository.plan_diff import PlanDiff
from itam_pipeline.repository.runs import (
    finish_extraction,
    finish_run,
    last_complete_counts,
    record_extraction,
    record_run_failure,
    start_extraction,
    start_run,
)
from itam_pipeline.repository.state import load_state, read_assets
from itam_pipeline.repository.thresholds import Thresholds

__all__ = [
    "AccountingError",
    "ApplyResult",
    "IncidentResult",
    "PlanDiff",
    "PlanIntegrityError",
    "RepositoryError",
    "RepositoryLockedError",
    "RepositoryUnavailable",
    "ThresholdExceeded",
    "Thresholds",
    "apply_plan",
    "check_connection",
    "compute_diff",
    "create_engine",
    "current_revision",
    "export_tables",
    "finish_extraction",
    "finish_run",
    "last_complete_counts",
    "link_incidents",
    "load_state",
    "read_assets",
    "record_extraction",
    "record_run_failure",
    "start_extraction",
    "start_run",
    "upgrade",
    "write_transaction",
]

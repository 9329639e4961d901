"""Typed repository errors. Each message is one line that says what happened and what to do."""

from __future__ import annotations


class RepositoryError(Exception):
    """Base class of every error raised by ``itam_pipeline.repository``."""


class RepositoryUnavailable(RepositoryError):
    """The database cannot be reached or opened (wrong URL, server down, missing folder)."""


class RepositoryLockedError(RepositoryError):
    """Another sync holds the repository write lock and did not release it in time."""


class PlanIntegrityError(RepositoryError):
    """The plan contradicts itself (duplicate keys, missing keys, links to unknown assets)."""


class ThresholdExceeded(RepositoryError):
    """The plan would change more than the safety thresholds allow; nothing was written."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = list(violations)
        super().__init__(
            "plan refused, nothing written: "
            + "; ".join(self.violations)
            + " (check the sources, or re-run with force to accept the plan)"
        )


class AccountingError(RepositoryError):
    """A source's counters do not add up (records_in != linked + quarantined)."""

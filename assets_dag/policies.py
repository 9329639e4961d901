"""Cross-cutting policies: retries, the repository write pool, freshness."""

from datetime import timedelta

import dagster as dg

from itam_pipeline import settings


def extract_retry_policy() -> dg.RetryPolicy:
    """Connectors retry single HTTP calls; this retries a whole extraction after an outage."""
    return dg.RetryPolicy(
        max_retries=settings.int_setting("ITAM_EXTRACT_RETRIES"),
        delay=settings.float_setting("ITAM_EXTRACT_RETRY_DELAY"),
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


# Every step that writes the repository or the lake's promoted state shares this pool.
# The instance config (itam_pipeline/deploy/dagster.yaml) limits every pool to one slot.
REPOSITORY_POOL = "itam_repository"

# Freshness: an hourly source is late after 2 h, failed after 6 h; nightly sources get a day.
HOURLY_SOURCE_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=6), warn_window=timedelta(hours=2)
)
DAILY_SOURCE_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=50), warn_window=timedelta(hours=26)
)
REPOSITORY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=24), warn_window=timedelta(hours=6)
)

OWNERS = ["team:itam-data"]
CODE_VERSION = "1"

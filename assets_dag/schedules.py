"""Schedules: one per API source (cron from ITAM_SCHEDULE_<SOURCE>, defaults in settings)."""

import dagster as dg

from assets_dag.jobs import source_sync_jobs
from itam_pipeline import settings


def build_schedules() -> list[dg.ScheduleDefinition]:
    # Cron strings are not secrets; they are read when the code location loads.
    timezone = settings.raw("ITAM_SCHEDULE_TIMEZONE") or "UTC"
    return [
        dg.ScheduleDefinition(
            name=f"sync_{source}_schedule",
            job=job,
            cron_schedule=settings.raw(f"ITAM_SCHEDULE_{source.upper()}"),
            execution_timezone=timezone,
            description=f"Sync {source} on its own cadence (ITAM_SCHEDULE_{source.upper()}).",
        )
        for source, job in source_sync_jobs.items()
    ]

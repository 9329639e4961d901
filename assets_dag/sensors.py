"""Sensors: new dropped files trigger runs; failed runs are recorded and announced."""

import json

import dagster as dg

from assets_dag.jobs import ingest_file_job
from assets_dag.partitions import file_drop_partitions
from assets_dag.resources import AlertResource, FileDropResource, RepositoryResource
from itam_pipeline.alerts import notify
from itam_pipeline.repository import record_run_failure

# The cursor remembers content hashes already requested, so a file waiting in the queue is
# not requested twice; the connector's ledger remembers what was processed for good.
CURSOR_MEMORY = 10_000


@dg.sensor(
    job=ingest_file_job,
    minimum_interval_seconds=30,
    description="Starts one ingest run per new file in a feed folder of ITAM_DROP_DIR (dynamic partition per file).",
)
def file_drop_sensor(context: dg.SensorEvaluationContext, file_drop: FileDropResource) -> dg.SensorResult:
    requested: list[str] = json.loads(context.cursor) if context.cursor else []
    already = set(requested)
    new = [f for f in file_drop.connector().pending_files() if f.sha256 not in already]
    if not new:
        return dg.SensorResult(skip_reason=dg.SkipReason("no new files"), cursor=context.cursor)
    keys = sorted({f.partition_key for f in new})
    requested.extend(f.sha256 for f in new)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"{f.partition_key}@{f.sha256}",
                partition_key=f.partition_key,
                tags={"itam/file": f.name},
            )
            for f in new
        ],
        dynamic_partitions_requests=[file_drop_partitions.build_add_request(keys)],
        cursor=json.dumps(requested[-CURSOR_MEMORY:]),
    )


@dg.run_failure_sensor(
    name="sync_failure_sensor",
    description="Records every failed run in sync_runs and posts it to ITAM_ALERT_WEBHOOK_URL when set.",
)
def sync_failure_sensor(
    context: dg.RunFailureSensorContext, repository: RepositoryResource, alerting: AlertResource
) -> None:
    run = context.dagster_run
    message = context.failure_event.message or "run failed"
    engine = repository.engine()
    try:
        record_run_failure(engine, run_id=run.run_id, job_name=run.job_name, message=message)
    finally:
        engine.dispose()
    notify(
        alerting.webhook_url,
        {"event": "itam.run_failed", "run_id": run.run_id, "job": run.job_name, "message": message},
    )

"""Extraction assets: each source's devices landed as a raw Parquet snapshot in the lake."""

from dataclasses import dataclass

import dagster as dg

from assets_dag.partitions import file_drop_partitions
from assets_dag.policies import (
    CODE_VERSION,
    DAILY_SOURCE_FRESHNESS,
    HOURLY_SOURCE_FRESHNESS,
    OWNERS,
    extract_retry_policy,
)
from assets_dag.resources import FileDropResource, RepositoryResource
from connectors.errors import ConnectorError, FileRejectedError, NotConfiguredError
from itam_pipeline.lake import Landing
from itam_pipeline.sync import extract_to_lake


@dataclass(frozen=True)
class SourceSpec:
    """What differs between the API sources; the asset bodies are identical."""

    name: str
    resource_key: str
    title: str
    freshness: dg.FreshnessPolicy


API_SOURCES = (
    SourceSpec("intune", "intune", "Microsoft Intune managed devices (Graph)", HOURLY_SOURCE_FRESHNESS),
    SourceSpec("device42", "device42", "Device42 devices", DAILY_SOURCE_FRESHNESS),
    SourceSpec("miradore", "miradore", "Miradore devices (API v1)", HOURLY_SOURCE_FRESHNESS),
)


def raw_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source])


def landing_metadata(landing: Landing) -> dict[str, object]:
    return {
        "status": "completed" if landing.completed else "incomplete",
        "dagster/row_count": landing.records,
        "records": landing.records,
        "completed": landing.completed,
        "landing": dg.MetadataValue.path(landing.path),
    }


def build_raw_source_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(spec.name),
        group_name="extract",
        description=f"{spec.title}, landed as a raw snapshot (replay point for re-normalizing).",
        kinds={"python", "parquet"},
        owners=OWNERS,
        tags={"itam/source": spec.name},
        code_version=CODE_VERSION,
        required_resource_keys={spec.resource_key, "repository"},
        retry_policy=extract_retry_policy(),
        freshness_policy=spec.freshness,
    )
    def _raw(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        source_resource = getattr(context.resources, spec.resource_key)
        repository = context.resources.repository
        try:
            connector = source_resource.connector()
        except NotConfiguredError as exc:
            # A source without credentials is skipped, not failed: most estates use a subset.
            context.log.warning(str(exc))
            return dg.MaterializeResult(
                metadata={"status": "skipped", "reason": str(exc), "dagster/row_count": 0}
            )
        engine = repository.engine()
        try:
            landing = extract_to_lake(
                spec.name,
                connector.iter_records(),
                lake=repository.lake(),
                engine=engine,
                run_id=context.run.run_id,
                progress=lambda n: context.log.info(f"{spec.name}: {n:,} records landed"),
            )
        except ConnectorError as exc:
            if exc.retryable:
                raise  # the RetryPolicy retries with exponential backoff
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        finally:
            engine.dispose()
        return dg.MaterializeResult(metadata=landing_metadata(landing))

    return _raw


def build_raw_source_assets() -> list[dg.AssetsDefinition]:
    """Built when the Definitions are, so retry settings are read then, not at import time."""
    return [build_raw_source_asset(spec) for spec in API_SOURCES]


@dg.asset(
    key=dg.AssetKey(["raw", "file_drops"]),
    group_name="extract",
    description="One dropped CSV/XLSX file per partition, landed raw; bad rows carry their reason.",
    kinds={"python", "csv", "parquet"},
    owners=OWNERS,
    tags={"itam/source": "file_drops"},
    code_version=CODE_VERSION,
    partitions_def=file_drop_partitions,
)
def raw_file_drops(
    context: dg.AssetExecutionContext, file_drop: FileDropResource, repository: RepositoryResource
) -> dg.MaterializeResult:
    drops = file_drop.connector()
    dropped = drops.find(context.partition_key)
    source = f"file:{dropped.feed}"
    engine = repository.engine()
    try:
        # The landing id carries the content hash: a re-ingested file lands beside its first landing.
        landing = extract_to_lake(
            source,
            drops.read(dropped),
            lake=repository.lake(),
            engine=engine,
            run_id=context.run.run_id,
            landing_id=f"{context.run.run_id}-{dropped.sha256[:12]}",
        )
    except FileRejectedError as exc:
        # The file as a whole is unreadable: move it aside so the feed keeps flowing.
        drops.mark_rejected(dropped, str(exc))
        raise dg.Failure(description=f"{dropped.name} rejected: {exc}", allow_retries=False) from None
    except ConnectorError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    finally:
        engine.dispose()
    if not drops.is_processed(dropped):
        drops.mark_processed(dropped, rows=landing.records)
    bad_rows = repository.lake().count_errors(landing)
    return dg.MaterializeResult(
        metadata={
            **landing_metadata(landing),
            "file": dropped.name,
            "feed": dropped.feed,
            "bad_rows": bad_rows,
        }
    )

"""Jobs: what one run contains."""

import dagster as dg

from assets_dag.extract import API_SOURCES, raw_key
from assets_dag.normalize import FILE_FEEDS_KEY, normalized_key
from assets_dag.reconcile import ASSETS_KEY, INCIDENTS_KEY, PLAN_KEY
from assets_dag.reporting import REPORTING_KEYS

RAW_FILE_KEY = dg.AssetKey(["raw", "file_drops"])
_DOWNSTREAM = dg.AssetSelection.assets(PLAN_KEY, ASSETS_KEY, INCIDENTS_KEY, *REPORTING_KEYS)


def source_sync_job(source: str):  # -> UnresolvedAssetJobDefinition (not exported by dagster)
    """Extract -> normalize -> checks -> reconcile -> write for one source, as one run."""
    return dg.define_asset_job(
        f"sync_{source}",
        selection=dg.AssetSelection.assets(raw_key(source), normalized_key(source)) | _DOWNSTREAM,
        description=f"Sync {source} into the repository (extract, normalize, check, reconcile, write).",
        tags={"itam/source": source},
    )


source_sync_jobs = {spec.name: source_sync_job(spec.name) for spec in API_SOURCES}

# A full sync is two runs so that one source being down cannot stop the others: the
# extraction run lands every reachable source; the reconcile run normalizes whatever
# landed, checks it and writes it (blocking checks stop the write within that run).
extract_all_job = dg.define_asset_job(
    "extract_all",
    selection=dg.AssetSelection.assets(*(raw_key(spec.name) for spec in API_SOURCES)),
    description="Extract every configured API source into the lake (sources fail independently).",
)
reconcile_all_job = dg.define_asset_job(
    "reconcile_all",
    selection=dg.AssetSelection.assets(*(normalized_key(s.name) for s in API_SOURCES), FILE_FEEDS_KEY)
    | _DOWNSTREAM,
    description="Normalize what landed, check it, reconcile every source and write the repository. "
    "With config replay=true it re-normalizes the landed snapshots (after a rule change).",
)
land_file_job = dg.define_asset_job(
    "land_file_drop",
    selection=dg.AssetSelection.assets(RAW_FILE_KEY),
    description="Land one dropped file (partition) in the lake; a later reconcile writes it.",
)
ingest_file_job = dg.define_asset_job(
    "ingest_file_drop",
    selection=dg.AssetSelection.assets(RAW_FILE_KEY, FILE_FEEDS_KEY) | _DOWNSTREAM,
    description="Ingest one dropped file (partition) end to end: land, normalize, check, reconcile, write.",
)

all_jobs = [*source_sync_jobs.values(), extract_all_job, reconcile_all_job, land_file_job, ingest_file_job]

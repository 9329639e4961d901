"""Normalization assets: each source's newest raw landing mapped to the canonical schema."""

import dagster as dg

from assets_dag.extract import API_SOURCES, raw_key
from assets_dag.policies import CODE_VERSION, OWNERS
from assets_dag.resources import RepositoryResource
from itam_pipeline.lake import Lake
from itam_pipeline.normalize import JunkRegistry
from itam_pipeline.schema import NORMALIZED_COLUMNS
from itam_pipeline.settings import extra_junk_registries
from itam_pipeline.sync import (
    NormalizedBatch,
    normalize_landing,
    pending_file_landings,
    pending_landing,
    stage,
)

FILE_FEEDS_KEY = dg.AssetKey(["normalized", "file_drops"])

NORMALIZED_TABLE_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn(name, str(arrow_type), description=text)
        for name, arrow_type, text in NORMALIZED_COLUMNS
    ]
)


class NormalizeConfig(dg.Config):
    """Run configuration of the normalization assets."""

    replay: bool = False
    """Re-normalize the newest landed snapshot even if it was already used (after a rule change)."""


def normalized_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["normalized", source])


def batch_metadata(batches: list[NormalizedBatch]) -> dict[str, object]:
    rows = sum(len(b.frame) for b in batches)
    quarantined = sum(b.quarantined for b in batches)
    return {
        "status": "normalized" if batches else "unchanged",
        "dagster/row_count": rows,
        "dagster/column_schema": NORMALIZED_TABLE_SCHEMA,
        "records": rows,
        "usable": rows - quarantined,
        "quarantined": quarantined,
        "landings": ", ".join(lid for b in batches for lid in b.landing_ids) or "none pending",
        "completed": all(b.completed for b in batches) if batches else False,
    }


def _registry() -> JunkRegistry:
    return JunkRegistry.load(extra_junk_registries())


def build_normalized_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=normalized_key(source),
        deps=[raw_key(source)],
        group_name="normalize",
        description=f"{source} records in the canonical device schema (staged until the repository commits).",
        kinds={"pandas", "parquet"},
        owners=OWNERS,
        tags={"itam/source": source},
        code_version=CODE_VERSION,
    )
    def _normalized(
        context: dg.AssetExecutionContext, config: NormalizeConfig, repository: RepositoryResource
    ) -> dg.MaterializeResult:
        lake = repository.lake()
        landing = pending_landing(lake, source, replay=config.replay)
        if landing is None:
            context.log.info(f"{source}: no new landing; the current snapshot stays in use")
            return dg.MaterializeResult(metadata=batch_metadata([]))
        batch = normalize_landing(lake, landing, registry=_registry())
        stage(lake, batch, context.run.run_id)
        return dg.MaterializeResult(metadata=batch_metadata([batch]))

    return _normalized


normalized_source_assets = [build_normalized_asset(spec.name) for spec in API_SOURCES]


@dg.asset(
    key=FILE_FEEDS_KEY,
    deps=[dg.AssetKey(["raw", "file_drops"])],
    group_name="normalize",
    description="Every newly landed file-drop row in the canonical schema, per feed (staged until commit).",
    kinds={"pandas", "parquet"},
    owners=OWNERS,
    tags={"itam/source": "file_drops"},
    code_version=CODE_VERSION,
)
def normalized_file_drops(
    context: dg.AssetExecutionContext, config: NormalizeConfig, repository: RepositoryResource
) -> dg.MaterializeResult:
    lake: Lake = repository.lake()
    registry = _registry()
    batches = []
    for landing in pending_file_landings(lake, replay=config.replay):
        batch = normalize_landing(lake, landing, registry=registry)
        stage(lake, batch, context.run.run_id)
        batches.append(batch)
        context.log.info(
            f"{landing.source}: normalized {len(batch.frame):,} rows of landing {landing.landing_id}"
        )
    return dg.MaterializeResult(metadata=batch_metadata(batches))

"""The code location loads, and its shape is what operators and analysts rely on."""

from __future__ import annotations

import dagster as dg
import pytest

from itam_pipeline.definitions import build_definitions

EXPECTED_ASSETS = {
    "raw/intune",
    "raw/device42",
    "raw/miradore",
    "raw/file_drops",
    "normalized/intune",
    "normalized/device42",
    "normalized/miradore",
    "normalized/file_drops",
    "reconciled/plan",
    "repository/assets",
    "repository/incidents",
    "reporting/alerts",
}


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return build_definitions()


def test_asset_keys_are_stable(defs: dg.Definitions) -> None:
    # A rename orphans the history of an asset in the UI: make it a deliberate change.
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == EXPECTED_ASSETS


def test_every_asset_is_described_grouped_owned_and_versioned(defs: dg.Definitions) -> None:
    for spec in defs.resolve_all_asset_specs():
        assert spec.description, spec.key
        assert spec.group_name in {"extract", "normalize", "reconcile", "repository", "reporting"}, spec.key
        assert spec.owners, spec.key
        assert spec.code_version, spec.key
        assert spec.kinds, spec.key


def test_jobs_resolve_and_the_write_is_guarded_by_blocking_checks(defs: dg.Definitions) -> None:
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {
        "extract_all",
        "reconcile_all",
        "sync_intune",
        "sync_device42",
        "sync_miradore",
        "ingest_file_drop",
    } <= jobs
    graph = defs.resolve_asset_graph()
    blocking = {
        (key.asset_key.to_user_string(), key.name)
        for key in graph.asset_check_keys
        if graph.get_check_spec(key).blocking
    }
    assert ("normalized/intune", "record_key_unique") in blocking
    assert ("normalized/device42", "completeness_gate") in blocking
    assert ("reconciled/plan", "retirement_threshold") in blocking
    assert ("reconciled/plan", "active_serial_unique") in blocking


def test_writers_share_one_pool(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    for key in ("reconciled/plan", "repository/assets", "repository/incidents"):
        node = graph.get(dg.AssetKey.from_user_string(key))
        assert node.pools == {"itam_repository"}, key

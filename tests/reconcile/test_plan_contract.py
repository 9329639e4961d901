"""The plan honours its contract: columns, ids, carried rows, counts and configuration checks."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
import yaml

from itam_pipeline.plan import (
    DECISION_COLUMNS,
    IDENTIFIER_COLUMNS,
    LINK_COLUMNS,
    PROVENANCE_COLUMNS,
    QUARANTINE_COLUMNS,
    RELATIONSHIP_COLUMNS,
    STATUS_CHANGE_COLUMNS,
)
from itam_pipeline.reconcile import empty_state, load_config
from itam_pipeline.reconcile.config import DEFAULT_CONFIG_RESOURCE, parse_config
from itam_pipeline.reconcile.state import state_from_plan
from itam_pipeline.schema import GOLDEN_SCHEMA, NORMALIZED_SCHEMA, empty_frame

from .builders import asset_of, days_ago, frame, rec, rerun, run

FRAMES = {
    "links": LINK_COLUMNS,
    "provenance": PROVENANCE_COLUMNS,
    "identifiers": IDENTIFIER_COLUMNS,
    "status_changes": STATUS_CHANGE_COLUMNS,
    "quarantine": QUARANTINE_COLUMNS,
    "decisions": DECISION_COLUMNS,
    "relationships": RELATIONSHIP_COLUMNS,
}


@pytest.mark.parametrize(
    "records", [empty_frame(NORMALIZED_SCHEMA), frame(rec("intune", "i1", serial_number="S0001X"))]
)
def test_every_frame_has_its_contract_columns(records) -> None:
    plan = run(records)
    assert list(plan.assets.columns) == [f.name for f in GOLDEN_SCHEMA]
    for name, columns in FRAMES.items():
        assert list(getattr(plan, name).columns) == list(columns), name
    assert list(plan.overloaded_values.columns) == ["id_type", "id_value", "records", "devices", "reason"]


def test_new_asset_ids_are_uuid5_of_the_strongest_identifier() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number="S0001X", mac_addresses="aa:aa:aa:00:00:01"),
            rec("intune", "i2", mac_addresses="aa:aa:aa:00:00:02"),
            rec("intune", "i3"),
        )
    )
    namespace = load_config().asset_id_namespace
    assert asset_of(plan, "intune|i1") == str(uuid.uuid5(namespace, "serial:S0001X"))
    assert asset_of(plan, "intune|i2") == str(uuid.uuid5(namespace, "mac:aa:aa:aa:00:00:02"))
    assert asset_of(plan, "intune|i3") == str(uuid.uuid5(namespace, "record:intune|i3"))


def test_an_id_is_never_reused() -> None:
    namespace = load_config().asset_id_namespace
    taken = str(uuid.uuid5(namespace, "serial:S0001X"))
    state = empty_state()
    state.assets = pd.concat(
        [state.assets, pd.DataFrame({"asset_id": [taken], "status": ["retired"]})], ignore_index=True
    )
    plan = run(frame(rec("intune", "i1", serial_number="S0001X")), state)
    assert asset_of(plan, "intune|i1") == str(uuid.uuid5(namespace, "record:intune|i1"))
    assert set(plan.assets["asset_id"]) == {taken, asset_of(plan, "intune|i1")}


def test_assets_whose_records_all_vanished_are_kept() -> None:
    first = run(frame(rec("intune", "i1", serial_number="S0001X", hostname="pc-1", last_seen_at=days_ago(2))))
    second = rerun(first, frame(rec("intune", "i2", serial_number="S0002X")))
    kept = second.assets.set_index("asset_id").loc[asset_of(first, "intune|i1")]
    assert kept["hostname"] == "pc-1" and kept["status"] == "missing"
    assert "intune|i1" in set(second.links["record_key"])


def test_counts_per_source() -> None:
    first = run(
        frame(
            rec("intune", "i1", serial_number="S0001X"),
            rec("device42", "d1", serial_number="S0001X"),
            rec("device42", "d2", serial_number="S0002X"),
        )
    )
    assert first.counts["intune"]["new"] + first.counts["device42"]["new"] == 2
    assert first.counts["device42"]["records_in"] == 2 and first.counts["device42"]["linked"] == 2
    second = rerun(
        first,
        frame(
            rec("intune", "i1", serial_number="S0001X"),
            rec("device42", "d1", serial_number="S0001X"),
            rec("device42", "d2", serial_number="S0002X"),
            rec("miradore", "m1", serial_number="S0003X", quarantine_reason="MISSING_ID"),
        ),
    )
    assert second.counts["miradore"] == {
        "records_in": 1,
        "linked": 0,
        "new": 0,
        "updated": 0,
        "unchanged": 0,
        "merged": 0,
        "quarantined": 1,
        "retired": 0,
    }
    assert sum(c["new"] for c in second.counts.values()) == 0


def test_replayed_state_round_trips() -> None:
    plan = run(frame(rec("intune", "i1", serial_number="S0001X")))
    state = state_from_plan(plan)
    assert state.assets.equals(plan.assets) and state.links.equals(plan.links)


def _bundled() -> dict:
    from importlib import resources

    return yaml.safe_load(
        resources.files("itam_pipeline").joinpath("data", DEFAULT_CONFIG_RESOURCE).read_text()
    )


def test_bundled_configuration_ranks_file_feeds_by_pattern() -> None:
    cfg = load_config()
    assert cfg.attributes["purchase_cost"].rank_of("file:procurement") == 0
    assert cfg.attributes["purchase_cost"].rank_of("intune") is None
    assert cfg.attributes["serial_number"].rank_of("device42") == cfg.attributes["serial_number"].rank_of(
        "intune"
    )
    assert not cfg.lifecycle.allows("disposed", "active")
    assert cfg.lifecycle.allows(None, "disposed")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("matching", "rules"), [{"rule": "shoe_size", "strong": True}], "unknown matching rules"),
        (
            ("survivorship", "attributes"),
            {"asset_tag": {"precedence": ["file:*"]}},
            "survivorship rules missing",
        ),
        (("lifecycle", "default_status"), "lost", "unknown statuses"),
        (
            ("lifecycle", "windows"),
            {"default": {"active_days": 90, "stale_days": 30}},
            "active_days <= stale_days",
        ),
    ],
)
def test_invalid_configuration_is_rejected(path, value, message) -> None:
    doc = _bundled()
    doc[path[0]][path[1]] = value
    with pytest.raises(ValueError, match=message):
        parse_config(doc)


def test_relationships_to_user_location_cost_centre_and_host() -> None:
    records = frame(
        rec("device42", "esx", serial_number="HOST00001", hostname="esx-07", is_virtual=False),
        rec("device42", "vm1", uuid="4203a1b2-c3d4-e5f6-0718-293a4b5c6d7e", is_virtual=True),
        rec("intune", "i1", serial_number="LAPTOP0001", primary_user="ann@x.example"),
        rec("file:procurement", "CT1", serial_number="LAPTOP0001", location="Paris", cost_center="CC-4122"),
    )
    records["virtual_host_name"] = pd.Series([None, "ESX-07.corp.example", None, None], dtype="string")
    plan = run(records)
    rel = plan.relationships.set_index(["asset_id", "relation"])
    laptop, vm, host = (asset_of(plan, k) for k in ("intune|i1", "device42|vm1", "device42|esx"))
    assert rel.loc[(laptop, "assigned_to"), ["target_type", "target_id", "source"]].tolist() == [
        "user",
        "ann@x.example",
        "intune",
    ]
    assert rel.loc[(laptop, "located_at"), "target_id"] == "Paris"
    assert rel.loc[(laptop, "charged_to"), "target_id"] == "CC-4122"
    assert rel.loc[(vm, "hosted_on"), ["target_type", "target_id"]].tolist() == ["asset", host]

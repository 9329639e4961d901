"""The labelled synthetic fleet: accuracy against the truth, every trap, idempotency and stability.

The fleet generator knows which physical device every record belongs to, so clustering is
scored pairwise: precision = share of predicted same-asset record pairs that are truly one
device; recall = share of true same-device pairs that landed on one asset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from connectors.emulators.fleet import TRAPS
from itam_pipeline.reconcile import state_from_plan

from .builders import days_ago, run
from .fleet_data import labelled_fleet, same_device_pairs


@pytest.fixture(scope="module")
def fleet():
    return labelled_fleet()


@pytest.fixture(scope="module")
def plan(fleet):
    return run(fleet.records)


def assets_of(plan) -> pd.Series:
    return plan.links.set_index("record_key")["asset_id"].astype(str)


def test_pairwise_precision_and_recall(fleet, plan) -> None:
    predicted = assets_of(plan).reindex(fleet.truth.index)
    assert predicted.notna().all(), "every true record is linked"
    truth_pairs = same_device_pairs(fleet.truth)
    predicted_pairs = same_device_pairs(predicted)
    hits = len(truth_pairs & predicted_pairs)
    precision, recall = hits / len(predicted_pairs), hits / len(truth_pairs)
    assert precision >= 0.995, f"precision {precision:.4f}"
    assert recall >= 0.98, f"recall {recall:.4f}"
    assert len(plan.assets) == fleet.truth.nunique()


@pytest.mark.parametrize("trap", sorted(TRAPS))
def test_each_trap_device_is_exactly_one_asset(fleet, plan, trap) -> None:
    uids = set(fleet.fleet.devices_with(trap))
    assert uids, f"the fleet has no {trap} device"
    pairs = pd.DataFrame({"uid": fleet.truth, "asset": assets_of(plan).reindex(fleet.truth.index)})
    on_trap_assets = pairs[pairs["asset"].isin(pairs.loc[pairs["uid"].isin(uids), "asset"])]
    split = on_trap_assets[on_trap_assets["uid"].isin(uids)].groupby("uid")["asset"].nunique()
    assert (split == 1).all(), f"{trap} devices split over several assets: {split[split > 1].to_dict()}"
    shared = on_trap_assets.groupby("asset")["uid"].nunique()
    assert (shared == 1).all(), (
        f"{trap} devices share an asset with another device: {shared[shared > 1].to_dict()}"
    )


def _trap_assets(fleet, plan, trap: str) -> pd.DataFrame:
    uids = list(fleet.fleet.devices_with(trap))
    keys = fleet.truth.index[fleet.truth.isin(uids)]
    ids = set(assets_of(plan).reindex(keys))
    return plan.assets[plan.assets["asset_id"].isin(ids)]


@pytest.mark.parametrize(
    ("trap", "statuses"),
    [
        ("on_order", {"on_order"}),
        ("in_stock", {"in_stock"}),
        ("disposed", {"disposed"}),
        ("retired", {"retired"}),
        ("stale", {"missing", "disposed"}),  # 100-300 days silent; one stale laptop is also disposed
        ("miradore_deleted", {"active"}),
    ],
)
def test_trap_statuses(fleet, plan, trap, statuses) -> None:
    assert set(_trap_assets(fleet, plan, trap)["status"]) == statuses


def test_reenrolled_devices_supersede_their_old_intune_record(fleet, plan) -> None:
    uids = set(fleet.fleet.devices_with("reenrolled"))
    keys = fleet.truth.index[fleet.truth.isin(uids) & fleet.truth.index.str.startswith("intune|")]
    links = plan.links.set_index("record_key").loc[keys]
    assert links["superseded"].sum() == len(uids)  # exactly the older enrolment of each device


def test_idempotent_replay(fleet, plan) -> None:
    again = run(fleet.records, state_from_plan(plan), run_id="run-2")
    for name in ("assets", "links", "provenance", "identifiers", "relationships"):
        before, after = getattr(plan, name), getattr(again, name)
        assert before.reset_index(drop=True).equals(after.reset_index(drop=True)), f"{name} changed on replay"
    assert again.status_changes.empty
    assert again.decisions[again.decisions["decision"].isin(["MERGED", "SUPERSEDED"])].empty


def test_input_order_does_not_change_the_result(fleet, plan) -> None:
    shuffled = run(fleet.records.sample(frac=1.0, random_state=5).reset_index(drop=True))
    assert shuffled.assets.equals(plan.assets)
    links = shuffled.links.sort_values("record_key").reset_index(drop=True)
    assert links.equals(plan.links.sort_values("record_key").reset_index(drop=True))


def test_mutating_one_percent_keeps_every_asset_id(fleet, plan) -> None:
    records = fleet.records.copy()
    rng = np.random.default_rng(3)
    picked = rng.choice(len(records), size=len(records) // 100, replace=False)
    third = np.array_split(picked, 3)
    records.loc[third[0], "hostname"] = records.loc[third[0], "hostname"] + "-renamed"
    records.loc[third[0], "os_version"] = "99.0"
    records.loc[third[1], "mac_addresses"] = pd.NA  # identifiers lost in one source
    records.loc[third[1], "last_seen_at"] = pd.Timestamp(days_ago(0))
    records = records.drop(index=third[2]).reset_index(drop=True)  # records gone
    second = run(records, state_from_plan(plan), run_id="run-2")
    before, after = assets_of(plan), assets_of(second)
    assert after.reindex(before.index).equals(before), "every record kept its asset"
    assert len(second.assets) == len(plan.assets)
    assert second.decisions.query("decision in ['MERGED', 'MULTI_MATCH', 'CANNOT_LINK']").empty

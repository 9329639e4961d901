"""Identity matching: which records become one asset, and which never do.

Each test builds a few hand-made normalized records for one rule or trap and checks the
clusters, the link evidence and the audit rows the plan carries.
"""

from __future__ import annotations

import json

from .builders import asset_of, days_ago, frame, link, rec, rerun, run

IMEI_A = "355762052793235"
IMEI_B = "490154203237518"
UUID_A = "564d4cbc-c6a9-1969-8a1a-2b3c4d5e6f70"


def swapped(uuid: str) -> str:
    g = uuid.split("-")
    flip = lambda s: "".join(reversed([s[i : i + 2] for i in range(0, len(s), 2)]))  # noqa: E731
    return "-".join([flip(g[0]), flip(g[1]), flip(g[2]), g[3], g[4]])


def test_serial_and_manufacturer_link_across_sources_despite_formatting() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number="5CG-1234XYZ", manufacturer="HP"),
            rec("device42", "d1", serial_number="5CG1234XYZ", manufacturer="HP"),
            rec("file:procurement", "p1", serial_number="5cg 1234 xyz", manufacturer="HP", asset_tag="T1"),
        )
    )
    assert len(plan.assets) == 1
    assert {asset_of(plan, k) for k in ("intune|i1", "device42|d1", "file:procurement|p1")} == {
        plan.assets["asset_id"].iloc[0]
    }
    rules = plan.links.set_index("record_key")["rule"]
    assert sorted(rules) == ["new", "serial", "serial"]
    evidence = json.loads(link(plan, "intune|i1")["evidence"])
    assert evidence["serial_key"] == ["5CG1234XYZ"]


def test_same_serial_of_two_manufacturers_is_two_devices() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number="ABC12345", manufacturer="Dell"),
            rec("device42", "d1", serial_number="ABC12345", manufacturer="Lenovo"),
            rec("file:procurement", "p1", serial_number="ABC12345"),  # no maker: could be either
        )
    )
    assert len(plan.assets) == 3


def test_serial_without_manufacturer_links_when_the_serial_is_unambiguous() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number="ABC12345", manufacturer="Dell"),
            rec("file:procurement", "p1", serial_number="ABC12345"),
        )
    )
    assert asset_of(plan, "intune|i1") == asset_of(plan, "file:procurement|p1")


def test_junk_serial_fleet_stays_fifty_assets() -> None:
    # Normalization nulls known placeholders; one that slipped through (serial_key set) is
    # caught as overloaded: 50 records of one source share it.
    cleaned = [rec("intune", f"i{i}", serial_issue="junk:placeholder", model="B550M Pro4") for i in range(50)]
    leaked = [
        rec("device42", f"d{i}", serial_number="TOBEFILLEDBYOEM", model="B550M Pro4") for i in range(50)
    ]
    plan = run(frame(*cleaned, *leaked))
    assert len(plan.assets) == 100
    report = plan.overloaded_values.set_index("id_value")
    assert report.loc["TOBEFILLEDBYOEM", "records"] == 50
    assert report.loc["TOBEFILLEDBYOEM", "id_type"] == "serial_key"


def test_vmware_serial_links_only_virtual_machines() -> None:
    serial = "VMware-42 02 3a 7c 9e 11 4f 5b-8c 6d 1e 2f 3a 4b 5c 6d"
    plan = run(
        frame(
            rec("device42", "vm1", serial_number=serial, is_virtual=True, asset_type="virtual_machine"),
            rec("intune", "vdi1", serial_number=serial, is_virtual=True, asset_type="virtual_machine"),
            rec("file:procurement", "p1", serial_number=serial, is_virtual=False, asset_type="server"),
        )
    )
    assert asset_of(plan, "device42|vm1") == asset_of(plan, "intune|vdi1")
    assert asset_of(plan, "file:procurement|p1") != asset_of(plan, "device42|vm1")


def test_shared_virtual_mac_does_not_merge_unrelated_devices() -> None:
    shared = "02:00:4e:43:50:49"
    plan = run(
        frame(
            *[
                rec("device42", f"d{i}", mac_addresses=f"{shared};aa:bb:cc:00:00:{i:02x}", model=f"M{i}")
                for i in range(6)
            ]
        )
    )
    assert len(plan.assets) == 6
    assert shared in set(plan.overloaded_values["id_value"])


def test_reused_hostname_never_merges() -> None:
    plan = run(
        frame(
            rec(
                "intune",
                "i1",
                hostname="lt-00042",
                serial_number="SERIAL0001",
                manufacturer="HP",
                model="840 G10",
            ),
            rec(
                "device42",
                "d1",
                hostname="lt-00042",
                serial_number="SERIAL0002",
                manufacturer="HP",
                model="840 G10",
            ),
            rec("intune", "i2", hostname="lt-00099", model="840 G10"),
            rec("intune", "i3", hostname="lt-00099", model="840 G10"),  # not unique within Intune
            rec("device42", "d3", hostname="lt-00099", model="840 G10"),
        )
    )
    assert len(plan.assets) == 5


def test_hostname_with_same_model_links_serial_less_pcs_but_a_bare_name_does_not() -> None:
    plan = run(
        frame(
            rec("intune", "i1", hostname="ws-00182", model="B550M Pro4", serial_issue="junk:placeholder"),
            rec("device42", "d1", hostname="ws-00182", model="B550M Pro4", mac_addresses="70:85:c2:ce:81:60"),
            rec("intune", "i2", hostname="ws-00183", model="B550M Pro4"),
            rec("device42", "d2", hostname="ws-00183", model="X570 Taichi"),
        )
    )
    assert asset_of(plan, "intune|i1") == asset_of(plan, "device42|d1")
    assert link(plan, "device42|d1")["matched_key"] == "hostname"
    assert asset_of(plan, "intune|i2") != asset_of(plan, "device42|d2")


def test_hostname_rule_ignores_phone_names() -> None:
    plan = run(
        frame(
            rec("intune", "i1", hostname="janes-iphone", model="iPhone 14", asset_type="mobile_phone"),
            rec("miradore", "m1", hostname="janes-iphone", model="iPhone 14", asset_type="mobile_phone"),
        )
    )
    assert len(plan.assets) == 2


def test_renamed_device_still_links_via_serial() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number="PC22DCNW", manufacturer="Lenovo", hostname="lt-00049"),
            rec(
                "device42", "d1", serial_number="PC22DCNW", manufacturer="Lenovo", hostname="desktop-7k3j9qx"
            ),
        )
    )
    assert len(plan.assets) == 1
    evidence = json.loads(link(plan, "device42|d1")["evidence"])
    assert "hostname" not in evidence  # the names differ: no corroboration claimed


def test_reenrolled_device_joins_its_asset_and_the_old_record_is_superseded() -> None:
    first = run(
        frame(
            rec("intune", "old", serial_number="R9TF3XZP", manufacturer="Lenovo", last_seen_at=days_ago(2)),
            rec("file:procurement", "p1", serial_number="R9TF3XZP", asset_tag="CT1"),
        )
    )
    records = frame(
        rec("intune", "old", serial_number="R9TF3XZP", manufacturer="Lenovo", last_seen_at=days_ago(40)),
        rec("intune", "new", serial_number="R9TF3XZP", manufacturer="Lenovo", last_seen_at=days_ago(1)),
        rec("file:procurement", "p1", serial_number="R9TF3XZP", asset_tag="CT1"),
    )
    second = rerun(first, records)
    assert asset_of(second, "intune|new") == asset_of(first, "intune|old") == asset_of(second, "intune|old")
    assert bool(link(second, "intune|old")["superseded"]) is True
    assert bool(link(second, "intune|new")["superseded"]) is False
    superseded = second.decisions[second.decisions["decision"] == "SUPERSEDED"]
    assert superseded["record_key"].tolist() == ["intune|old"]
    assert json.loads(superseded["detail"].iloc[0]) == {"superseded_by": "intune|new"}
    assert rerun(second, records).decisions.query("decision == 'SUPERSEDED'").empty  # reported once


def test_reenrolled_device_finds_its_asset_after_the_old_record_was_deleted() -> None:
    first = run(frame(rec("intune", "old", serial_number="R9TF3XZP", manufacturer="Lenovo")))
    second = rerun(first, frame(rec("intune", "new", serial_number="R9TF3XZP", manufacturer="Lenovo")))
    assert asset_of(second, "intune|new") == asset_of(first, "intune|old")
    assert len(second.assets) == 1
    assert bool(link(second, "intune|old")["present_in_last_complete"]) is False
    assert bool(link(second, "intune|old")["superseded"]) is True


def test_mac_only_link() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number="PC1234567", mac_addresses="7c:b2:7d:33:11:fa"),
            rec("device42", "d1", mac_addresses="54:e1:ad:4e:47:e8;7c:b2:7d:33:11:fa"),
        )
    )
    assert asset_of(plan, "intune|i1") == asset_of(plan, "device42|d1")
    assert link(plan, "device42|d1")["matched_value"] == "7c:b2:7d:33:11:fa" or (
        link(plan, "intune|i1")["matched_value"] == "7c:b2:7d:33:11:fa"
    )


def test_imei_only_link() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number="F2LXK0ABCD", imei=IMEI_A, asset_type="mobile_phone"),
            rec("miradore", "m1", imei=IMEI_A, asset_type="mobile_phone"),
        )
    )
    assert asset_of(plan, "intune|i1") == asset_of(plan, "miradore|m1")
    assert {link(plan, k)["matched_key"] for k in ("intune|i1", "miradore|m1")} == {"imei"}


def test_uuid_links_in_either_byte_order() -> None:
    plan = run(
        frame(
            rec("device42", "esx-view", uuid=UUID_A, is_virtual=True),
            rec("intune", "guest-view", uuid=swapped(UUID_A), is_virtual=True),
        )
    )
    assert asset_of(plan, "device42|esx-view") == asset_of(plan, "intune|guest-view")


def test_two_valid_serials_sharing_a_dock_mac_stay_apart() -> None:
    dock = "00:e0:4c:68:00:01"
    plan = run(
        frame(
            rec("intune", "i1", serial_number="SERIALAAA1", manufacturer="Dell", mac_addresses=dock),
            rec("device42", "d1", serial_number="SERIALBBB2", manufacturer="Dell", mac_addresses=dock),
        )
    )
    assert len(plan.assets) == 2
    conflict = plan.decisions[plan.decisions["decision"] == "CANNOT_LINK"]
    assert len(conflict) == 1
    detail = json.loads(conflict["detail"].iloc[0])
    assert detail["id_type"] == "mac_address" and detail["value"] == dock and detail["conflict"] == "serial"
    assert set(detail["records"]) == {"intune|i1", "device42|d1"}


def test_a_record_between_two_different_serials_joins_neither() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number="SERIALAAA1", mac_addresses="aa:aa:aa:00:00:01"),
            rec("device42", "d1", mac_addresses="aa:aa:aa:00:00:01;bb:bb:bb:00:00:02"),
            rec("miradore", "m1", serial_number="SERIALBBB2", mac_addresses="bb:bb:bb:00:00:02"),
        )
    )
    assert len(plan.assets) == 3


def test_more_than_two_imeis_never_merge() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number="PHONE0001", imei=IMEI_A),
            rec("miradore", "m1", serial_number="PHONE0001", imei=IMEI_B),  # dual SIM: fine
            rec("device42", "d1", mac_addresses="aa:aa:aa:00:00:09", imei="356938035643809"),
            rec("file:procurement", "p1", serial_number="PHONE0001", mac_addresses="aa:aa:aa:00:00:09"),
        )
    )
    assert (
        asset_of(plan, "intune|i1") == asset_of(plan, "miradore|m1") == asset_of(plan, "file:procurement|p1")
    )
    assert asset_of(plan, "device42|d1") != asset_of(plan, "intune|i1")


def test_conflicting_asset_tags_never_merge() -> None:
    plan = run(
        frame(
            rec("file:procurement", "CT1", asset_tag="CT1", mac_addresses="aa:aa:aa:00:00:10"),
            rec("device42", "d1", asset_tag="CT2", mac_addresses="aa:aa:aa:00:00:10"),
        )
    )
    assert len(plan.assets) == 2


def test_new_record_pointing_at_two_existing_assets_is_held_as_multi_match() -> None:
    first = run(
        frame(
            rec("intune", "i1", serial_number="SERIALAAA1", mac_addresses="aa:aa:aa:00:00:01"),
            rec("intune", "i2", serial_number="SERIALBBB2", mac_addresses="bb:bb:bb:00:00:02"),
        )
    )
    records = frame(
        rec("intune", "i1", serial_number="SERIALAAA1", mac_addresses="aa:aa:aa:00:00:01"),
        rec("intune", "i2", serial_number="SERIALBBB2", mac_addresses="bb:bb:bb:00:00:02"),
        rec("device42", "d9", mac_addresses="aa:aa:aa:00:00:01;bb:bb:bb:00:00:02"),
    )
    second = rerun(first, records)
    assert len(second.assets) == 2
    assert "device42|d9" not in set(second.links["record_key"])
    held = second.quarantine[second.quarantine["reason"] == "MULTI_MATCH"]
    assert held["source_record_id"].tolist() == ["d9"]
    detail = json.loads(held["detail"].iloc[0])
    assert detail["record_key"] == "device42|d9"
    assert set(detail["candidates"]) == set(first.assets["asset_id"])
    decision = second.decisions[second.decisions["decision"] == "MULTI_MATCH"]
    assert decision["record_key"].tolist() == ["device42|d9"]
    assert second.counts["device42"]["quarantined"] == 1


def test_new_record_whose_serial_and_imei_name_two_existing_assets_is_held() -> None:
    first = run(
        frame(
            rec("intune", "phone-a", serial_number="SERIALAAA1", asset_type="mobile_phone"),
            rec("miradore", "phone-b", imei=IMEI_B, asset_type="mobile_phone"),
        )
    )
    records = frame(
        rec("intune", "phone-a", serial_number="SERIALAAA1", asset_type="mobile_phone"),
        rec("miradore", "phone-b", imei=IMEI_B, asset_type="mobile_phone"),
        rec("device42", "d9", serial_number="SERIALAAA1", imei=IMEI_B),
    )
    second = rerun(first, records)
    assert "device42|d9" not in set(second.links["record_key"])
    detail = json.loads(second.quarantine.set_index("source_record_id").loc["d9", "detail"])
    assert set(detail["candidates"]) == set(first.assets["asset_id"])
    assert {k["id_type"] for k in detail["keys"]} == {"imei"}
    assert second.decisions.query("decision == 'MERGED'").empty


def test_dock_mac_of_another_existing_laptop_is_a_cannot_link_not_a_multi_match() -> None:
    dock = "00:e0:4c:68:00:01"
    first = run(
        frame(
            rec("intune", "l1", serial_number="SERIALAAA1", mac_addresses=dock),
            rec("intune", "l2", serial_number="SERIALBBB2"),
        )
    )
    second = rerun(
        first,
        frame(
            rec("intune", "l1", serial_number="SERIALAAA1", mac_addresses=dock),
            rec("intune", "l2", serial_number="SERIALBBB2"),
            rec("device42", "d2", serial_number="SERIALBBB2", mac_addresses=dock),
        ),
    )
    assert asset_of(second, "device42|d2") == asset_of(first, "intune|l2")
    assert second.quarantine.empty
    assert second.decisions["decision"].tolist() == ["CANNOT_LINK"]


def test_strong_identifier_shared_by_two_existing_assets_merges_them_into_the_older() -> None:
    first = run(
        frame(
            rec(
                "intune",
                "i1",
                serial_number="SERIALAAA1",
                last_seen_at=days_ago(1),
                enrolled_at=days_ago(300),
            ),
            rec("miradore", "m1", imei=IMEI_A, last_seen_at=days_ago(1), enrolled_at=days_ago(20)),
        )
    )
    older, newer = asset_of(first, "intune|i1"), asset_of(first, "miradore|m1")
    records = frame(
        rec("intune", "i1", serial_number="SERIALAAA1", imei=IMEI_A, last_seen_at=days_ago(0)),
        rec("miradore", "m1", imei=IMEI_A, last_seen_at=days_ago(0)),
    )
    second = rerun(first, records)
    assert asset_of(second, "miradore|m1") == older
    merged = second.decisions[second.decisions["decision"] == "MERGED"]
    assert merged[["asset_id", "other_asset_id"]].values.tolist() == [[older, newer]]
    assert json.loads(merged["detail"].iloc[0])["merged_into"] == older
    kept = second.assets.set_index("asset_id")
    assert kept.loc[newer, "status"] == "retired"  # kept as a row, out of the active fleet
    change = second.status_changes.set_index("asset_id").loc[newer]
    assert change["reason"] == "MERGED" and bool(change["applied"])
    assert second.counts["miradore"]["merged"] == 1


def test_weak_identifier_never_merges_two_existing_assets() -> None:
    first = run(
        frame(
            rec("intune", "i1", serial_number="SERIALAAA1"),
            rec("device42", "d1", mac_addresses="aa:aa:aa:00:00:01"),
        )
    )
    second = rerun(
        first,
        frame(
            rec("intune", "i1", serial_number="SERIALAAA1", mac_addresses="aa:aa:aa:00:00:01"),
            rec("device42", "d1", mac_addresses="aa:aa:aa:00:00:01"),
        ),
    )
    assert len(second.assets) == 2
    assert second.decisions.query("decision == 'MERGED'").empty


def test_sim_card_imei_is_a_relationship_not_a_match() -> None:
    plan = run(
        frame(
            rec("intune", "phone", serial_number="F2LXK0ABCD", imei=IMEI_A, asset_type="mobile_phone"),
            rec(
                "file:procurement",
                "sim1",
                serial_number="8946000000000000001",
                imei=IMEI_A,
                asset_type="sim_card",
            ),
        )
    )
    assert len(plan.assets) == 2
    rel = plan.relationships[plan.relationships["relation"] == "installed_in"]
    assert rel[["asset_id", "target_id"]].values.tolist() == [
        [asset_of(plan, "file:procurement|sim1"), asset_of(plan, "intune|phone")]
    ]


def test_a_sim_reported_by_two_sources_links_to_its_phone_once() -> None:
    sim = {"serial_number": "8946000000000000001", "imei": IMEI_A, "asset_type": "sim_card"}
    plan = run(
        frame(
            rec("intune", "phone", serial_number="F2LXK0ABCD", imei=IMEI_A, asset_type="mobile_phone"),
            rec("file:procurement", "sim1", **sim),
            rec("file:inventory", "sim1", **sim),
        )
    )
    sim_asset = asset_of(plan, "file:procurement|sim1")
    assert asset_of(plan, "file:inventory|sim1") == sim_asset
    links = plan.relationships[plan.relationships["target_type"] == "asset"]
    assert links[["asset_id", "relation", "target_id"]].values.tolist() == [
        [sim_asset, "installed_in", asset_of(plan, "intune|phone")]
    ]
    assert plan.relationships.duplicated(["asset_id", "relation", "target_id"]).sum() == 0


def test_quarantined_records_are_not_matched() -> None:
    plan = run(
        frame(
            rec("intune", "i1", serial_number="SERIALAAA1"),
            rec(
                "file:procurement",
                "p1",
                serial_number="SERIALAAA1",
                quarantine_reason="BAD_DATE",
                origin="a.csv:3",
            ),
        )
    )
    assert len(plan.assets) == 1 and len(plan.links) == 1
    held = plan.quarantine.iloc[0]
    assert (held["reason"], held["origin"]) == ("BAD_DATE", "a.csv:3")
    assert json.loads(held["detail"]) == {"record_key": "file:procurement|p1"}
    assert plan.counts["file:procurement"] == {
        "records_in": 1,
        "linked": 0,
        "new": 0,
        "updated": 0,
        "unchanged": 0,
        "merged": 0,
        "quarantined": 1,
        "retired": 0,
    }

"""The seeded fleet generator: determinism, payload shapes, laziness, traps and truth."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.emulators.catalog import Catalog
from connectors.emulators.fleet import (
    BLOCK,
    PROCUREMENT,
    RECORDS_PER_BLOCK,
    SOURCES,
    TRAPS,
    Fleet,
    generate_fleet,
    size_for_records,
)
from connectors.emulators.fleet.identifiers import luhn_valid
from connectors.emulators.fleet.vocabulary import JUNK_SERIALS, SHARED_JUNK_MACS
from connectors.file_drop import STANDARD_COLUMNS
from connectors.records import DEVICE42, INTUNE, MIRADORE

NOW = datetime(2025, 3, 1, tzinfo=UTC)
SIZE = 300


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return generate_fleet(SIZE, seed=7, now=NOW)


@pytest.fixture(scope="module")
def records(fleet: Fleet) -> dict[str, list[tuple[dict[str, Any], str]]]:
    """Every record of every source with the uid of its device."""
    out: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for source in SOURCES:
        catalog = fleet.catalog(source)
        payloads = catalog.page(0, len(catalog))
        uids = [uid for _, uid in catalog.truth()]
        assert len(payloads) == len(uids)
        out[source] = list(zip(payloads, uids, strict=True))
    return out


def by_uid(records: list[tuple[dict[str, Any], str]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for payload, uid in records:
        grouped[uid].append(payload)
    return grouped


def with_trap(fleet: Fleet, trap: str) -> list[str]:
    return list(fleet.devices_with(trap))


# -- determinism and laziness ----------------------------------------------------------------
def test_same_seed_gives_identical_output_and_another_seed_does_not() -> None:
    first, second = generate_fleet(150, seed=3, now=NOW), generate_fleet(150, seed=3, now=NOW)
    other = generate_fleet(150, seed=4, now=NOW)
    for source in SOURCES:
        assert first.catalog(source).page(0, 400) == second.catalog(source).page(0, 400)
        assert first.catalog(source).page(0, 400) != other.catalog(source).page(0, 400)
    assert list(first.truth_pairs()) == list(second.truth_pairs())


def test_a_device_does_not_depend_on_fleet_size() -> None:
    small, large = generate_fleet(250, seed=5, now=NOW), generate_fleet(10_000, seed=5, now=NOW)
    for index in (0, 99, 123, 249):
        assert small.device(index) == large.device(index)


@pytest.mark.parametrize("source", SOURCES)
def test_pages_are_consistent_slices(fleet: Fleet, source: str) -> None:
    catalog = fleet.catalog(source)
    assert catalog.page(0, 10) + catalog.page(10, 10) == catalog.page(0, 20)
    assert catalog.page(len(catalog) - 3, 10) == catalog.page(0, len(catalog))[-3:]
    assert catalog.page(len(catalog), 5) == []
    assert isinstance(catalog, Catalog)
    with pytest.raises(ValueError):
        catalog.page(-1, 5)


def test_a_million_device_fleet_is_lazy_and_pages_anywhere() -> None:
    fleet = generate_fleet(1_000_000, seed=42, now=NOW)
    assert len(fleet.intune) == 1_000_000 // BLOCK * RECORDS_PER_BLOCK[INTUNE]
    last = fleet.device42.page(len(fleet.device42) - 2, 10)
    assert len(last) == 2 and all(p["device_id"] for p in last)
    middle = fleet.miradore.page(70_000, 3)
    assert [p["ID"] for p in middle] == [p["ID"] for p in fleet.miradore.page(69_999, 4)[1:]]


def test_partial_last_block_only_holds_existing_devices() -> None:
    fleet = generate_fleet(250, seed=1, now=NOW)  # seed 1: one reuse-pair laptop falls past index 249
    uids = set(fleet.uids())
    for source in SOURCES:
        catalog = fleet.catalog(source)
        assert {uid for _, uid in catalog.truth()} <= uids
        assert 2 * RECORDS_PER_BLOCK[source] <= len(catalog) <= 3 * RECORDS_PER_BLOCK[source]
    names = Counter(p["deviceName"] for p in fleet.intune)
    intune_names = dict(
        zip((u for _, u in fleet.intune.truth()), (p["deviceName"] for p in fleet.intune), strict=True)
    )
    reused = list(fleet.devices_with("hostname_reused"))
    assert len(reused) == 4  # two full blocks; the lonely laptop of the last block is not tagged
    assert all(names[intune_names[uid]] == 2 for uid in reused)
    assert "dev-0000238" not in reused and names[intune_names["dev-0000238"]] == 1


def test_size_for_records_inverts_the_record_rate() -> None:
    size = size_for_records(100_000)
    total = sum(generate_fleet(size, seed=1, now=NOW).record_counts().values())
    assert abs(total - 100_000) < 300
    intune_only = size_for_records(6_800, sources=[INTUNE])
    assert len(generate_fleet(intune_only, seed=1, now=NOW).intune) == pytest.approx(6_800, abs=70)


# -- truth -----------------------------------------------------------------------------------
def test_truth_covers_every_record_with_unique_ids(fleet: Fleet) -> None:
    pairs = list(fleet.truth_pairs())
    counts = fleet.record_counts()
    per_source = Counter(source for source, _, _ in pairs)
    assert per_source == counts
    ids = [(source, record_id) for source, record_id, _ in pairs]
    assert len(ids) == len(set(ids))
    assert {uid for _, _, uid in pairs} <= set(fleet.uids())


def test_truth_ids_match_the_payload_ids(
    records: dict[str, list[tuple[dict[str, Any], str]]], fleet: Fleet
) -> None:
    ids = {source: [record_id for record_id, _ in fleet.truth(source)] for source in SOURCES}
    assert ids[INTUNE] == [p["id"] for p, _ in records[INTUNE]]
    assert ids[DEVICE42] == [str(p["device_id"]) for p, _ in records[DEVICE42]]
    assert ids[MIRADORE] == [p["ID"] for p, _ in records[MIRADORE]]
    tags = [
        p["asset_tag"] or re.sub(r"[\s\-_.]", "", p["serial_number"].upper()) for p, _ in records[PROCUREMENT]
    ]
    assert ids[PROCUREMENT] == tags


def test_valid_identifiers_are_unique_per_device(fleet: Fleet) -> None:
    devices = [fleet.device(i) for i in range(fleet.size)]
    serials = [d.serial for d in devices if d.serial_valid]
    assert len(serials) == len(set(serials))
    imeis = [d.imei for d in devices if d.imei]
    assert imeis and len(imeis) == len(set(imeis))
    assert all(len(i) == 15 and luhn_valid(i) for i in imeis)
    macs = [m for d in devices for m in ([d.wifi_mac] if d.wifi_mac else []) + list(d.wired_macs)]
    assert len(macs) == len(set(macs))
    assert all(int(m[:2], 16) & 0x03 == 0 for m in macs)  # burned-in: universal, unicast


def test_every_trap_is_present_several_times_in_a_300_device_fleet(fleet: Fleet) -> None:
    counts = Counter(trap for uid in fleet.uids() for trap in fleet.traps(uid))
    assert set(counts) == set(TRAPS)
    assert min(counts.values()) >= 3


def test_kinds_cover_the_estate(fleet: Fleet) -> None:
    kinds = Counter(fleet.device(i).asset_type for i in range(fleet.size))
    assert set(kinds) == {
        "laptop",
        "desktop",
        "mobile_phone",
        "tablet",
        "server",
        "virtual_machine",
        "network_device",
        "printer",
        "display",
        "sim_card",
        "storage",
    }
    assert kinds["laptop"] == 90


# -- payload shapes --------------------------------------------------------------------------
def test_intune_payloads_have_the_list_shape(records: dict[str, list[tuple[dict[str, Any], str]]]) -> None:
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
    for payload, _ in records[INTUNE]:
        assert re.fullmatch(r"([0-9A-F]{12})?", payload["wiFiMacAddress"])
        for hidden in ("ethernetMacAddress", "iccid", "udid", "notes"):
            assert payload[hidden] is None
        assert payload["physicalMemoryInBytes"] == 0
        assert payload["easActivationDateTime"] == "0001-01-01T00:00:00Z"
        assert stamp.match(payload["enrolledDateTime"]) and stamp.match(payload["lastSyncDateTime"])
        assert payload["enrolledDateTime"] <= payload["lastSyncDateTime"] <= "2025-03-01T00:00:00Z"
        assert all(
            payload[k] is not None for k in ("deviceName", "serialNumber", "imei", "userPrincipalName")
        )
    laptops = [p for p, _ in records[INTUNE] if p["deviceName"].startswith("lt-")]
    assert all(p["wiFiMacAddress"] for p in laptops)


def test_device42_payloads_have_the_devices_all_shape(
    records: dict[str, list[tuple[dict[str, Any], str]]],
) -> None:
    keys = {
        "device_id",
        "id",
        "name",
        "serial_no",
        "asset_no",
        "uuid",
        "type",
        "hw_model",
        "manufacturer",
        "mac_addresses",
        "ip_addresses",
        "customer",
        "building",
        "custom_fields",
        "last_updated",
    }
    serial_kinds = set()
    uuid_cases = set()
    for payload, _ in records[DEVICE42]:
        assert keys <= payload.keys()
        assert payload["device_id"] == payload["id"]
        assert payload["type"] in ("physical", "virtual")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", payload["last_updated"])
        for entry in payload["mac_addresses"]:
            assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", entry["mac"]) and "port_name" in entry
        serial_kinds.add(
            type(payload["serial_no"]).__name__ if payload["serial_no"] else repr(payload["serial_no"])
        )
        if payload["uuid"]:
            uuid_cases.add(payload["uuid"] == payload["uuid"].upper())
    assert {"None", "''", "str"} <= serial_kinds  # null and "" both stand for "unknown"
    assert uuid_cases == {True, False}


def test_miradore_payloads_are_flat_strings(records: dict[str, list[tuple[dict[str, Any], str]]]) -> None:
    for payload, _ in records[MIRADORE]:
        assert {
            "ID",
            "Status",
            "LastReported",
            "InvDevice.SerialNumber",
            "InvDevice.IMEI",
            "User.Email",
            "Tags",
        } <= payload.keys()
        for key, value in payload.items():
            if key == "Tags":
                assert isinstance(value, list) and all(isinstance(t, str) for t in value)
            else:
                assert value is None or isinstance(value, str), key
        datetime.strptime(payload["LastReported"], "%d.%m.%Y %H:%M:%S")
    statuses = Counter(p["Status"] for p, _ in records[MIRADORE])
    assert statuses["Deleted"] >= 3 and statuses["Active"] > statuses["Deleted"]


def test_procurement_rows_use_the_standard_template(
    records: dict[str, list[tuple[dict[str, Any], str]]],
) -> None:
    statuses = Counter()
    for payload, _ in records[PROCUREMENT]:
        assert tuple(payload) == STANDARD_COLUMNS
        assert all(isinstance(v, str) for v in payload.values())
        assert re.fullmatch(r"\d+\.\d{2}", payload["purchase_cost"])
        statuses[payload["status"]] += 1
    assert set(statuses) == {"active", "on_order", "in_stock", "disposed", "retired"}


def test_manufacturer_spellings_differ_between_sources(
    records: dict[str, list[tuple[dict[str, Any], str]]],
) -> None:
    intune = {p["manufacturer"] for p, _ in records[INTUNE]}
    device42 = {p["manufacturer"] for p, _ in records[DEVICE42]}
    procurement = {p["manufacturer"] for p, _ in records[PROCUREMENT]}
    assert {"Dell Inc.", "LENOVO"} <= intune and {"Dell", "Lenovo", "HP Inc."} <= procurement
    assert "Hewlett-Packard" in device42


# -- traps -----------------------------------------------------------------------------------
def test_junk_serials_sit_on_distinct_white_box_devices(
    fleet: Fleet, records: dict[str, list[tuple[dict[str, Any], str]]]
) -> None:
    junk = with_trap(fleet, "junk_serial")
    assert len(junk) >= 12
    for uid in junk:
        assert fleet.device(uid).serial in JUNK_SERIALS
    reported = Counter(p["serial_no"] for p, u in records[DEVICE42] if u in junk)
    assert max(reported.values()) >= 2  # one placeholder, several unrelated machines


def test_vmware_serials_derive_from_the_uuid(
    fleet: Fleet, records: dict[str, list[tuple[dict[str, Any], str]]]
) -> None:
    vms = [p for p, u in records[DEVICE42] if "vmware_serial" in fleet.traps(u)]
    assert len(vms) >= 24
    for payload in vms:
        hexes = payload["uuid"].replace("-", "").lower()
        assert hexes.startswith("42")
        assert payload["serial_no"].replace("VMware-", "").replace(" ", "").replace("-", "") == hexes
    vdi = by_uid([(p, u) for p, u in records[INTUNE] if "vdi_in_intune" in fleet.traps(u)])
    d42 = by_uid(records[DEVICE42])
    assert len(vdi) >= 6
    for uid, (payload,) in vdi.items():
        assert (
            payload["serialNumber"] == d42[uid][0]["serial_no"] and payload["manufacturer"] == "VMware, Inc."
        )


def test_shared_junk_macs_appear_on_unrelated_devices(
    records: dict[str, list[tuple[dict[str, Any], str]]],
) -> None:
    junk = {mac for mac, _ in SHARED_JUNK_MACS}
    holders = {u for p, u in records[DEVICE42] for m in p["mac_addresses"] if m["mac"] in junk}
    assert len(holders) >= 6


def test_randomized_macs_are_locally_administered_and_differ_per_mdm(
    fleet: Fleet, records: dict[str, list[tuple[dict[str, Any], str]]]
) -> None:
    intune, miradore = by_uid(records[INTUNE]), by_uid(records[MIRADORE])
    phones = with_trap(fleet, "randomized_mac")
    assert len(phones) >= 6
    for uid in phones:
        intune_mac = intune[uid][0]["wiFiMacAddress"]
        miradore_mac = miradore[uid][0]["InvDevice.WiFiMAC"].replace(":", "")
        assert int(intune_mac[1], 16) & 0x2 and int(miradore_mac[1], 16) & 0x2
        assert intune_mac != miradore_mac


def test_reused_and_generic_hostnames_name_different_devices(
    fleet: Fleet, records: dict[str, list[tuple[dict[str, Any], str]]]
) -> None:
    names: dict[str, set[str]] = defaultdict(set)
    for payload, uid in records[INTUNE]:
        names[payload["deviceName"]].add(uid)
    reused = with_trap(fleet, "hostname_reused")
    assert len(reused) >= 6
    for uid in reused:
        assert len(names[intune_name(records, uid)]) == 2
    generic = [n for n in ("iPhone", "Galaxy") if len(names[n]) >= 1]
    assert sum(len(names[n]) for n in generic) >= 9


def intune_name(records: dict[str, list[tuple[dict[str, Any], str]]], uid: str) -> str:
    return next(p["deviceName"] for p, u in records[INTUNE] if u == uid)


def test_renamed_devices_carry_an_older_name_elsewhere(
    fleet: Fleet, records: dict[str, list[tuple[dict[str, Any], str]]]
) -> None:
    others = by_uid(records[DEVICE42] + records[MIRADORE])
    renamed = with_trap(fleet, "renamed")
    assert len(renamed) >= 9
    for uid in renamed:
        current = intune_name(records, uid)
        old = [p.get("name") or p.get("InvDevice.DeviceName") for p in others[uid]]
        assert old and all(name and name != current for name in old)


def test_reenrolled_devices_have_an_old_and_a_new_intune_record(
    fleet: Fleet, records: dict[str, list[tuple[dict[str, Any], str]]]
) -> None:
    intune = by_uid(records[INTUNE])
    reenrolled = with_trap(fleet, "reenrolled")
    assert len(reenrolled) >= 9
    assert {uid for uid, payloads in intune.items() if len(payloads) > 1} == set(reenrolled)
    for uid in reenrolled:
        old, new = intune[uid]
        assert old["id"] != new["id"] and old["azureADDeviceId"] != new["azureADDeviceId"]
        assert old["serialNumber"] == new["serialNumber"] != ""
        assert (
            old["enrolledDateTime"]
            < old["lastSyncDateTime"]
            < new["enrolledDateTime"]
            < new["lastSyncDateTime"]
        )


def test_mac_only_and_imei_only_links(
    fleet: Fleet, records: dict[str, list[tuple[dict[str, Any], str]]]
) -> None:
    intune, device42, miradore = by_uid(records[INTUNE]), by_uid(records[DEVICE42]), by_uid(records[MIRADORE])
    mac_only = with_trap(fleet, "mac_only_link")
    assert len(mac_only) >= 6
    for uid in mac_only:
        (d42,) = device42[uid]
        assert d42["serial_no"] in (None, "")
        d42_macs = {m["mac"].replace(":", "").upper() for m in d42["mac_addresses"]}
        assert intune[uid][0]["wiFiMacAddress"] in d42_macs
    imei_only = with_trap(fleet, "imei_only_link")
    assert len(imei_only) >= 6
    for uid in imei_only:
        (mira,) = miradore[uid]
        assert mira["InvDevice.SerialNumber"] == "" and mira["InvDevice.IMEI"] == intune[uid][0]["imei"] != ""


def test_serial_format_and_untagged_rows(
    fleet: Fleet, records: dict[str, list[tuple[dict[str, Any], str]]]
) -> None:
    rows = by_uid(records[PROCUREMENT])
    formatted = with_trap(fleet, "serial_format")
    assert len(formatted) >= 9
    for uid in formatted:
        typed, true = rows[uid][0]["serial_number"], fleet.device(uid).serial
        assert typed != true
        assert re.sub(r"^S/N:|[\s\-]", "", typed).upper() == true
    for uid in with_trap(fleet, "untagged"):
        assert rows[uid][0]["asset_tag"] == "" and rows[uid][0]["serial_number"]


def test_lifecycle_traps(fleet: Fleet, records: dict[str, list[tuple[dict[str, Any], str]]]) -> None:
    intune, miradore, rows = by_uid(records[INTUNE]), by_uid(records[MIRADORE]), by_uid(records[PROCUREMENT])
    stale_limit = (NOW - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for uid in with_trap(fleet, "stale"):
        seen = [p["lastSyncDateTime"] for p in intune.get(uid, [])]
        seen += [
            datetime.strptime(p["LastReported"], "%d.%m.%Y %H:%M:%S").strftime("%Y-%m-%dT%H:%M:%SZ")
            for p in miradore.get(uid, [])
        ]
        assert seen and max(seen) < stale_limit
    for uid in with_trap(fleet, "miradore_deleted"):
        assert miradore[uid][0]["Status"] == "Deleted"
        assert intune[uid][0]["enrolledDateTime"] > datetime.strptime(
            miradore[uid][0]["LastReported"], "%d.%m.%Y %H:%M:%S"
        ).strftime("%Y-%m-%dT%H:%M:%SZ")
    for trap in ("on_order", "in_stock"):
        for uid in with_trap(fleet, trap):
            assert rows[uid][0]["status"] == trap and uid not in intune and uid not in miradore
    for uid in with_trap(fleet, "on_order"):
        assert rows[uid][0]["serial_number"] == ""
    for uid in with_trap(fleet, "byod_no_serial"):
        assert intune[uid][0]["serialNumber"] == "" and intune[uid][0]["managedDeviceOwnerType"] == "personal"

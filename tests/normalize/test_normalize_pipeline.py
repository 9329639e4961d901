"""``normalize`` end to end: per-source mapping of realistic payloads, quarantine, schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from itam_pipeline.normalize import native_id, normalize, normalize_payloads
from itam_pipeline.schema import NORMALIZED_SCHEMA, AssetType, pandas_dtypes


def plain(value: object) -> object:
    return None if value is pd.NA or value is pd.NaT else value


def row_of(frame: pd.DataFrame, position: int = 0) -> dict[str, Any]:
    return {k: plain(v) for k, v in frame.iloc[position].to_dict().items()}


def test_intune_laptop_mapping(intune_laptop: dict[str, Any]) -> None:
    row = row_of(normalize_payloads("intune", [intune_laptop]))
    assert row["record_key"] == "intune|8d2f5c1a-3b4e-4f60-9a7b-0c1d2e3f4a5b"
    assert row["serial_number"] == row["serial_key"] == "5CG1234XYZ"
    assert row["serial_issue"] is None
    assert (row["manufacturer"], row["model"]) == ("Dell", "Latitude 5440")
    assert (row["hostname"], row["dns_domain"]) == ("lt-0042", None)
    assert row["mac_addresses"] == "a4:b1:c2:d3:e4:f5"
    assert row["azure_ad_device_id"] == "c1e2d3f4-0000-1111-2222-333344445555"
    assert (row["os"], row["os_version"]) == ("Windows", "10.0.22631.3155")
    assert row["primary_user"] == "jane.doe@contoso.example"
    assert row["last_seen_at"] == pd.Timestamp("2025-02-27T16:40:02Z")
    assert row["enrolled_at"] == pd.Timestamp("2024-03-14T09:05:11Z")
    assert (row["storage_total_bytes"], row["storage_free_bytes"]) == (255369789440, 110705508352)
    assert (row["asset_type"], row["asset_type_rule"]) == (
        "laptop",
        "intune.operatingSystem=Windows+model~Latitude",
    )
    assert row["is_virtual"] is False
    assert row["imei"] is None and row["uuid"] is None and row["asset_tag"] is None
    assert row["quarantine_reason"] is None


def test_intune_phone_mapping(intune_iphone: dict[str, Any]) -> None:
    row = row_of(normalize_payloads("intune", [intune_iphone]))
    assert row["hostname"] is None  # "Jane's iPhone" is a display name
    assert row["imei"] == "356938035643809"
    assert row["mac_addresses"] is None  # private (locally administered) Wi-Fi address
    assert row["azure_ad_device_id"] is None  # all-zero GUID
    assert row["primary_user"] == "jane.doe@contoso.example"  # emailAddress fallback
    assert row["last_seen_at"] == pd.Timestamp("2025-02-27T16:40:02.123456Z")
    assert row["enrolled_at"] == pd.Timestamp("2014-01-01T08:00:00Z")
    assert row["storage_total_bytes"] is None and row["storage_free_bytes"] is None  # 0 = not reported
    assert (row["asset_type"], row["os"]) == ("mobile_phone", "iOS")


def test_intune_beta_fields_when_present(intune_laptop: dict[str, Any]) -> None:
    payload = intune_laptop | {
        "managementState": "retirePending",
        "chassisType": "desktop",
        "model": "Unknown",
    }
    row = row_of(normalize_payloads("intune", [payload]))
    assert row["lifecycle_hint"] == "retire_pending"
    assert (row["asset_type"], row["asset_type_rule"]) == ("desktop", "intune.chassisType=desktop")


def test_intune_vmware_serial_makes_a_virtual_machine(intune_laptop: dict[str, Any]) -> None:
    payload = intune_laptop | {"serialNumber": "VMware-56 4d 4c bc c6 a9 19 69-12 34 56 78 9a bc de f0"}
    row = row_of(normalize_payloads("intune", [payload]))
    assert row["is_virtual"] is True
    assert (row["asset_type"], row["asset_type_rule"]) == ("virtual_machine", "serial.vmware")
    assert row["serial_key"].startswith("VMWARE564D4CBC")


def test_device42_mapping(device42_devices: list[dict[str, Any]]) -> None:
    out = normalize_payloads("device42", device42_devices)
    server, vm = row_of(out, 0), row_of(out, 1)
    assert server["record_key"] == "device42|501"
    assert (server["serial_key"], server["asset_tag"]) == ("CZ3128LL62", "A-00917")
    assert server["uuid"] == "32393735-3733-5a43-3331-32384c4c3632"
    assert server["uuid_swapped"] == "35373932-3337-435a-3331-32384c4c3632"
    assert server["mac_addresses"] == "9c:b6:54:0a:1b:2c"  # ports and IP records de-duplicated
    assert (server["manufacturer"], server["model"]) == ("HPE", "ProLiant DL360 Gen10")
    assert (server["os"], server["os_version"]) == ("Windows Server", "10.0.17763")
    assert (server["asset_type"], server["asset_type_rule"]) == ("server", "device42.hw_model~ProLiant")
    assert (server["hostname"], server["location"], server["primary_user"]) == ("nyc-sql-01", "NY-HQ", "jdoe")
    assert server["cost_center"] == "5001245"  # the purchase line's cost centre beats `customer`
    assert server["purchase_date"] == pd.Timestamp("2024-01-05")
    assert (server["purchase_cost"], server["order_number"]) == (7450.5, "PO-2024-0042")
    assert server["warranty_end"] == pd.Timestamp("2027-01-09")
    assert server["last_seen_at"] == pd.Timestamp("2025-02-27T16:40:02.123Z")
    assert server["lifecycle_hint"] is None

    assert vm["is_virtual"] is True
    assert (vm["asset_type"], vm["asset_type_rule"]) == ("virtual_machine", "device42.type=virtual")
    assert vm["serial_key"] == "VMWARE42023081331B58E12730CA560789E551"
    assert vm["mac_addresses"] == "00:50:56:9a:0b:1c"  # vNIC kept on a VM; vmnet host adapter dropped
    assert vm["lifecycle_hint"] == "out_of_service"
    assert vm["asset_tag"] is None and vm["cost_center"] is None


def test_device42_customer_is_the_cost_centre_of_last_resort(device42_devices: list[dict[str, Any]]) -> None:
    payload = device42_devices[0] | {"device_purchase_line_items": []}
    assert row_of(normalize_payloads("device42", [payload]))["cost_center"] == "Finance"
    payload["custom_fields"] = [{"key": "Cost Center", "value": "CC-7"}]
    assert row_of(normalize_payloads("device42", [payload]))["cost_center"] == "CC-7"


def test_miradore_mapping(miradore_devices: list[dict[str, Any]]) -> None:
    out = normalize_payloads("miradore", miradore_devices)
    phone, deleted = row_of(out, 0), row_of(out, 1)
    assert phone["record_key"] == "miradore|412"
    assert phone["serial_key"] == "F17ZK9ABCD12"
    assert phone["imei"] == "356938035643809"
    assert phone["mac_addresses"] == "f0:18:98:aa:bb:cc"  # MACAddress and WiFiMAC are one address
    assert phone["hostname"] is None  # display name
    assert (phone["manufacturer"], phone["model"]) == ("Apple", "iPhone 14 Pro")  # marketing name preferred
    assert (phone["os"], phone["os_version"]) == ("iOS", "17.5.1")
    assert (phone["primary_user"], phone["location"]) == ("jane.doe@contoso.example", "Helsinki")
    assert phone["last_seen_at"] == pd.Timestamp("2025-02-27T16:40:02Z")
    assert phone["enrolled_at"] == pd.Timestamp("2024-03-14T09:05:11Z")
    assert phone["purchase_date"] == pd.Timestamp("2023-06-01")
    assert phone["warranty_end"] is None  # 01.01.0001 = never
    assert phone["asset_type"] == AssetType.MOBILE_PHONE
    assert phone["lifecycle_hint"] is None

    # The primary serial is junk, so the BIOS serial is used instead.
    assert (deleted["serial_key"], deleted["serial_issue"]) == ("MXL1234ABC", None)
    assert deleted["lifecycle_hint"] == "deleted"
    assert deleted["hostname"] == "old-wks-77"
    assert (deleted["asset_type"], deleted["os"]) == ("desktop", "Windows")


def test_miradore_junk_serial_without_fallback_reports_why(miradore_devices: list[dict[str, Any]]) -> None:
    payload = {k: v for k, v in miradore_devices[1].items() if k != "BIOS.SerialNumber"}
    row = row_of(normalize_payloads("miradore", [payload]))
    assert (row["serial_key"], row["serial_issue"]) == (None, "junk:placeholder")
    assert row["quarantine_reason"] is None


def test_file_feed_mapping(procurement_row: dict[str, Any]) -> None:
    row = row_of(normalize_payloads("file:procurement", [procurement_row]))
    assert row["record_key"] == "file:procurement|A-1001"
    assert (row["asset_tag"], row["serial_number"], row["serial_key"]) == (
        "A-1001",
        "5CG-1234XYZ",
        "5CG1234XYZ",
    )
    assert (row["manufacturer"], row["model"], row["hostname"]) == ("HP", "EliteBook 840 G10", "lt-0042")
    assert (row["asset_type"], row["asset_type_rule"]) == ("laptop", "feed.asset_type=Notebook")
    assert (row["primary_user"], row["lifecycle_hint"]) == ("jane.doe@contoso.example", "active")
    assert (row["location"], row["cost_center"], row["supplier"], row["order_number"]) == (
        "Helsinki",
        "CC-100",
        "Acme Hardware",
        "PO-1",
    )
    assert (row["purchase_cost"], row["currency"]) == (1234.5, "EUR")
    assert row["purchase_date"] == pd.Timestamp("2024-01-15")
    assert row["warranty_end"] == pd.Timestamp("2027-01-15")
    assert row["quarantine_reason"] is None


def test_every_file_feed_uses_the_template_mapper(procurement_row: dict[str, Any]) -> None:
    row = row_of(normalize_payloads("file:disposals", [procurement_row | {"status": "Scrapped"}]))
    assert (row["source"], row["lifecycle_hint"], row["asset_type"]) == (
        "file:disposals",
        "disposed",
        "laptop",
    )


def test_file_feed_optional_identifier_columns(procurement_row: dict[str, Any]) -> None:
    payload = procurement_row | {"mac_address": "00-0A-95-9D-68-16; 000a.959d.6817", "imei": "35576205279323"}
    row = row_of(normalize_payloads("file:procurement", [payload]))
    assert row["mac_addresses"] == "00:0a:95:9d:68:16;00:0a:95:9d:68:17"
    assert row["imei"] == "355762052793235"


def test_quarantine_reasons(make_raw: Callable[..., pd.DataFrame], procurement_row: dict[str, Any]) -> None:
    no_key = procurement_row | {"asset_tag": None, "serial_number": "Default string"}
    tag_only = procurement_row | {"serial_number": None}
    raw = make_raw(
        [
            ("file:procurement", None, no_key),
            ("file:procurement", "SOMEKEY", no_key),
            ("file:procurement", "A-1001", tag_only),
            ("intune", "x-1", "{not json"),
            ("intune", "x-2", "[1, 2]"),
            ("intune", None, {"serialNumber": "ABC12345"}),
            ("file:procurement", "A-2", procurement_row),
            ("file:procurement", "A-3", procurement_row),
            ("sccm", "42", {}),
        ],
        error=[
            None,
            None,
            None,
            None,
            None,
            None,
            "BAD_DATE: purchase_date '31/02/2024'",
            "row looked odd",
            None,
        ],
    )
    reasons = [plain(r) for r in normalize(raw)["quarantine_reason"]]
    assert reasons[0] == "MISSING_ID: no source record id"
    assert reasons[1] == "MISSING_ID: no asset tag and no valid serial"
    assert reasons[2] is None  # an asset tag alone identifies a procurement row
    assert reasons[3].startswith("BAD_PAYLOAD: not valid JSON")
    assert reasons[4] == "BAD_PAYLOAD: JSON list, not an object"
    assert reasons[5] == "MISSING_ID: no source record id"
    assert reasons[6] == "BAD_DATE: purchase_date '31/02/2024'"  # connector reason kept with its code
    assert reasons[7] == "CONNECTOR_REJECTED: row looked odd"
    assert reasons[8] == "UNKNOWN_SOURCE: no mapper for source sccm"


def test_junk_identifiers_alone_never_quarantine(intune_laptop: dict[str, Any]) -> None:
    payload = intune_laptop | {"serialNumber": "To be filled by O.E.M.", "wiFiMacAddress": "000000000000"}
    row = row_of(normalize_payloads("intune", [payload]))
    assert (row["serial_issue"], row["quarantine_reason"]) == ("junk:placeholder", None)


def test_output_conforms_to_the_normalized_schema(
    make_raw: Callable[..., pd.DataFrame],
    intune_laptop: dict[str, Any],
    device42_devices: list[dict[str, Any]],
    miradore_devices: list[dict[str, Any]],
    procurement_row: dict[str, Any],
) -> None:
    raw = make_raw(
        [
            ("intune", "i-1", intune_laptop),
            ("device42", "501", device42_devices[0]),
            ("miradore", "412", miradore_devices[0]),
            ("file:procurement", "A-1001", procurement_row),
            ("intune", "i-2", "{broken"),
        ]
    )
    out = normalize(raw)
    assert list(out.columns) == NORMALIZED_SCHEMA.names
    assert {c: str(t) for c, t in out.dtypes.items()} == {
        c: str(t) for c, t in pandas_dtypes(NORMALIZED_SCHEMA).items()
    }
    table = pa.Table.from_pandas(out, schema=NORMALIZED_SCHEMA, preserve_index=False)
    assert table.num_rows == 5
    assert set(out["asset_type"]) <= {t.value for t in AssetType}
    assert out["asset_type_rule"].notna().all()


def test_mixed_sources_keep_order_and_index(
    make_raw: Callable[..., pd.DataFrame],
    intune_laptop: dict[str, Any],
    device42_devices: list[dict[str, Any]],
    procurement_row: dict[str, Any],
) -> None:
    raw = make_raw(
        [
            ("device42", "502", device42_devices[1]),
            ("intune", "i-1", intune_laptop),
            ("file:procurement", "A-1001", procurement_row),
            ("device42", "501", device42_devices[0]),
        ]
    ).set_axis([40, 10, 30, 20])
    out = normalize(raw)
    assert list(out.index) == [40, 10, 30, 20]
    assert out["record_key"].tolist() == [
        "device42|502",
        "intune|i-1",
        "file:procurement|A-1001",
        "device42|501",
    ]
    assert out["mac_addresses"].tolist() == [
        "00:50:56:9a:0b:1c",
        "a4:b1:c2:d3:e4:f5",
        pd.NA,
        "9c:b6:54:0a:1b:2c",
    ]
    assert out["asset_type"].tolist() == ["virtual_machine", "laptop", "laptop", "server"]
    assert out["run_id"].eq("run-1").all()


def test_empty_input_gives_an_empty_conformed_frame(make_raw: Callable[..., pd.DataFrame]) -> None:
    out = normalize(make_raw([]))
    assert out.empty and list(out.columns) == NORMALIZED_SCHEMA.names


def test_numbers_where_text_is_expected_are_read_as_text(intune_laptop: dict[str, Any]) -> None:
    payload = intune_laptop | {"serialNumber": 123456789012, "osVersion": 10}
    row = row_of(normalize_payloads("intune", [payload]))
    assert (row["serial_key"], row["os_version"]) == ("123456789012", "10")


@pytest.mark.parametrize(
    ("source", "payload", "expected"),
    [
        ("intune", {"id": "abc"}, "abc"),
        ("device42", {"device_id": 501, "id": 501}, "501"),
        ("device42", {"id": 7}, "7"),
        ("miradore", {"ID": "412"}, "412"),
        ("file:procurement", {"asset_tag": " a-1 ", "serial_number": "X"}, "A-1"),
        ("file:procurement", {"asset_tag": "", "serial_number": "5cg-123 4"}, "5CG1234"),
        ("intune", {}, None),
    ],
)
def test_native_ids(source: str, payload: dict[str, Any], expected: str | None) -> None:
    assert native_id(source, payload) == expected


def test_raw_payload_text_round_trip(
    make_raw: Callable[..., pd.DataFrame], intune_laptop: dict[str, Any]
) -> None:
    """Payloads read back from Parquet arrive as pandas ``str``/object columns; both work."""
    raw = make_raw([("intune", "i-1", intune_laptop)])
    as_object = raw.assign(payload=raw["payload"].astype(object))
    as_string = raw.assign(payload=raw["payload"].astype("string"))
    assert normalize(as_object).equals(normalize(as_string))
    assert json.loads(raw.loc[0, "payload"])["id"] == intune_laptop["id"]


def test_device42_messy_nested_lists(device42_devices: list[dict[str, Any]]) -> None:
    """Mixed types and shapes inside Device42's lists are coerced, not fatal."""
    payload = device42_devices[0] | {
        "in_service": "no",
        "mac_addresses": None,
        "ip_addresses": [None, {"ip": "10.0.0.1", "macaddress": "9C-B6-54-0A-1B-2D"}, "junk"],
        "custom_fields": [{"key": "  OWNER ", "value": 4711}, {"key": "Owner", "value": "later"}],
        "device_purchase_line_items": [
            {
                "line_type": "Contract",
                "line_contract_type": "Extended Warranty",
                "line_end_date": "2028-05-01",
            },
            {
                "line_type": "Purchase",
                "line_cost": "99.999",
                "purchase_order_no": 12345,
                "line_start_date": "",
            },
        ],
    }
    row = row_of(normalize_payloads("device42", [payload, device42_devices[1]]))
    assert row["mac_addresses"] == "9c:b6:54:0a:1b:2d"
    assert row["primary_user"] == "4711"  # the first matching custom field wins
    assert (row["purchase_cost"], row["order_number"], row["purchase_date"]) == (100.0, "12345", None)
    assert row["warranty_end"] == pd.Timestamp("2028-05-01")
    assert row["lifecycle_hint"] == "out_of_service"

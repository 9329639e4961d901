"""Vendor payloads in each source's documented shape (synthetic values from the API reference)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest


@pytest.fixture
def intune_laptop() -> dict[str, Any]:
    """A Graph managedDevice as v1.0 LIST returns it (``""`` for unknown, nulls, placeholder dates)."""
    return {
        "id": "8d2f5c1a-3b4e-4f60-9a7b-0c1d2e3f4a5b",
        "userId": "4a5b6c7d-1111-2222-3333-444455556666",
        "deviceName": "LT-0042",
        "managedDeviceOwnerType": "company",
        "enrolledDateTime": "2024-03-14T09:05:11Z",
        "lastSyncDateTime": "2025-02-27T16:40:02Z",
        "operatingSystem": "Windows",
        "complianceState": "compliant",
        "jailBroken": "Unknown",
        "managementAgent": "mdm",
        "osVersion": "10.0.22631.3155",
        "easActivated": False,
        "easDeviceId": "",
        "easActivationDateTime": "0001-01-01T00:00:00Z",
        "azureADRegistered": True,
        "deviceEnrollmentType": "windowsAzureADJoin",
        "emailAddress": "jane.doe@contoso.example",
        "azureADDeviceId": "c1e2d3f4-0000-1111-2222-333344445555",
        "deviceRegistrationState": "registered",
        "deviceCategoryDisplayName": "Unknown",
        "isSupervised": False,
        "exchangeLastSuccessfulSyncDateTime": "0001-01-01T00:00:00Z",
        "isEncrypted": True,
        "userPrincipalName": "jane.doe@contoso.example",
        "model": "Latitude 5440",
        "manufacturer": "Dell Inc.",
        "imei": "",
        "serialNumber": "5CG1234XYZ",
        "phoneNumber": "",
        "userDisplayName": "Jane Doe",
        "wiFiMacAddress": "A4B1C2D3E4F5",
        "subscriberCarrier": "",
        "meid": "",
        "totalStorageSpaceInBytes": 255369789440,
        "freeStorageSpaceInBytes": 110705508352,
        "managedDeviceName": "c1e2d3f4-0000-1111-2222-333344445555_Windows_3/14/2024_9:05 AM",
        "iccid": None,
        "udid": None,
        "notes": None,
        "ethernetMacAddress": None,
        "physicalMemoryInBytes": 0,
    }


@pytest.fixture
def intune_iphone(intune_laptop: dict[str, Any]) -> dict[str, Any]:
    """A userless-looking iPhone: display-name device name, IMEI, private Wi-Fi MAC, no storage."""
    return intune_laptop | {
        "id": "11111111-2222-4333-8444-555555555555",
        "deviceName": "Jane's iPhone",
        "operatingSystem": "iOS",
        "osVersion": "17.5.1",
        "manufacturer": "Apple",
        "model": "iPhone 14 Pro",
        "serialNumber": "F17ZK9ABCD12",
        "imei": "35 693803 564380 9",
        "wiFiMacAddress": "F21898AABBCC",  # locally administered (private address)
        "azureADDeviceId": "00000000-0000-0000-0000-000000000000",
        "userPrincipalName": "",
        "emailAddress": "Jane.Doe@Contoso.example",
        "lastSyncDateTime": "2025-02-27T16:40:02.1234567Z",
        "enrolledDateTime": "2014-01-01T00:00:00.0000000-08:00",
        "totalStorageSpaceInBytes": 0,
        "freeStorageSpaceInBytes": 0,
    }


@pytest.fixture
def device42_devices() -> list[dict[str, Any]]:
    """The two devices of the documented ``/api/1.0/devices/all/`` page (a server and a VM)."""
    return [
        {
            "device_id": 501,
            "id": 501,
            "name": "nyc-sql-01",
            "aliases": ["nyc-sql-01.corp.example"],
            "serial_no": "CZ3128LL62",
            "asset_no": "A-00917",
            "uuid": "32393735-3733-5A43-3331-32384C4C3632",
            "type": "physical",
            "hw_model": "ProLiant DL360 Gen10",
            "manufacturer": "HPE",
            "os": "Microsoft Windows Server 2019 Standard",
            "osver": "",
            "osverno": "10.0.17763",
            "cpucount": 2,
            "cpucore": 8,
            "cpuspeed": 2400.0,
            "ram": 65536.0,
            "ip_addresses": [
                {
                    "ip": "10.20.1.15",
                    "label": "Ethernet0",
                    "macaddress": "9c:b6:54:0a:1b:2c",
                    "subnet": "srv-10.20.1.0/24",
                    "subnet_id": 12,
                    "type": 1,
                }
            ],
            "mac_addresses": [
                {"mac": "9c:b6:54:0a:1b:2c", "port": None, "port_name": "Ethernet0", "vlan": None}
            ],
            "service_level": "Production",
            "in_service": True,
            "customer": "Finance",
            "customer_id": 4,
            "building": "NY-HQ",
            "room": "DC1",
            "rack": "R07",
            "rack_id": 33,
            "start_at": 22.0,
            "custom_fields": [{"key": "Owner", "value": "jdoe", "notes": ""}],
            "tags": ["db"],
            "device_purchase_line_items": [
                {
                    "line_contract_type": "Warranty",
                    "line_cost": 400.0,
                    "line_cost_center": "5001245",
                    "line_end_date": "2027-01-09",
                    "line_start_date": "2024-01-09",
                    "line_type": "Contract",
                    "purchase_order_no": "010914Warr",
                },
                {
                    "line_cost": 7450.5,
                    "line_cost_center": "5001245",
                    "line_start_date": "2024-01-05",
                    "line_type": "One time Purchase/Tax etc.",
                    "purchase_order_no": "PO-2024-0042",
                },
            ],
            "last_updated": "2025-02-27T16:40:02.123Z",
            "notes": "",
        },
        {
            "device_id": 502,
            "id": 502,
            "name": "vm-web-07",
            "serial_no": "VMware-42 02 30 81 33 1b 58 e1-27 30 ca 56 07 89 e5 51",
            "asset_no": None,
            "uuid": "42023081-331b-58e1-2730-ca560789e551",
            "type": "virtual",
            "virtual_subtype": "VMware",
            "virtual_host_name": "esx-07",
            "hw_model": None,
            "manufacturer": None,
            "ip_addresses": [],
            "mac_addresses": [{"mac": "00:50:56:9a:0b:1c"}, {"mac": "00:50:56:c0:00:01"}],
            "service_level": "QA",
            "in_service": False,
            "tags": [],
            "custom_fields": [],
            "last_updated": "2025-02-20T08:00:00.000Z",
        },
    ]


@pytest.fixture
def miradore_devices() -> list[dict[str, Any]]:
    """The documented v1 page flattened to attribute paths, as the connector yields it."""
    return [
        {
            "ID": "412",
            "Platform": "iOS",
            "Status": "Active",
            "OnlineStatus": "Active",
            "LastReported": "27.02.2025 16:40:02",
            "Created": "14.03.2024 09:05:11",
            "IPAddress": "203.0.113.10",
            "MACAddress": "F0:18:98:AA:BB:CC",
            "InvDevice.DeviceName": "Jane's iPhone",
            "InvDevice.Manufacturer": "Apple",
            "InvDevice.Model": "iPhone15,2",
            "InvDevice.MarketingName": "iPhone 14 Pro",
            "InvDevice.SerialNumber": "F17ZK9ABCD12",
            "InvDevice.IMEI": "356938035643809",
            "InvDevice.UDID": "00008120-001A2B3C4D5E601E",
            "InvDevice.WiFiMAC": "F0:18:98:AA:BB:CC",
            "InvOS.Platform": "iOS",
            "InvOS.Version": "17.5.1",
            "InvOS.Build": "21F90",
            "User.Email": "jane.doe@contoso.example",
            "User.Firstname": "Jane",
            "User.Lastname": "Doe",
            "Location.Name": "Helsinki",
            "PurchaseDate": "01.06.2023 00:00:00",
            "WarrantyEndDate": "01.01.0001 00:00:00",
            "Tags": ["field"],
        },
        {
            "ID": "77",
            "Platform": "WindowsDesktop",
            "Status": "Deleted",
            "InvDevice.DeviceName": "old-wks-77",
            "InvDevice.SerialNumber": "To be filled by O.E.M.",
            "BIOS.SerialNumber": "MXL1234ABC",
            "_deleted": True,
        },
    ]


@pytest.fixture
def procurement_row() -> dict[str, str | None]:
    """A standard-template row as the file connector yields it (ISO dates, decimal cost)."""
    return {
        "asset_tag": "a-1001",
        "serial_number": "S/N: 5CG-1234XYZ",
        "hostname": "LT-0042",
        "asset_type": "Notebook",
        "manufacturer": "HP Inc.",
        "model": "EliteBook 840 G10",
        "primary_user": "Jane.Doe@contoso.example",
        "status": "Deployed",
        "location": "Helsinki",
        "cost_center": "CC-100",
        "purchase_date": "2024-01-15",
        "purchase_cost": "1234.50",
        "currency": "eur",
        "warranty_end": "2027-01-15",
        "supplier": "Acme Hardware",
        "order_number": "PO-1",
    }


def _raw_rows(rows: list[tuple[str, str | None, Any]], **extra: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": [s for s, _, _ in rows],
            "source_record_id": [r for _, r, _ in rows],
            "run_id": "run-1",
            "extracted_at": pd.Timestamp("2025-03-01T00:00:00Z"),
            "origin": extra.get("origin", [None] * len(rows)),
            "error": extra.get("error", [None] * len(rows)),
            "payload": [p if isinstance(p, str) else json.dumps(p) for _, _, p in rows],
        }
    )


@pytest.fixture
def make_raw() -> Callable[..., pd.DataFrame]:
    """Build a RAW_SCHEMA frame from (source, source_record_id, payload) triples.

    A payload that is a ``str`` is used as the JSON text as it is (to test unparsable text);
    keyword lists ``origin`` and ``error`` fill those columns.
    """
    return _raw_rows

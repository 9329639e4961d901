"""What an emulator serves: a sized, pageable sequence of vendor-shaped device payloads.

- Intune: Graph ``managedDevice`` dicts in LIST shape (``null`` for ethernetMacAddress/iccid/
  udid/notes, ``0`` for physicalMemoryInBytes, ``""`` for unknown strings,
  ``0001-01-01T00:00:00Z`` for never);
- Device42: device dicts as in ``/api/1.0/devices/all/``;
- Miradore: the flat attribute-path dict the connector yields (``InvDevice.SerialNumber``,
  ``Tags: ["x"]``); the emulator renders it to nested XML.

The fleet generator (``connectors.emulators.fleet``) provides catalogs that build pages
lazily, so a 1,000,000-device catalog costs no memory. ``sample_catalogs`` here is a small
built-in stand-in with the same shapes, used when the fleet generator is not available and
by the connector tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Catalog(Protocol):
    def __len__(self) -> int: ...

    def page(self, offset: int, limit: int) -> list[dict]: ...


class ListCatalog:
    """A catalog over an in-memory list of payloads."""

    def __init__(self, payloads: Sequence[dict]) -> None:
        self._payloads = list(payloads)

    def __len__(self) -> int:
        return len(self._payloads)

    def page(self, offset: int, limit: int) -> list[dict]:
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must be >= 0")
        return self._payloads[offset : offset + limit]


class FunctionCatalog:
    """A lazy catalog: payload ``i`` is ``factory(i)``; nothing is kept in memory."""

    def __init__(self, size: int, factory: Callable[[int], dict]) -> None:
        self._size = size
        self._factory = factory

    def __len__(self) -> int:
        return self._size

    def page(self, offset: int, limit: int) -> list[dict]:
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must be >= 0")
        end = min(self._size, offset + limit)
        return [self._factory(i) for i in range(offset, end)]


# -- built-in sample fleet ------------------------------------------------------------------
NEVER = "0001-01-01T00:00:00Z"
_BASE_TIME = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
_MODELS = (
    ("Dell Inc.", "Latitude 5440", "Windows", "10.0.22631.3155"),
    ("HP", "EliteBook 840 G10", "Windows", "10.0.22631.4037"),
    ("Apple", "MacBook Pro (14-inch, 2023)", "macOS", "14.5"),
    ("Apple", "iPhone 14 Pro", "iOS", "17.5.1"),
    ("samsung", "SM-G991B", "Android", "14"),
)


def _mix(seed: int, i: int, salt: int) -> int:
    """A cheap deterministic 128-bit value for (seed, i, salt)."""
    x = (seed * 0x9E3779B97F4A7C15 + i * 0xBF58476D1CE4E5B9 + salt * 0x94D049BB133111EB) & (2**128 - 1)
    x ^= x >> 67
    x = (x * 0xD6E8FEB86659FD93D6E8FEB86659FD93) & (2**128 - 1)
    x ^= x >> 61
    return x


def _guid(seed: int, i: int, salt: int) -> str:
    return str(uuid.UUID(int=_mix(seed, i, salt), version=4))


def _serial(seed: int, i: int) -> str:
    return f"SN{_mix(seed, i, 7) % 10**10:010d}"


def _mac(seed: int, i: int) -> str:
    value = (_mix(seed, i, 11) & 0xFCFFFFFFFFFF) | 0x000000000000  # globally administered
    return f"{value:012X}"


def sample_intune_device(i: int, seed: int = 0) -> dict[str, Any]:
    maker, model, os_name, os_version = _MODELS[i % len(_MODELS)]
    phone = os_name in ("iOS", "Android")
    enrolled = _BASE_TIME - timedelta(days=30 + i % 700, seconds=i)
    synced = _BASE_TIME - timedelta(hours=i % 240, seconds=i % 3600)
    upn = f"user{i:06d}@contoso.example"
    return {
        "id": _guid(seed, i, 1),
        "userId": _guid(seed, i, 2),
        "deviceName": f"LT-{i:06d}" if not phone else f"User {i}'s {model.split()[0]}",
        "managedDeviceOwnerType": "personal" if i % 9 == 0 else "company",
        "enrolledDateTime": enrolled.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lastSyncDateTime": synced.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "operatingSystem": os_name,
        "complianceState": "compliant" if i % 7 else "noncompliant",
        "jailBroken": "Unknown" if not phone else "False",
        "managementAgent": "mdm",
        "osVersion": os_version,
        "easActivated": False,
        "easDeviceId": "",
        "easActivationDateTime": NEVER,
        "azureADRegistered": True,
        "deviceEnrollmentType": "windowsAzureADJoin" if os_name == "Windows" else "userEnrollment",
        "activationLockBypassCode": None,
        "emailAddress": upn if i % 3 else "",
        "azureADDeviceId": _guid(seed, i, 3) if i % 11 else "00000000-0000-0000-0000-000000000000",
        "deviceRegistrationState": "registered",
        "deviceCategoryDisplayName": "Unknown",
        "isSupervised": False,
        "exchangeLastSuccessfulSyncDateTime": NEVER,
        "exchangeAccessState": "none",
        "exchangeAccessStateReason": "none",
        "remoteAssistanceSessionUrl": None,
        "remoteAssistanceSessionErrorDetails": None,
        "isEncrypted": bool(i % 5),
        "userPrincipalName": upn,
        "model": model,
        "manufacturer": maker,
        "imei": f"35{_mix(seed, i, 5) % 10**13:013d}" if phone else "",
        "complianceGracePeriodExpirationDateTime": "9999-12-31T23:59:59Z",
        "serialNumber": _serial(seed, i) if i % 50 else "Default string",
        "phoneNumber": "",
        "androidSecurityPatchLevel": "2025-02-01" if os_name == "Android" else "",
        "userDisplayName": f"User {i}",
        "configurationManagerClientEnabledFeatures": None,
        "wiFiMacAddress": _mac(seed, i),
        "deviceHealthAttestationState": None,
        "subscriberCarrier": "",
        "meid": "",
        "totalStorageSpaceInBytes": 255369789440,
        "freeStorageSpaceInBytes": 110705508352 - (i % 1000) * 1048576,
        "managedDeviceName": f"{upn.split('@')[0]}_{os_name}_{enrolled.month}/{enrolled.day}/{enrolled.year}"
        f"_{(enrolled.hour % 12) or 12}:{enrolled:%M %p}",
        "partnerReportedThreatState": "unknown",
        "requireUserEnrollmentApproval": None,
        "managementCertificateExpirationDate": "2026-12-11T06:59:05Z",
        "iccid": None,
        "udid": None,
        "notes": None,
        "ethernetMacAddress": None,
        "physicalMemoryInBytes": 0,
        "deviceCategory": None,
    }


def sample_device42_device(i: int, seed: int = 0) -> dict[str, Any]:
    device_id = 1000 + i
    mac = _mac(seed, i).lower()
    mac = ":".join(mac[k : k + 2] for k in range(0, 12, 2))
    virtual = i % 4 == 0
    return {
        "device_id": device_id,
        "id": device_id,
        "name": f"srv-{i:06d}",
        "aliases": [f"srv-{i:06d}.corp.example"],
        "serial_no": (f"VMware-{_mix(seed, i, 13) % 10**12:012d}" if virtual else _serial(seed, i)),
        "asset_no": f"A-{i:06d}" if i % 3 else None,
        "uuid": _guid(seed, i, 4),
        "type": "virtual" if virtual else "physical",
        "virtual_subtype": "VMware" if virtual else None,
        "virtual_host_name": "esx-07" if virtual else None,
        "hw_model": None if virtual else "ProLiant DL360 Gen10",
        "manufacturer": None if virtual else "HPE",
        "os": "Microsoft Windows Server 2019 Standard",
        "osver": "",
        "osverno": "10.0.17763",
        "cpucount": 2,
        "cpucore": 8,
        "cpuspeed": 2400.0 if i % 5 else "",
        "ram": 65536.0,
        "ip_addresses": [
            {
                "ip": f"10.20.{(i // 250) % 256}.{i % 250 + 1}",
                "label": "Ethernet0",
                "macaddress": mac,
                "subnet": "srv",
                "subnet_id": 12,
                "type": 1,
            }
        ],
        "mac_addresses": [{"mac": mac, "port": None, "port_name": "Ethernet0", "vlan": None}],
        "service_level": "Production",
        "in_service": True,
        "customer": "Finance",
        "customer_id": 4,
        "custom_fields": [{"key": "Owner", "value": f"user{i:06d}", "notes": ""}],
        "tags": ["db"] if i % 2 else [],
        "device_purchase_line_items": [],
        "last_updated": (_BASE_TIME - timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "notes": "",
    }


def sample_miradore_device(i: int, seed: int = 0) -> dict[str, Any]:
    maker, model, os_name, os_version = _MODELS[i % len(_MODELS)]
    platform = {"Windows": "WindowsDesktop"}.get(os_name, os_name)
    reported = _BASE_TIME - timedelta(hours=i % 500, seconds=i)
    status = "Deleted" if i % 13 == 5 else ("AutoGenerated" if i % 97 == 3 else "Active")
    payload: dict[str, Any] = {
        "ID": str(i + 1),
        "Status": status,
        "OnlineStatus": "Active",
        "Platform": platform,
        "OSVersionName": os_version,
        "LastReported": reported.strftime("%d.%m.%Y %H:%M:%S"),
        "Created": (reported - timedelta(days=90)).strftime("%d.%m.%Y %H:%M:%S"),
        "IPAddress": "203.0.113.10",
        "InvDevice.DeviceName": f"User {i}’s {model.split()[0]}",
        "InvDevice.Manufacturer": maker,
        "InvDevice.Model": model,
        "InvDevice.SerialNumber": _serial(seed, i) if status != "Deleted" else "To be filled by O.E.M.",
        "InvDevice.IMEI": f"35{_mix(seed, i, 5) % 10**13:013d}" if os_name in ("iOS", "Android") else None,
        "InvDevice.WiFiMAC": ":".join(_mac(seed, i)[k : k + 2] for k in range(0, 12, 2)),
        "InvOS.Platform": platform,
        "InvOS.Version": os_version,
        "User.Email": f"user{i:06d}@contoso.example",
        "User.Firstname": "User",
        "User.Lastname": str(i),
        "Location.Name": "Helsinki",
        "Tags": ["field"] if i % 2 else [],
    }
    if payload["InvDevice.IMEI"] is None:
        del payload["InvDevice.IMEI"]
    return payload


@dataclass
class SampleFleet:
    intune: Catalog
    device42: Catalog
    miradore: Catalog


def sample_catalogs(size: int = 200, seed: int = 0) -> SampleFleet:
    """Lazy sample catalogs of ``size`` devices per source (deterministic for a seed)."""
    return SampleFleet(
        intune=FunctionCatalog(size, lambda i: sample_intune_device(i, seed)),
        device42=FunctionCatalog(size, lambda i: sample_device42_device(i, seed)),
        miradore=FunctionCatalog(size, lambda i: sample_miradore_device(i, seed)),
    )

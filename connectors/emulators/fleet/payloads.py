"""Render a ``Device`` as each source delivers it, in the vendor's exact shape and habits.

- Intune: Graph ``managedDevice`` in LIST shape (``""`` for unknown strings, ``null`` for
  ethernetMacAddress/iccid/udid/notes, ``0`` physicalMemoryInBytes, ``0001-01-01T00:00:00Z``
  for never, ``wiFiMacAddress`` as 12 uppercase hex digits).
- Device42: ``/api/1.0/devices/all/`` device (``device_id`` and ``id``; ``serial_no`` null or
  ``""`` when unknown; MACs lowercase with colons; uuid in upper or lower case).
- Miradore: flat dict keyed by v1 attribute path, every scalar a string (``None`` when the
  element is absent), times as ``dd.MM.yyyy HH:mm:ss`` without zone, ``Tags`` a list.
- Procurement: one row of the standard import template, every value a string (``""`` when
  empty), dates ISO ``YYYY-MM-DD``, cost a plain decimal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random
from typing import Any

from connectors.file_drop import STANDARD_COLUMNS, serial_record_key

from .devices import Device
from .identifiers import guid, mix, randomized_mac
from .profiles import (
    BYOD_NO_SERIAL,
    IMEI_ONLY_LINK,
    IN_STOCK,
    MAC_ONLY_LINK,
    MANUFACTURER_VARIANT,
    MIRADORE_DELETED,
    ON_ORDER,
    RANDOMIZED_MAC,
    RENAMED,
    SERIAL_FORMAT,
    SHARED_JUNK_MAC,
    STALE,
    VDI_IN_INTUNE,
)
from .vocabulary import ASSET_TYPE_LABELS, D42_OS_NAMES, SHARED_JUNK_MACS

NEVER = "0001-01-01T00:00:00Z"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
_SALT_INTUNE_ID = 0x1D
_SALT_AAD = 0xAAD
_MOBILE = frozenset({"phone", "tablet"})
_MIRADORE_PLATFORMS = {
    "iOS": "iOS",
    "iPadOS": "iOS",
    "Android": "Android",
    "Windows": "WindowsDesktop",
    "macOS": "macOS",
}
# Vendors whose MDM agents report a model code rather than the marketing name.
_CODE_MODEL_VENDORS = frozenset({"lenovo", "samsung", "hp", "vmware"})


# -- record ids ----------------------------------------------------------------------------
def intune_record_id(seed: int, index: int, variant: int) -> str:
    """Intune managedDevice ``id`` of enrolment ``variant`` (0 = the older one when re-enrolled)."""
    return guid(seed, index, variant, _SALT_INTUNE_ID)


def device42_record_id(index: int) -> int:
    """Device42 ``device_id``: sparse, as on a real appliance where records get deleted."""
    return 3 * index + 101


def miradore_record_id(index: int) -> str:
    """Miradore ``ID`` (per-site integer, as text)."""
    return str(index + 1)


def procurement_record_id(row: dict[str, str]) -> str | None:
    """What the file-drop connector keys a procurement row by: asset tag, else serial key."""
    tag = row["asset_tag"].strip()
    if tag:
        return tag.upper()
    return serial_record_key(row["serial_number"]) or None


# -- formatting helpers --------------------------------------------------------------------
def _iso_z(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else NEVER


def _d42_time(moment: datetime, millis: int) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def _miradore_time(moment: datetime | None) -> str | None:
    return moment.strftime("%d.%m.%Y %H:%M:%S") if moment else None


def _bare_upper(mac: str | None) -> str:
    return mac.replace(":", "").upper() if mac else ""


def _private_mac(device: Device, salt: int) -> str:
    return randomized_mac(Random(mix(device.noise, salt)))


def _model_string(device: Device) -> str:
    vendor, model = device.vendor.key, device.model
    if vendor in _CODE_MODEL_VENDORS:
        return model.code
    return model.name


# -- Intune --------------------------------------------------------------------------------
def _enrollment_type(device: Device) -> str:
    if BYOD_NO_SERIAL in device.traps:
        return "userEnrollment"
    if device.os == "Windows":
        return "windowsAzureADJoin"
    if device.vendor.key == "apple":
        return "appleBulkWithUser"
    return "deviceEnrollmentManager"


def _managed_device_name(device: Device, enrolled: datetime | None) -> str:
    owner = device.user.email.split("@")[0] if device.user else "userless"
    if enrolled is None:
        return owner
    hour = enrolled.hour % 12 or 12
    stamp = f"{enrolled.month}/{enrolled.day}/{enrolled.year}_{hour}:{enrolled:%M %p}"
    return f"{owner}_{device.os}_{stamp}"


def _compliance(device: Device, superseded: bool) -> str:
    if superseded or STALE in device.traps:
        return "noncompliant"
    roll = device.choice(1, 10)
    return "compliant" if roll < 8 else ("noncompliant" if roll == 8 else "inGracePeriod")


def intune_payload(device: Device, variant: int) -> dict[str, Any]:
    """The Graph managedDevice LIST object for enrolment ``variant`` of ``device``."""
    superseded = device.profile.intune_records == 2 and variant == 0
    enrolled = device.previous_enrolled_at if superseded else device.enrolled_at
    last_sync = device.previous_last_seen_at if superseded else device.last_seen_at
    user, mobile = device.user, device.kind in _MOBILE
    byod = BYOD_NO_SERIAL in device.traps
    wifi = _private_mac(device, 0x1) if RANDOMIZED_MAC in device.traps else device.wifi_mac
    android = device.os == "Android"
    patch_month = (last_sync or enrolled or datetime(2000, 1, 1)) - timedelta(days=30 + device.choice(2, 60))
    free_share = 0.2 + device.choice(3, 60) / 100
    return {
        "id": intune_record_id(device.seed, device.index, variant),
        "userId": user.object_id if user else "",
        "deviceName": device.hostname or "",
        "managedDeviceOwnerType": "personal" if byod else "company",
        "enrolledDateTime": _iso_z(enrolled),
        "lastSyncDateTime": _iso_z(last_sync),
        "operatingSystem": device.os,
        "complianceState": _compliance(device, superseded),
        "jailBroken": "False" if mobile else "Unknown",
        "managementAgent": "configurationManagerClientMdm"
        if device.os == "Windows" and device.choice(5, 5) == 0
        else "mdm",
        "osVersion": device.os_version,
        "easActivated": False,
        "easDeviceId": "",
        "easActivationDateTime": NEVER,
        "azureADRegistered": True,
        "deviceEnrollmentType": _enrollment_type(device),
        "activationLockBypassCode": None,
        "emailAddress": user.email if user and device.choice(6, 3) else "",
        "azureADDeviceId": ZERO_GUID if byod else guid(device.seed, device.index, variant, _SALT_AAD),
        "deviceRegistrationState": "registered",
        "deviceCategoryDisplayName": "Unknown",
        "isSupervised": mobile and device.vendor.key == "apple" and not byod,
        "exchangeLastSuccessfulSyncDateTime": NEVER,
        "exchangeAccessState": "none",
        "exchangeAccessStateReason": "none",
        "remoteAssistanceSessionUrl": None,
        "remoteAssistanceSessionErrorDetails": None,
        "isEncrypted": device.choice(7, 20) != 0,
        "userPrincipalName": user.email if user else "",
        "model": _model_string(device),
        "manufacturer": device.vendor.intune,
        "imei": device.imei or "",
        "complianceGracePeriodExpirationDateTime": "9999-12-31T23:59:59Z",
        "serialNumber": "" if byod else device.serial,
        "phoneNumber": "",
        "androidSecurityPatchLevel": f"{patch_month:%Y-%m}-01" if android else "",
        "userDisplayName": f"{user.first} {user.last}" if user else "",
        "configurationManagerClientEnabledFeatures": None,
        "wiFiMacAddress": _bare_upper(wifi),
        "deviceHealthAttestationState": None,
        "subscriberCarrier": ("Telia FI", "Vodafone DE", "Orange F")[device.choice(8, 3)]
        if device.imei
        else "",
        "meid": "",
        "totalStorageSpaceInBytes": device.storage_bytes,
        "freeStorageSpaceInBytes": int(device.storage_bytes * free_share),
        "managedDeviceName": _managed_device_name(device, enrolled),
        "partnerReportedThreatState": "unknown",
        "requireUserEnrollmentApproval": None,
        "managementCertificateExpirationDate": _iso_z(enrolled + timedelta(days=365)) if enrolled else NEVER,
        "iccid": None,
        "udid": None,
        "notes": None,
        "ethernetMacAddress": None,
        "physicalMemoryInBytes": 0,
        "deviceActionResults": [],
    }


# -- Device42 ------------------------------------------------------------------------------
_D42_SUBTYPES = {
    "laptop": "laptop",
    "desktop": "workstation",
    "server": "rackable",
    "network": "network",
    "printer": "printer",
    "storage": "storage",
}


def _d42_macs(device: Device) -> list[dict[str, Any]]:
    macs: list[tuple[str, str]] = []
    if device.wifi_mac:
        macs.append((device.wifi_mac, "Wi-Fi"))
    if device.kind != "laptop" or MAC_ONLY_LINK not in device.traps:  # the dock is elsewhere today
        label = "Network adapter" if device.kind == "vm" else "Ethernet"
        macs.extend((mac, f"{label}{n}") for n, mac in enumerate(device.wired_macs))
    if SHARED_JUNK_MAC in device.traps:
        macs.append(SHARED_JUNK_MACS[device.choice(10, len(SHARED_JUNK_MACS))])
    return [{"mac": mac, "port": None, "port_name": name, "vlan": None} for mac, name in macs]


def _d42_ips(device: Device, macs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if device.kind in ("phone", "tablet", "display", "sim") or not macs:
        return []
    site = 10 + device.choice(11, 40)
    host = device.index % 65000
    ip = f"10.{site}.{host // 250}.{host % 250 + 1}"
    return [
        {
            "ip": ip,
            "label": macs[0]["port_name"],
            "macaddress": macs[0]["mac"],
            "subnet": f"{device.location[2].lower()}-10.{site}.0.0/16",
            "subnet_id": site,
            "type": 1,
        }
    ]


def device42_payload(device: Device) -> dict[str, Any]:
    """The ``/api/1.0/devices/all/`` object of ``device``."""
    virtual = device.kind == "vm"
    computer = device.kind in ("laptop", "desktop", "server", "vm")
    name = device.previous_hostname if RENAMED in device.traps else device.hostname
    serial: str | None = device.serial
    if MAC_ONLY_LINK in device.traps:
        serial = None if device.choice(12, 2) else ""
    manufacturer = device.vendor.device42
    if MANUFACTURER_VARIANT in device.traps:
        manufacturer = device.vendor.variants[device.choice(13, len(device.vendor.variants))]
    uuid = device.uuid or ""
    if device.choice(14, 2):
        uuid = uuid.upper()
    macs = _d42_macs(device)
    seen = device.last_seen_at or datetime(2000, 1, 1)
    device_id = device42_record_id(device.index)
    line_items = []
    if device.kind in ("server", "storage", "network"):
        line_items.append(
            {
                "purchase_order_no": device.order_number,
                "line_cost": float(device.purchase_cost),
                "line_start_date": device.purchase_date.isoformat(),
                "line_end_date": device.warranty_end.isoformat() if device.warranty_end else None,
                "line_contract_type": "Warranty",
            }
        )
    owner = device.user.email if device.user else ""
    return {
        "device_id": device_id,
        "id": device_id,
        "name": name,
        "aliases": [f"{name.lower()}.corp.{device.location[2].lower()}.contoso.example"]
        if computer and name
        else [],
        "serial_no": serial,
        "asset_no": device.asset_tag if device.asset_tag and device.choice(15, 10) < 6 else None,
        "uuid": uuid,
        "type": "virtual" if virtual else "physical",
        "virtual_subtype": "VMware" if virtual else None,
        "virtual_host_name": f"esx-{(device.index // 40) % 50:02d}" if virtual else None,
        "device_sub_type": None if virtual else _D42_SUBTYPES.get(device.kind),
        "hw_model": None if virtual else device.model.name,
        "manufacturer": None if virtual else manufacturer,
        "os": D42_OS_NAMES.get(device.os),
        "osver": "",
        "osverno": device.os_version,
        "cpucount": (1 if device.kind in ("laptop", "desktop") else 2) if computer else "",
        "cpucore": (4, 8, 16)[device.choice(16, 3)] if computer else "",
        "cpuspeed": (2400.0, 2900.0, "")[device.choice(17, 3)] if computer else "",
        "ram": float((8192, 16384, 32768, 65536)[device.choice(18, 4)]) if computer else None,
        "ip_addresses": _d42_ips(device, macs),
        "mac_addresses": macs,
        "service_level": ("Production", "QA", "Development")[device.choice(19, 3)]
        if virtual
        else "Production",
        "in_service": True,
        "customer": device.department,
        "customer_id": 1 + device.choice(20, 6),
        "building": device.location[2],
        "room": "DC1" if device.kind in ("server", "storage") else None,
        "rack": f"R{1 + device.choice(21, 20):02d}" if device.kind in ("server", "storage") else None,
        "custom_fields": [
            {"key": "Owner", "value": owner, "notes": ""},
            {"key": "Cost Center", "value": device.cost_center, "notes": ""},
        ],
        "tags": ["vdi"] if VDI_IN_INTUNE in device.traps else [],
        "device_purchase_line_items": line_items,
        "category": None,
        "notes": "",
        "last_updated": _d42_time(seen, device.choice(22, 1000)),
    }


# -- Miradore ------------------------------------------------------------------------------
def miradore_payload(device: Device) -> dict[str, Any]:
    """The flat Miradore v1 attribute dict of ``device``."""
    deleted = MIRADORE_DELETED in device.traps
    reported, created = device.last_seen_at, device.enrolled_at
    if deleted and device.enrolled_at:
        # The phone left Miradore just before it was enrolled in Intune.
        reported = device.enrolled_at - timedelta(days=1 + device.choice(30, 5), hours=device.choice(31, 20))
        created = reported - timedelta(days=200 + device.choice(32, 300))
    name = device.previous_hostname if RENAMED in device.traps else device.hostname
    name = (name or "").replace("’", "'")  # Miradore shows what the user typed; apostrophes differ
    wifi = _private_mac(device, 0x2) if RANDOMIZED_MAC in device.traps else device.wifi_mac
    wifi_text = wifi.upper() if wifi else None
    platform = _MIRADORE_PLATFORMS.get(device.os, "Other")
    mobile = device.kind in _MOBILE
    with_dates = device.choice(33, 2) == 0
    tags = (["field"], ["loaner"], [], [], [])[device.choice(34, 5)]
    return {
        "ID": miradore_record_id(device.index),
        "Status": "Deleted" if deleted else "Active",
        "OnlineStatus": "Offline" if deleted or STALE in device.traps else "Active",
        "Platform": platform,
        "LastReported": _miradore_time(reported),
        "Created": _miradore_time(created),
        "IPAddress": device.location[3],
        "MACAddress": wifi_text,
        "InvDevice.DeviceName": name,
        "InvDevice.Manufacturer": device.vendor.miradore,
        "InvDevice.Model": device.model.code if mobile else device.model.name,
        "InvDevice.MarketingName": device.model.name,
        "InvDevice.SerialNumber": "" if IMEI_ONLY_LINK in device.traps else device.serial,
        "InvDevice.IMEI": device.imei,
        "InvDevice.UDID": device.udid,
        "InvDevice.WiFiMAC": wifi_text,
        "InvOS.Platform": platform,
        "InvOS.Version": device.os_version,
        "User.Email": device.user.email if device.user else None,
        "Location.Name": device.location[0],
        "Tags": list(tags),
        "PurchaseDate": f"{device.purchase_date:%d.%m.%Y} 00:00:00" if with_dates else None,
        "WarrantyEndDate": f"{device.warranty_end:%d.%m.%Y} 00:00:00"
        if with_dates and device.warranty_end
        else None,
    }


# -- procurement ---------------------------------------------------------------------------
def _typed_serial(serial: str, style: int) -> str:
    """The serial as a person typed it into the procurement sheet."""
    if style == 0:
        return serial.lower()
    if style == 1:
        return f"S/N: {serial}"
    if style == 2:
        return "-".join(serial[k : k + 4] for k in range(0, len(serial), 4))
    return " ".join(serial[k : k + 3] for k in range(0, len(serial), 3))


def procurement_row(device: Device) -> dict[str, str]:
    """The device's row in the procurement feed (standard template, every value text)."""
    status = device.profile.status
    serial = "" if ON_ORDER in device.traps else device.serial
    if serial and SERIAL_FORMAT in device.traps:
        serial = _typed_serial(serial, device.choice(40, 4))
    deployed = status == "active"
    has_own_name = device.kind not in ("phone", "display", "sim")
    row = {
        "asset_tag": device.asset_tag or "",
        "serial_number": serial,
        "hostname": (device.hostname or "") if has_own_name and status not in (ON_ORDER, IN_STOCK) else "",
        "asset_type": ASSET_TYPE_LABELS[device.kind],
        "manufacturer": device.vendor.procurement,
        "model": device.model.name,
        "primary_user": device.user.email if device.user and deployed else "",
        "status": status,
        "location": device.location[0],
        "cost_center": device.cost_center,
        "purchase_date": device.purchase_date.isoformat(),
        "purchase_cost": device.purchase_cost,
        "currency": device.location[1],
        "warranty_end": device.warranty_end.isoformat() if device.warranty_end else "",
        "supplier": device.supplier,
        "order_number": device.order_number,
    }
    return {column: row[column] for column in STANDARD_COLUMNS}

"""Intune (Graph ``managedDevice``) -> staging.

| Graph property                 | staging column      | note                                          |
|--------------------------------|---------------------|-----------------------------------------------|
| serialNumber                   | serial              | ``""`` when unknown                           |
| deviceName                     | hostname            | free text on phones ("Jane's iPhone")         |
| imei                           | imei                |                                               |
| wiFiMacAddress                 | MAC (long form)     | 12 hex digits, no separators                  |
| ethernetMacAddress             | MAC (long form)     | null in LIST responses                        |
| azureADDeviceId                | azure_ad_device_id  | ``""``/all-zero when not registered           |
| manufacturer, model            | manufacturer, model |                                               |
| operatingSystem, osVersion     | os, os_version      |                                               |
| userPrincipalName              | primary_user        | falls back to emailAddress                    |
| lastSyncDateTime               | last_seen_at        | ``0001-01-01T00:00:00Z`` = never              |
| enrolledDateTime               | enrolled_at         |                                               |
| totalStorageSpaceInBytes       | storage_total_bytes | 0 = not reported                              |
| freeStorageSpaceInBytes        | storage_free_bytes  | only kept when the total is known             |
| managementState (beta)         | lifecycle_hint      | retirePending / wipePending                   |
| chassisType (beta)             | type_kind           | laptop, desktop, phone, tablet ...            |
"""

from __future__ import annotations

from itam_pipeline.normalize.dates import INTUNE_FORMATS, parse_byte_counts, parse_timestamps
from itam_pipeline.normalize.lifecycle import intune_hints
from itam_pipeline.normalize.payloads import Extracted, Field
from itam_pipeline.normalize.sources.base import Staging, mac_long_form, staging_frame
from itam_pipeline.normalize.text import clean, first_present

FIELDS = {
    "serialNumber": Field.TEXT,
    "deviceName": Field.TEXT,
    "imei": Field.TEXT,
    "wiFiMacAddress": Field.TEXT,
    "ethernetMacAddress": Field.TEXT,
    "azureADDeviceId": Field.TEXT,
    "manufacturer": Field.TEXT,
    "model": Field.TEXT,
    "operatingSystem": Field.TEXT,
    "osVersion": Field.TEXT,
    "userPrincipalName": Field.TEXT,
    "emailAddress": Field.TEXT,
    "lastSyncDateTime": Field.TEXT,
    "enrolledDateTime": Field.TEXT,
    "totalStorageSpaceInBytes": Field.NUMBER,
    "freeStorageSpaceInBytes": Field.NUMBER,
    "managementState": Field.TEXT,
    "chassisType": Field.TEXT,
}


def stage(data: Extracted) -> Staging:
    """Map extracted Intune fields to staging columns."""
    text = data.text
    total = parse_byte_counts(data.number("totalStorageSpaceInBytes"))
    total = total.mask(total == 0)  # LIST reports 0 when the device never sent inventory
    free = parse_byte_counts(data.number("freeStorageSpaceInBytes")).where(total.notna())
    frame = staging_frame(
        len(total),
        serial=text("serialNumber"),
        hostname=text("deviceName"),
        imei=text("imei"),
        azure_ad_device_id=text("azureADDeviceId"),
        manufacturer=text("manufacturer"),
        model=text("model"),
        os=text("operatingSystem"),
        os_version=text("osVersion"),
        primary_user=first_present([clean(text("userPrincipalName")), clean(text("emailAddress"))]),
        last_seen_at=parse_timestamps(text("lastSyncDateTime"), INTUNE_FORMATS),
        enrolled_at=parse_timestamps(text("enrolledDateTime"), INTUNE_FORMATS),
        storage_total_bytes=total,
        storage_free_bytes=free,
        lifecycle_hint=intune_hints(text("managementState")),
        type_kind=text("chassisType").mask(text("chassisType").str.lower() == "unknown"),
        type_os=text("operatingSystem"),
        type_model=text("model"),
    )
    owner, macs = mac_long_form([text("wiFiMacAddress"), text("ethernetMacAddress")])
    return Staging(frame, owner, macs)

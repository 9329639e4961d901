"""Miradore (API v1 device, flattened to attribute paths) -> staging.

| Miradore attribute                                   | staging column   | note                               |
|------------------------------------------------------|------------------|------------------------------------|
| InvDevice.SerialNumber                               | serial           |                                    |
| InvDevice.HardwareSerialNumber, BIOS.SerialNumber    | serial_fallback(_2) | used when the primary is junk   |
| InvDevice.IMEI                                       | imei             |                                    |
| MACAddress, InvDevice.WiFiMAC                        | MAC (long form)  |                                    |
| InvDevice.DeviceName                                 | hostname         | usually a display name -> null     |
| InvDevice.Manufacturer (else BIOS.Manufacturer)      | manufacturer     |                                    |
| InvDevice.MarketingName (else InvDevice.Model)       | model            | "iPhone 14 Pro" over "iPhone15,2"  |
| InvOS.Platform (else Platform), InvOS.Version        | os, os_version   |                                    |
| User.Email                                           | primary_user     |                                    |
| Location.Name                                        | location         |                                    |
| Category.Name                                        | type_sub         | an admin's device category         |
| LastReported, Created                                | last_seen_at, enrolled_at | dd.MM.yyyy HH:mm:ss, taken as UTC |
| PurchaseDate, WarrantyEndDate                        | purchase_date, warranty_end |                         |
| Status, _deleted (connector flag)                    | lifecycle_hint   | deleted / auto_generated           |

``InvDevice.UDID`` has no schema column and is ignored.
"""

from __future__ import annotations

from itam_pipeline.normalize.dates import MIRADORE_FORMATS, parse_dates, parse_timestamps
from itam_pipeline.normalize.lifecycle import miradore_hints
from itam_pipeline.normalize.payloads import Extracted, Field
from itam_pipeline.normalize.sources.base import Staging, mac_long_form, staging_frame
from itam_pipeline.normalize.text import clean, first_present

FIELDS = {
    name: Field.TEXT
    for name in (
        "Status",
        "Platform",
        "OSVersionName",
        "LastReported",
        "Created",
        "PurchaseDate",
        "WarrantyEndDate",
        "MACAddress",
        "InvDevice.DeviceName",
        "InvDevice.Manufacturer",
        "InvDevice.Model",
        "InvDevice.MarketingName",
        "InvDevice.SerialNumber",
        "InvDevice.HardwareSerialNumber",
        "InvDevice.IMEI",
        "InvDevice.WiFiMAC",
        "InvOS.Platform",
        "InvOS.Version",
        "BIOS.SerialNumber",
        "BIOS.Manufacturer",
        "User.Email",
        "Location.Name",
        "Category.Name",
    )
}
FIELDS["_deleted"] = Field.FLAG  # the connector sets a JSON boolean


def stage(data: Extracted) -> Staging:
    """Map extracted Miradore attributes to staging columns."""
    text = data.text
    marketing, model = clean(text("InvDevice.MarketingName")), clean(text("InvDevice.Model"))
    platform = first_present([clean(text("InvOS.Platform")), clean(text("Platform"))])
    frame = staging_frame(
        len(model),
        serial=text("InvDevice.SerialNumber"),
        serial_fallback=text("InvDevice.HardwareSerialNumber"),
        serial_fallback_2=text("BIOS.SerialNumber"),
        imei=text("InvDevice.IMEI"),
        hostname=text("InvDevice.DeviceName"),
        manufacturer=first_present([clean(text("InvDevice.Manufacturer")), clean(text("BIOS.Manufacturer"))]),
        model=first_present([marketing, model]),
        os=platform,
        os_version=first_present([clean(text("InvOS.Version")), clean(text("OSVersionName"))]),
        primary_user=text("User.Email"),
        location=text("Location.Name"),
        last_seen_at=parse_timestamps(text("LastReported"), MIRADORE_FORMATS),
        enrolled_at=parse_timestamps(text("Created"), MIRADORE_FORMATS),
        purchase_date=parse_dates(text("PurchaseDate"), MIRADORE_FORMATS),
        warranty_end=parse_dates(text("WarrantyEndDate"), MIRADORE_FORMATS),
        lifecycle_hint=miradore_hints(text("Status"), text("_deleted")),
        type_sub=text("Category.Name"),
        type_os=first_present([clean(text("Platform")), platform]),
        # Both names feed the keywords: the marketing name says "iPad", the identifier may not.
        type_model=(marketing.fillna("") + " " + model.fillna("")).str.strip(),
    )
    owner, macs = mac_long_form([text("MACAddress"), text("InvDevice.WiFiMAC")])
    return Staging(frame, owner, macs)

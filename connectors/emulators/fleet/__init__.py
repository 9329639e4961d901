"""Seeded synthetic fleet with known truth: what Intune, Device42, Miradore and the file
drops would deliver for one estate, plus which records belong to which physical device.

Usage::

    fleet = generate_fleet(300, seed=7)
    fleet.intune.page(0, 1000)          # Graph managedDevice dicts (LIST shape)
    fleet.device42.page(0, 1000)        # /api/1.0/devices/all/ dicts
    fleet.miradore.page(0, 100)         # flat Miradore v1 attribute dicts
    fleet.write_drops(drop_dir, bad_rows=4)   # procurement feed in the standard template
    fleet.write_incidents(drop_dir)            # incidents feed
    set(fleet.truth_pairs())            # (source, source_record_id, device_uid)
    fleet.traps("dev-0000042")          # e.g. frozenset({"reenrolled"})

Size and records. ``size`` counts devices. Per 100 devices the sources hold 68 Intune
records (65 devices, 3 of them enrolled twice), 34 Device42, 14 Miradore and 85
procurement rows: about 2.0 records per device. ``size_for_records(n)`` inverts that.

Determinism and laziness. Device ``i`` is a pure function of (seed, i, now); catalogs
compute ``page(offset, limit)`` on demand through an O(1) map from record number to
(device, variant), so a fleet of 1,000,000 devices costs no memory per device.

Mix and traps. Devices come in blocks of 100 holding exactly one device of each of 100
profiles (``profiles._MIX``), shuffled per block. Each trap therefore has a fixed rate
(devices per 100) and appears in every full block (size >= 100):

=====================  ====  ==========================================================
trap                   /100  what it looks like
=====================  ====  ==========================================================
junk_serial               4  white-box PC, serial "To be filled by O.E.M.", "Default string",
                             "System Serial Number", "0", "00000000" or "N/A"
vmware_serial             8  VM serial "VMware-42 02 ..." derived from its BIOS uuid
vdi_in_intune             2  VDI VM in Intune too, same VMware serial as in Device42
shared_junk_mac           2  Device42 lists 00:50:56:c0:00:01 or 02:00:4e:43:50:49 too
randomized_mac            2  phone reports a different private Wi-Fi MAC to each MDM
hostname_reused           2  a pair of laptops with one host name
generic_hostname          3  phone named "iPhone" or "Galaxy"
renamed                   3  old name ("DESKTOP-7K3J9QX", "Jane's iPad") in Device42/Miradore
reenrolled                3  two Intune records (new id, newer enrolment; old stops syncing)
serial_format             3  procurement serial lowercase, "S/N: ...", dashed or spaced
mac_only_link             2  Device42 laptop without serial; Wi-Fi MAC = Intune wiFiMacAddress
imei_only_link            2  Miradore phone without serial; IMEI = Intune imei
manufacturer_variant      1  Device42 spells the maker unusually ("Dell Computer Corporation")
stale                     4  last check-in 100-300 days ago
miradore_deleted          1  Miradore Status "Deleted"; the phone is now in Intune
on_order / in_stock     2/2  procurement only, not yet in any MDM
disposed / retired      2/1  procurement status disposed / retired
untagged                  2  procurement row without asset tag (keyed by serial)
byod_no_serial            1  personal Android phone in Intune with serial ""
=====================  ====  ==========================================================

Mess that needs no trap tag because it is everywhere: manufacturer spellings differ per
source ("Dell Inc." / "Dell", "HP" / "Hewlett-Packard", "LENOVO", "samsung"), Lenovo,
HP and Samsung report model codes in MDMs, phone names are not unique ("Jane’s iPhone")
and Miradore writes them with a plain apostrophe, Device42 mixes null and "" and upper- and
lower-case uuids.
"""

from __future__ import annotations

from .catalogs import SourceCatalog
from .core import Fleet, generate_fleet, records_per_device, size_for_records
from .devices import Device, Person, device_uid, index_of_uid
from .drops import DropRow, IncidentCatalog
from .profiles import BLOCK, PROCUREMENT, RECORDS_PER_BLOCK, SOURCES, TRAPS

__all__ = [
    "BLOCK",
    "PROCUREMENT",
    "RECORDS_PER_BLOCK",
    "SOURCES",
    "TRAPS",
    "Device",
    "DropRow",
    "Fleet",
    "IncidentCatalog",
    "Person",
    "SourceCatalog",
    "device_uid",
    "generate_fleet",
    "index_of_uid",
    "records_per_device",
    "size_for_records",
]

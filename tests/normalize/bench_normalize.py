"""Measure ``normalize`` on synthetic raw rows (mostly Intune-shaped, some Device42/Miradore/file).

Not a test (no timing assertions in the suite). Run from the repository root:

    python tests/normalize/bench_normalize.py 100000            # mixed sources
    python tests/normalize/bench_normalize.py 100000 --intune   # one Intune landing

Prints rows, wall and CPU seconds (CPU time is the fairer figure on a shared machine), rows per
second and peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import pandas as pd

from itam_pipeline.normalize import normalize

_MODELS = [
    ("Windows", "Dell Inc.", "Latitude 5440"),
    ("Windows", "HP", "EliteBook 840 G10"),
    ("Windows", "LENOVO", "ThinkCentre M70q"),
    ("iOS", "Apple", "iPhone 14 Pro"),
    ("iOS", "Apple", "iPad Air"),
    ("Android", "samsung", "Galaxy S23"),
    ("macOS", "Apple", "MacBook Pro"),
]
_JUNK_SERIALS = ["To be filled by O.E.M.", "Default string", "0", "System Serial Number"]


def intune_payload(i: int) -> dict[str, object]:
    """A Graph managedDevice LIST object with realistic variety."""
    os_name, maker, model = _MODELS[i % len(_MODELS)]
    serial = _JUNK_SERIALS[i % 4] if i % 97 == 0 else f"SN{i:010d}"
    return {
        "id": f"{i:08x}-0000-4000-8000-{i:012x}",
        "deviceName": f"LT-{i:06d}" if os_name in ("Windows", "macOS") else f"User {i}'s {model}",
        "operatingSystem": os_name,
        "osVersion": "10.0.22631.3155",
        "manufacturer": maker,
        "model": model,
        "serialNumber": serial,
        "imei": f"35576205{i % 1_000_000:06d}" if os_name in ("iOS", "Android") else "",
        "wiFiMacAddress": f"A4B1C2{i % 0xFFFFFF:06X}",
        "ethernetMacAddress": None,
        "azureADDeviceId": f"{i:08x}-1111-2222-3333-{i:012x}"
        if i % 5
        else "00000000-0000-0000-0000-000000000000",
        "userPrincipalName": f"user{i}@contoso.example",
        "emailAddress": "",
        "lastSyncDateTime": "2025-02-27T16:40:02Z",
        "enrolledDateTime": "2024-03-14T09:05:11.1234567Z",
        "easActivationDateTime": "0001-01-01T00:00:00Z",
        "totalStorageSpaceInBytes": 255369789440,
        "freeStorageSpaceInBytes": 110705508352,
        "complianceState": "compliant",
        "managementAgent": "mdm",
        "deviceEnrollmentType": "windowsAzureADJoin",
        "userDisplayName": f"User {i}",
        "managedDeviceName": f"x_{os_name}_3/14/2024_9:05 AM",
        "iccid": None,
        "udid": None,
        "notes": None,
        "physicalMemoryInBytes": 0,
    }


def device42_payload(i: int) -> dict[str, object]:
    return {
        "device_id": i,
        "name": f"srv-{i:05d}",
        "serial_no": f"CZ{i:08d}",
        "asset_no": f"A-{i:05d}",
        "type": "physical",
        "hw_model": "ProLiant DL360 Gen10",
        "manufacturer": "HPE",
        "os": "Microsoft Windows Server 2019 Standard",
        "mac_addresses": [{"mac": f"9c:b6:54:{i % 256:02x}:1b:2c"}, {"mac": "00:50:56:c0:00:01"}],
        "in_service": True,
        "last_updated": "2025-02-27T16:40:02.123Z",
    }


def raw_frame(rows: int, *, intune_only: bool = False) -> pd.DataFrame:
    """RAW_SCHEMA rows: 90% Intune, 4% Device42, 3% Miradore, 3% procurement file (or all Intune)."""
    sources, ids, payloads = [], [], []
    for i in range(rows):
        bucket = 0 if intune_only else i % 100
        if bucket < 90:
            source, payload = "intune", intune_payload(i)
        elif bucket < 94:
            source, payload = "device42", device42_payload(i)
        elif bucket < 97:
            source = "miradore"
            payload = {
                "ID": str(i),
                "Platform": "Android",
                "Status": "Active",
                "LastReported": "27.02.2025 16:40:02",
                "InvDevice.SerialNumber": f"R5C{i:08d}",
                "InvDevice.IMEI": f"35693803{i % 1_000_000:06d}",
                "InvDevice.MarketingName": "Galaxy Tab S8",
                "User.Email": f"user{i}@contoso.example",
            }
        else:
            source = "file:procurement"
            payload = {
                "asset_tag": f"T-{i:06d}",
                "serial_number": f"SN{i:010d}",
                "asset_type": "Notebook",
                "status": "Deployed",
                "purchase_date": "2024-01-15",
                "purchase_cost": "1234.50",
                "currency": "EUR",
            }
        sources.append(source)
        ids.append(str(i))
        payloads.append(json.dumps(payload))
    return pd.DataFrame(
        {
            "source": sources,
            "source_record_id": ids,
            "run_id": "bench",
            "extracted_at": pd.Timestamp("2025-03-01", tz="UTC"),
            "origin": None,
            "error": None,
            "payload": pd.Series(payloads, dtype="string"),
        }
    )


def main(rows: int, *, intune_only: bool) -> None:
    raw = raw_frame(rows, intune_only=intune_only)
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu_started = time.perf_counter(), time.process_time()
    out = normalize(raw)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"rows={len(out)} wall_s={seconds:.2f} cpu_s={cpu:.2f} rows_per_s={len(out) / seconds:,.0f} "
        f"peak_rss_mb={peak_mb:.0f} (after building the input: {before_mb:.0f})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, intune_only="--intune" in sys.argv)

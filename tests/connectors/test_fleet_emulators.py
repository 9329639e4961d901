"""The fleet served by the HTTPS emulators and read back by the real connectors (loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from emulator_helpers import device42_client, intune_client, miradore_client

from connectors.emulators import EmulatorSet
from connectors.emulators.fleet import Fleet, generate_fleet
from connectors.records import DEVICE42, INTUNE, MIRADORE


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return generate_fleet(300, seed=7, now=datetime(2025, 3, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def served(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorSet]:
    with EmulatorSet(fleet=fleet, seed=7, state_dir=tmp_path_factory.mktemp("fleet-emulators")) as emulators:
        yield emulators


def test_connectors_see_exactly_the_truth_records(fleet: Fleet, served: EmulatorSet) -> None:
    for source, client in (
        (INTUNE, intune_client(served)),
        (DEVICE42, device42_client(served)),
        (MIRADORE, miradore_client(served)),
    ):
        records = list(client.iter_records())
        assert all(record.error is None for record in records)
        assert sorted(r.source_record_id for r in records) == sorted(rid for rid, _ in fleet.truth(source))


def test_payloads_survive_the_wire(fleet: Fleet, served: EmulatorSet) -> None:
    device42 = {str(p["device_id"]): p for p in fleet.device42}
    for record in device42_client(served).iter_records():
        assert record.payload == device42[record.source_record_id]
    miradore = {p["ID"]: p for p in fleet.miradore}
    for record in miradore_client(served).iter_records():
        mine = miradore[record.source_record_id]
        for key, value in mine.items():
            # XML has no empty string: <SerialNumber/> comes back as None.
            assert record.payload.get(key) == (value or None if key != "Tags" else value), key
    intune = {p["id"]: p for p in fleet.intune}
    for record in intune_client(served).iter_records():
        mine = intune[record.source_record_id]
        assert {"serialNumber", "wiFiMacAddress", "imei", "lastSyncDateTime"} <= record.payload.keys()
        assert {k: mine[k] for k in record.payload if k in mine} == {
            k: v for k, v in record.payload.items() if k in mine
        }

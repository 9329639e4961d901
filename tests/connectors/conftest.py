"""Emulators over real HTTPS (one set per session) and factories for connectors aimed at them.

Faults and switches are reset before and after every test that uses ``emus``. Backoffs are
tiny (``FAST_RETRY``) so retry tests cost milliseconds; one test exercises a real
``Retry-After: 1``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from emulator_helpers import FLEET_SIZE, Sleeps

from connectors.emulators import EmulatorSet


@pytest.fixture(scope="session")
def emulator_set(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorSet]:
    state = tmp_path_factory.mktemp("emulators")
    with EmulatorSet(size=FLEET_SIZE, seed=7, state_dir=state) as emulators:
        yield emulators


@pytest.fixture
def emus(emulator_set: EmulatorSet) -> Iterator[EmulatorSet]:
    emulator_set.reset_faults()
    yield emulator_set
    emulator_set.reset_faults()


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()

"""Source emulators for the CLI tests: one small synthetic estate served over real HTTPS.

The emulators run in the test process on 127.0.0.1; the CLI subprocesses reach them through
the ``ITAM_*`` variables of ``EmulatorSet.env()`` (credentials, URLs and the CA bundle).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.emulators import EmulatorSet
from connectors.emulators.fleet import Fleet, generate_fleet

# Small on purpose: every sync of it runs the whole Dagster pipeline in a subprocess.
FLEET_SIZE = 40
FLEET_SEED = 23


@pytest.fixture(scope="session")
def fleet() -> Fleet:
    """The estate the emulators serve; its procurement feed is written by the tests that need it."""
    return generate_fleet(FLEET_SIZE, seed=FLEET_SEED)


@pytest.fixture(scope="session")
def emulators(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorSet]:
    with EmulatorSet(fleet=fleet, seed=FLEET_SEED, state_dir=tmp_path_factory.mktemp("emulators")) as running:
        yield running

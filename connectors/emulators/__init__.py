"""Faithful local HTTPS emulators of Entra ID + Graph (Intune), Device42 and Miradore.

Used by the demo and the tests::

    with EmulatorSet(size=2500, seed=7) as emus:
        env = emus.env()                  # ITAM_* variables + REQUESTS_CA_BUNDLE
        emus.intune.faults.throttle_next = 2
        emus.device42.app.enforce_limits = False

``EmulatorSet`` takes one Catalog per source (``connectors.emulators.catalog``); catalogs
not given are built from the fleet generator when ``fleet=`` is passed, else from the small
built-in sample.
"""

from __future__ import annotations

import random
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.emulators.catalog import Catalog, FunctionCatalog, ListCatalog, sample_catalogs
from connectors.emulators.device42 import Device42App
from connectors.emulators.entra_graph import EntraGraphApp
from connectors.emulators.miradore import MiradoreApp
from connectors.emulators.server import EmulatorServer, Faults, start_all
from connectors.emulators.tls import TlsFiles, ensure_tls_files

__all__ = [
    "Catalog",
    "Credentials",
    "EmulatorServer",
    "EmulatorSet",
    "Faults",
    "FunctionCatalog",
    "ListCatalog",
    "catalogs_from_fleet",
    "sample_catalogs",
]


@dataclass(frozen=True)
class Credentials:
    """Valid credentials of one emulator set (deterministic for a seed)."""

    tenant_id: str
    client_id: str
    client_secret: str
    device42_username: str
    device42_password: str
    miradore_site: str
    miradore_api_key: str

    @classmethod
    def generate(cls, seed: int = 0) -> Credentials:
        rng = random.Random(f"itam-emulator-credentials-{seed}")

        def guid() -> str:
            return "-".join(
                "".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12)
            )

        def word(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
            return "".join(rng.choice(alphabet) for _ in range(n))

        return cls(
            tenant_id=guid(),
            client_id=guid(),
            # Entra secrets look like "Abc8Q~..." (40 chars with ~ . _ -).
            client_secret=word(5) + "8Q~" + word(32, string.ascii_letters + string.digits + "~._-"),
            device42_username="itam-api",
            device42_password="D42-" + word(20) + "!",
            miradore_site="ContosoLab",  # mixed case: the site name is case-sensitive
            # Miradore keys are "<number>_<secret>" and the secret may hold { } , $ ! (percent-encode it).
            miradore_api_key=f"{rng.randint(1, 99)}_" + word(12) + "{$!},+" + word(12),
        )


def catalogs_from_fleet(fleet: Any) -> tuple[Catalog, Catalog, Catalog]:
    """(intune, device42, miradore) catalogs of a fleet object or mapping.

    Accepts attributes or keys named ``intune``/``device42``/``miradore`` (or with a
    ``_catalog`` suffix), either Catalogs or zero-argument callables returning one. A fleet
    without them is an error: silently serving the sample instead would hide a mismatch.
    """

    def pick(name: str) -> Catalog:
        for key in (name, f"{name}_catalog"):
            value = fleet.get(key) if isinstance(fleet, dict) else getattr(fleet, key, None)
            if value is None:
                continue
            if not isinstance(value, Catalog) and callable(value):
                value = value()
            if isinstance(value, Catalog):
                return value
        raise TypeError(f"fleet {type(fleet).__name__} offers no {name!r} catalog (len() and page())")

    return pick("intune"), pick("device42"), pick("miradore")


class EmulatorSet:
    """Entra+Graph, Device42 and Miradore emulators sharing one throwaway CA."""

    def __init__(
        self,
        *,
        intune: Catalog | None = None,
        device42: Catalog | None = None,
        miradore: Catalog | None = None,
        fleet: Any = None,
        size: int = 200,
        seed: int = 0,
        state_dir: str | Path | None = None,
        host: str = "127.0.0.1",
        ports: tuple[int, int, int] = (0, 0, 0),
        credentials: Credentials | None = None,
        device42_max_limit: int = 500,
    ) -> None:
        if fleet is not None:
            f_intune, f_d42, f_mira = catalogs_from_fleet(fleet)
            intune = f_intune if intune is None else intune
            device42 = f_d42 if device42 is None else device42
            miradore = f_mira if miradore is None else miradore
        if intune is None or device42 is None or miradore is None:
            sample = sample_catalogs(size, seed)
            intune = intune if intune is not None else sample.intune
            device42 = device42 if device42 is not None else sample.device42
            miradore = miradore if miradore is not None else sample.miradore
        self.credentials = credentials or Credentials.generate(seed)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="itam-emulators-")
            state_dir = self._tmp.name
        self.state_dir = Path(state_dir)
        self.tls: TlsFiles = ensure_tls_files(self.state_dir / "tls")
        c = self.credentials
        self.intune = EmulatorServer(
            EntraGraphApp(
                intune, tenant_id=c.tenant_id, client_id=c.client_id, client_secret=c.client_secret, seed=seed
            ),
            self.tls,
            host=host,
            port=ports[0],
            faults=Faults(seed=seed),
        )
        self.device42 = EmulatorServer(
            Device42App(
                device42,
                username=c.device42_username,
                password=c.device42_password,
                max_limit=device42_max_limit,
            ),
            self.tls,
            host=host,
            port=ports[1],
            faults=Faults(seed=seed + 1),
        )
        self.miradore = EmulatorServer(
            MiradoreApp(miradore, site=c.miradore_site, api_key=c.miradore_api_key),
            self.tls,
            host=host,
            port=ports[2],
            faults=Faults(seed=seed + 2),
        )
        self.servers = (self.intune, self.device42, self.miradore)

    # Entra and Graph share one server; both names are kept for readability at call sites.
    @property
    def graph(self) -> EmulatorServer:
        return self.intune

    @property
    def ca_path(self) -> str:
        return str(self.tls.ca)

    @property
    def authority_host(self) -> str:
        return self.intune.url

    @property
    def graph_url(self) -> str:
        return self.intune.url

    @property
    def device42_url(self) -> str:
        return self.device42.url

    @property
    def miradore_url(self) -> str:
        return f"{self.miradore.url}/{self.credentials.miradore_site}"

    def urls(self) -> dict[str, str]:
        """Where each emulated service listens (for humans: the demo prints these)."""
        return {
            "entra": f"{self.authority_host}/{self.credentials.tenant_id}",
            "graph": self.graph_url,
            "device42": self.device42_url,
            "miradore": self.miradore_url,
        }

    def start(self) -> EmulatorSet:
        start_all(self.servers)
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def reset_faults(self) -> None:
        for server in self.servers:
            server.reset()

    def __enter__(self) -> EmulatorSet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """The environment variables a pipeline needs to reach these emulators."""
        c = self.credentials
        return {
            "ITAM_INTUNE_TENANT_ID": c.tenant_id,
            "ITAM_INTUNE_CLIENT_ID": c.client_id,
            "ITAM_INTUNE_CLIENT_SECRET": c.client_secret,
            "ITAM_INTUNE_AUTHORITY_HOST": self.authority_host,
            "ITAM_GRAPH_URL": self.graph_url,
            "ITAM_DEVICE42_URL": self.device42_url,
            "ITAM_DEVICE42_USERNAME": c.device42_username,
            "ITAM_DEVICE42_PASSWORD": c.device42_password,
            "ITAM_MIRADORE_URL": self.miradore_url,
            "ITAM_MIRADORE_API_KEY": c.miradore_api_key,
            "REQUESTS_CA_BUNDLE": self.ca_path,
        }

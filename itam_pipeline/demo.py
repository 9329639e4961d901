"""``itam-pipeline demo``: a whole estate on one machine, nothing to configure.

Starts the bundled Intune/Entra, Device42 and Miradore emulators over HTTPS on 127.0.0.1
with a seeded synthetic fleet, drops a procurement export (cp1252, with a few bad rows) into
a demo drop folder, then runs the same full sync as ``itam-pipeline sync`` into the local
SQLite repository under ``ITAM_HOME``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from itam_pipeline import settings


def run_demo(*, size: int, seed: int, sync: Callable[..., int], say: Callable[[str], None]) -> int:
    from connectors.emulators import EmulatorSet
    from connectors.emulators.fleet import generate_fleet

    home = settings.paths().home
    drop_dir = home / "demo" / "drops"
    drop_dir.mkdir(parents=True, exist_ok=True)
    os.environ["ITAM_DROP_DIR"] = str(drop_dir)

    say(f"-> generating a synthetic estate of {size} devices (seed {seed})")
    fleet = generate_fleet(size, seed=seed)
    written = fleet.write_drops(drop_dir, feed="procurement", encoding="cp1252", bad_rows=3)
    for path in written:
        say(f"   dropped {path.relative_to(drop_dir)}")

    say("-> starting source emulators on 127.0.0.1 (Entra + Graph, Device42, Miradore)")
    with EmulatorSet(fleet=fleet, state_dir=home / "demo" / "emulators") as emulators:
        os.environ.update(emulators.env())
        for name, url in emulators.urls().items():
            say(f"   {name:<9} {url}")
        code = sync()
    say(f"repository: {settings._mask_url_password(settings.paths().database_url)}")
    say(
        "next: `make ui` to browse the runs, `itam-pipeline explain <serial>` to see why an asset looks as it does"
    )
    return code

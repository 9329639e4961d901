"""Large prepared inputs (plans, record frames) parked on disk between repetitions.

At 1,000,000 records three reconciliation plans, a repository state and two record frames
held together would need well over ten gigabytes; each case loads only what it uses, in its
untimed setup, and drops it in its teardown. Pickle is fine here: the files are written and
read by this same run and deleted with its temporary folder.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any


class Store:
    """Objects by name under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def put(self, name: str, value: Any) -> None:
        with (self.root / f"{name}.pkl").open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)

    def get(self, name: str) -> Any:
        with (self.root / f"{name}.pkl").open("rb") as fh:
            return pickle.load(fh)

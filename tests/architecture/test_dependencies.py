"""Dependencies point inward: Dagster code calls the domain; the domain never imports Dagster.

Runs import-linter with the contracts in pyproject.toml, and double-checks by importing the
pure packages in a fresh interpreter and looking at what got loaded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower() or " 0 broken" in result.stdout.lower()


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        (["connectors", "connectors.records", "connectors.errors"], ["dagster", "pandas", "sqlalchemy"]),
        (["itam_pipeline.schema", "itam_pipeline.lake", "itam_pipeline.settings"], ["dagster"]),
    ],
)
def test_pure_packages_load_without_dagster(modules: list[str], forbidden: list[str]) -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"bad = [m for m in {forbidden!r} if m in sys.modules]\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{modules} pulled in {result.stdout.strip()}"

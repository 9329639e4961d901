"""Settings: every variable documented, secrets masked, bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from itam_pipeline import settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented_in_readme_and_env_example() -> None:
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for s in settings.SETTINGS:
        assert f"`{s.env}`" in readme, f"{s.env} missing from the README configuration table"
        assert s.env in example, f"{s.env} missing from .env.example"


def test_defaults_live_under_itam_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("ITAM_HOME", "ITAM_DATABASE_URL", "ITAM_LAKE_DIR", "DAGSTER_HOME", "ITAM_DROP_DIR"):
        monkeypatch.delenv(name, raising=False)
    p = settings.paths()
    assert p.home == tmp_path / ".itam"
    assert p.database_url == f"sqlite:///{tmp_path / '.itam' / 'itam.db'}"
    assert p.lake_dir == tmp_path / ".itam" / "lake"
    assert p.dagster_home == tmp_path / ".itam" / "dagster"
    assert p.drop_dir == tmp_path / "drops"


def test_config_show_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITAM_INTUNE_CLIENT_SECRET", "s3cr3t-value")
    monkeypatch.setenv("ITAM_DATABASE_URL", "postgresql+psycopg://itam:dbpass@db.example:5432/itam")
    shown = {env: value for env, value, _ in settings.effective_settings()}
    assert "s3cr3t-value" not in str(shown)
    assert shown["ITAM_INTUNE_CLIENT_SECRET"] == "******** (set)"
    assert "dbpass" not in shown["ITAM_DATABASE_URL"]
    assert "db.example" in shown["ITAM_DATABASE_URL"]


def test_bad_number_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITAM_MAX_RETIRE_FRACTION", "two percent")
    with pytest.raises(settings.ConfigError, match="ITAM_MAX_RETIRE_FRACTION"):
        settings.float_setting("ITAM_MAX_RETIRE_FRACTION")

"""The junk registry: bundled seed, user extension files, format errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from itam_pipeline.normalize import (
    JunkRegistry,
    RegistryError,
    normalize_hostnames,
    normalize_macs,
    normalize_payloads,
    normalize_serials,
)


def test_bundled_registry_has_a_version_and_every_kind() -> None:
    registry = JunkRegistry.default()
    assert registry.version
    assert registry.serial_min_length == 5
    assert "To Be Filled By O.E.M." in registry.for_kind("serial").exact
    assert any(p.name == "version_like" for p in registry.for_kind("serial").patterns)
    assert "00:50:56" in registry.mac_virtual_prefixes
    for kind in ("serial", "mac", "uuid", "hostname", "manufacturer", "model", "asset_tag"):
        assert registry.for_kind(kind).exact, kind
    with pytest.raises(KeyError):
        registry.for_kind("colour")


def test_extension_file_adds_values_patterns_and_overrides_lengths(tmp_path: Path) -> None:
    extra = tmp_path / "our_junk.yaml"
    extra.write_text(
        "version: site-3\n"
        "serial:\n"
        "  min_length: 6\n"
        "  exact: [CHANGEME, 12345]\n"
        "  patterns:\n"
        "    - {name: lab_placeholder, regex: '^LAB-TEMP-'}\n"
        "mac:\n"
        "  exact: ['AA-BB-CC-00-11-22']\n"
        "hostname:\n"
        "  exact: [kiosk]\n",
        encoding="utf-8",
    )
    registry = JunkRegistry.load([extra])
    assert registry.version.endswith("+site-3")
    assert registry.files[-1] == str(extra)
    serials = pd.Series(["changeme", "LAB-TEMP-0001", "ABCDE", "CZ3128LL62", "Default string"])
    issues = normalize_serials(serials, registry=registry)["serial_issue"].tolist()
    assert issues == ["junk:placeholder", "junk:lab_placeholder", "junk:too_short", pd.NA, "junk:placeholder"]
    assert normalize_macs(pd.Series(["aa:bb:cc:00:11:22"]), registry=registry)["mac"].isna().all()
    assert normalize_hostnames(pd.Series(["KIOSK"]), registry=registry)["hostname"].isna().all()
    # The bundled registry itself is unchanged.
    assert normalize_serials(pd.Series(["changeme"]))["serial_issue"].isna().all()


def test_later_files_win_for_scalars(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(
        "serial:\n  min_length: 9\n  min_length_by_manufacturer: {Apple: 12}\n", encoding="utf-8"
    )
    second.write_text("serial:\n  min_length: 7\n", encoding="utf-8")
    registry = JunkRegistry.load([first, second])
    assert registry.serial_min_length == 7
    assert registry.serial_min_length_by_manufacturer["Apple"] == 12
    assert registry.serial_min_length_by_manufacturer["Dell"] == 7  # bundled entry kept


def test_extension_reaches_normalize(tmp_path: Path, intune_laptop: dict) -> None:
    extra = tmp_path / "junk.yaml"
    extra.write_text("serial:\n  exact: ['5CG1234XYZ']\n", encoding="utf-8")
    out = normalize_payloads("intune", [intune_laptop], registry=JunkRegistry.load([extra]))
    assert out.loc[0, "serial_issue"] == "junk:placeholder"
    assert out.loc[0, "serial_key"] is pd.NA
    assert out.loc[0, "quarantine_reason"] is pd.NA  # junk identifiers never quarantine a record


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("serial: [a, b]\n", "must be a mapping"),
        ("colour:\n  exact: [red]\n", "unknown section"),
        ("serial:\n  exact: CHANGEME\n", "expected a list"),
        ("serial:\n  patterns: ['(unclosed']\n", "bad regex"),
        ("serial:\n  min_length: 0\n", "positive integer"),
        ("serial: {exact: [a]\n", "not valid YAML"),
    ],
)
def test_bad_files_are_rejected_with_the_file_name(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=message) as error:
        JunkRegistry.load([path])
    assert "bad.yaml" in str(error.value)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read"):
        JunkRegistry.load([tmp_path / "nope.yaml"])

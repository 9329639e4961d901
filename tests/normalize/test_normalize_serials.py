"""Serial-number rules: canonical form, matching key, validity, virtual markers."""

from __future__ import annotations

import pandas as pd
import pytest

from itam_pipeline.normalize import canonical_serials, normalize_serials, serial_keys

SERIAL_CASES = [
    # (raw, serial_number, serial_key, serial_issue)
    (" cz123 ", "CZ123", "CZ123", None),
    ("S/N: 5CG-1234XYZ", "5CG-1234XYZ", "5CG1234XYZ", None),
    ("SN: abc 123-456_7", "ABC 123-456_7", "ABC1234567", None),
    ("SN: ab.cd.1234", "AB.CD.1234", "ABCD1234", None),
    ("Serial: c02xk1abjgh5", "C02XK1ABJGH5", "C02XK1ABJGH5", None),
    ("Serial No.: MXL1234ABC", "MXL1234ABC", "MXL1234ABC", None),
    ("SN12345678", "SN12345678", "SN12345678", None),  # "SN" without a colon is part of the serial
    ("ＣＺ３１２８ＬＬ６２", "CZ3128LL62", "CZ3128LL62", None),  # full-width letters (NFKC)
    ("00000000", None, None, "junk:placeholder"),
    ("Default string", None, None, "junk:placeholder"),
    ("Defaultstring", None, None, "junk:placeholder"),
    ("To be filled by O.E.M.", None, None, "junk:placeholder"),
    ("TO BE FILLED BY OEM", None, None, "junk:placeholder"),
    ("System Serial Number", None, None, "junk:placeholder"),
    ("N/A", None, None, "junk:placeholder"),
    ("AAAAAAA", None, None, "junk:repeated_char"),
    ("0000-0000-00", None, None, "junk:repeated_char"),
    ("0101010101", None, None, "junk:zeros_ones"),
    ("0123456789", None, None, "junk:placeholder"),
    ("3456789012", None, None, "junk:digit_run"),
    ("98765432", None, None, "junk:digit_run"),
    ("1.2.3", None, None, "junk:version_like"),
    ("FW 2.10.4", None, None, "junk:version_like"),
    ("AB12", None, None, "junk:too_short"),
    ("-", None, None, "junk:too_short"),
    ("", None, None, "missing"),
    ("   ", None, None, "missing"),
    (None, None, None, "missing"),
]


@pytest.mark.parametrize(("raw", "serial", "key", "issue"), SERIAL_CASES)
def test_serial_rules(raw: str | None, serial: str | None, key: str | None, issue: str | None) -> None:
    result = normalize_serials(pd.Series([raw], dtype="string")).iloc[0]
    assert [plain(result[c]) for c in ("serial_number", "serial_key", "serial_issue")] == [serial, key, issue]


def plain(value: object) -> object:
    """pandas' missing marker as None, so expectations read naturally."""
    return None if value is pd.NA else value


def test_vmware_serial_is_virtual_and_keeps_its_prefix_in_the_key() -> None:
    raw = "VMware-42 02 30 81 33 1b 58 e1-27 30 ca 56 07 89 e5 51"
    result = normalize_serials(pd.Series([raw, "CZ3128LL62"])).iloc[0]
    assert result["serial_issue"] is pd.NA
    assert bool(result["is_virtual"])
    assert result["virtual_rule"] == "serial.vmware"
    assert result["serial_number"] == "VMWARE-42 02 30 81 33 1B 58 E1-27 30 CA 56 07 89 E5 51"
    assert result["serial_key"] == "VMWARE42023081331B58E12730CA560789E551"


def test_hyperv_cloud_pc_serial_is_virtual() -> None:
    result = normalize_serials(pd.Series(["0000-0014-0657-8375-4585-0309-11"])).iloc[0]
    assert bool(result["is_virtual"])
    assert result["virtual_rule"] == "serial.hyperv"
    assert result["serial_key"] == "00000014065783754585030911"


def test_hardware_serials_are_not_virtual() -> None:
    result = normalize_serials(pd.Series(["5CG1234XYZ", "To be filled by O.E.M."]))
    assert not result["is_virtual"].any()
    assert result["virtual_rule"].isna().all()


def test_minimum_length_per_manufacturer_and_override() -> None:
    serials = pd.Series(["ABC123", "ABC123", "ABC123"])
    makers = pd.Series(["Dell", "HP", None])
    issues = normalize_serials(serials, manufacturer=makers)["serial_issue"].tolist()
    assert issues == ["junk:too_short", pd.NA, pd.NA]  # Dell service tags have 7 characters
    strict = normalize_serials(serials, manufacturer=makers, min_length=8)["serial_issue"]
    assert (strict == "junk:too_short").all()


def test_canonical_and_key_helpers_are_usable_alone() -> None:
    canonical = canonical_serials(pd.Series(["  s/n: ab-12_34.5 ", None]))
    assert canonical.tolist() == ["AB-12_34.5", pd.NA]
    assert serial_keys(canonical).tolist() == ["AB12345", pd.NA]


def test_output_keeps_the_input_index() -> None:
    values = pd.Series(["CZ3128LL62", "0"], index=[10, 20])
    result = normalize_serials(values)
    assert list(result.index) == [10, 20]
    assert result.loc[20, "serial_issue"] == "junk:placeholder"

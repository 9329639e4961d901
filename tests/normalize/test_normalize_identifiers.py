"""IMEI, UUID, Entra device id, user principal name and asset-tag rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from itam_pipeline.normalize import (
    luhn_check_digits,
    normalize_asset_tags,
    normalize_entra_device_ids,
    normalize_imeis,
    normalize_upns,
    normalize_uuids,
    swap_uuid_bytes,
)


def plain(value: object) -> object:
    return None if value is pd.NA else value


@pytest.mark.parametrize(
    ("raw", "imei"),
    [
        ("35576205279323", "355762052793235"),  # 14 digits: check digit computed
        ("355762052793235", "355762052793235"),  # 15 digits, valid check digit
        ("355762052793234", None),  # 15 digits, wrong check digit
        ("3557620527932301", "355762052793235"),  # 16 digits (IMEISV): SVN dropped, check computed
        ("35-576205-279323-5", "355762052793235"),
        ("35 693803 564380 9", "356938035643809"),
        ("356938035643809", "356938035643809"),
        ("490154203237518", "490154203237518"),
        ("000000000000000", None),  # one digit repeated
        ("11111111111111", None),
        ("12345", None),
        ("A1000012345678", None),  # a MEID (hex), not an IMEI
        ("", None),
        (None, None),
    ],
)
def test_imei_rules(raw: str | None, imei: str | None) -> None:
    assert plain(normalize_imeis(pd.Series([raw], dtype="string")).iloc[0]) == imei


def test_luhn_check_digits_vectorized() -> None:
    bodies = np.array([[int(c) for c in "35576205279323"], [int(c) for c in "49015420323751"]])
    assert luhn_check_digits(bodies).tolist() == [5, 8]


@pytest.mark.parametrize(
    ("raw", "uuid", "swapped"),
    [
        (
            "564d4cbc-c6a9-1969-1234-56789abcdef0",
            "564d4cbc-c6a9-1969-1234-56789abcdef0",
            "bc4c4d56-a9c6-6919-1234-56789abcdef0",
        ),
        (
            "{BC4C4D56-A9C6-6919-1234-56789ABCDEF0}",
            "bc4c4d56-a9c6-6919-1234-56789abcdef0",
            "564d4cbc-c6a9-1969-1234-56789abcdef0",
        ),
        ("564d4cbc-c6a9-1969-1234-56789abcdef", None, None),  # 31 hex digits
        ("564d4cbc-c6a9-1969-1234-56789abcdefg", None, None),  # not hex
        (
            "42023081331b58e12730ca560789e551",
            "42023081-331b-58e1-2730-ca560789e551",
            "81300242-1b33-e158-2730-ca560789e551",
        ),
        ("00000000-0000-0000-0000-000000000000", None, None),
        ("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", None, None),
        ("03000200-0400-0500-0006-000700080009", None, None),  # GLPI default
        ("6AB5B300-538D-1014-9FB5-B0684D007B53", None, None),  # GLPI default
        ("01010101-0101-0101-0101-010101010101", None, None),
        ("2", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_uuid_rules(raw: str | None, uuid: str | None, swapped: str | None) -> None:
    result = normalize_uuids(pd.Series([raw], dtype="string")).iloc[0]
    assert (plain(result["uuid"]), plain(result["uuid_swapped"])) == (uuid, swapped)


def test_byte_swap_is_its_own_inverse() -> None:
    uuids = pd.Series(["564d4cbc-c6a9-1969-1234-56789abcdef0"], dtype="string")
    assert swap_uuid_bytes(swap_uuid_bytes(uuids)).tolist() == uuids.tolist()


@pytest.mark.parametrize(
    ("raw", "device_id"),
    [
        ("C1E2D3F4-0000-1111-2222-333344445555", "c1e2d3f4-0000-1111-2222-333344445555"),
        ("{21fa9ef6-0000-4ee2-8c87-097e34eeada7}", "21fa9ef6-0000-4ee2-8c87-097e34eeada7"),
        ("00000000-0000-0000-0000-000000000000", None),
        ("", None),
        (None, None),
    ],
)
def test_entra_device_id_rules(raw: str | None, device_id: str | None) -> None:
    assert plain(normalize_entra_device_ids(pd.Series([raw], dtype="string")).iloc[0]) == device_id


@pytest.mark.parametrize(
    ("raw", "upn"),
    [
        (" Jane.Doe@Contoso.example ", "jane.doe@contoso.example"),
        ("0123456789abcdef0123456789abcdefjane.doe@contoso.example", "jane.doe@contoso.example"),
        ("0123456789abcdef0123456789abcdef_jane.doe@contoso.example", "jane.doe@contoso.example"),
        ("deadbeef@contoso.example", "deadbeef@contoso.example"),  # short hex local part is a name
        ("jdoe", "jdoe"),
        ("Unknown", None),
        ("", None),
        (None, None),
    ],
)
def test_user_principal_name_rules(raw: str | None, upn: str | None) -> None:
    assert plain(normalize_upns(pd.Series([raw], dtype="string")).iloc[0]) == upn


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        (" a-00917 ", "A-00917"),
        ("it  0042", "IT 0042"),
        ("n/a", None),
        ("NONE", None),
        ("", None),
        (None, None),
    ],
)
def test_asset_tag_rules(raw: str | None, tag: str | None) -> None:
    assert plain(normalize_asset_tags(pd.Series([raw], dtype="string")).iloc[0]) == tag

"""Manufacturer aliases, model names, timestamps, dates and money."""

from __future__ import annotations

import pandas as pd
import pytest

from itam_pipeline.normalize import (
    normalize_manufacturers,
    normalize_models,
    parse_dates,
    parse_money,
    parse_timestamps,
)
from itam_pipeline.normalize.dates import MIRADORE_FORMATS


def plain(value: object) -> object:
    return None if value is pd.NA or value is pd.NaT else value


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Dell Inc.", "Dell"),
        ("DELL", "Dell"),
        ("Dell Computer Corporation", "Dell"),
        ("dell, inc", "Dell"),
        ("HP", "HP"),
        ("Hewlett-Packard", "HP"),
        ("HP Inc.", "HP"),
        ("HPE", "HPE"),
        ("Hewlett Packard Enterprise", "HPE"),
        ("LENOVO", "Lenovo"),
        ("Apple Inc.", "Apple"),
        ("samsung", "Samsung"),
        ("Samsung Electronics Co., Ltd.", "Samsung"),
        ("Microsoft Corporation", "Microsoft"),
        ("VMware, Inc.", "VMware"),
        ("Cisco Systems, Inc.", "Cisco"),
        ("Juniper Networks", "Juniper"),
        ("Brother Industries, Ltd.", "Brother"),
        ("Canon Inc.", "Canon"),
        ("Xerox Corporation", "Xerox"),
        ("NetApp", "NetApp"),
        ("ASUSTeK COMPUTER INC.", "ASUS"),
        ("System manufacturer", None),
        ("To be filled by O.E.M.", None),
        ("OEM", None),
        ("Generic", None),
        ("ACME  widgets", "Acme Widgets"),  # unknown: title-cased as it is
        ("", None),
        (None, None),
    ],
)
def test_manufacturer_aliases(raw: str | None, canonical: str | None) -> None:
    assert plain(normalize_manufacturers(pd.Series([raw], dtype="string")).iloc[0]) == canonical


@pytest.mark.parametrize(
    ("raw", "model"),
    [
        ("  Latitude   5440 ", "Latitude 5440"),
        ("System Product Name", None),
        ("To Be Filled By O.E.M.", None),
        ("All Series", None),
        ("*", None),
        (None, None),
    ],
)
def test_model_rules(raw: str | None, model: str | None) -> None:
    assert plain(normalize_models(pd.Series([raw], dtype="string")).iloc[0]) == model


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-02-27T16:40:02Z", "2025-02-27T16:40:02+00:00"),
        ("2025-02-27T16:40:02.123Z", "2025-02-27T16:40:02.123000+00:00"),
        ("2024-03-14T09:05:11.1234567Z", "2024-03-14T09:05:11.123456+00:00"),  # 7 fractional digits
        ("2014-01-01T00:00:00.0000000-08:00", "2014-01-01T08:00:00+00:00"),  # offset -> UTC
        ("0001-01-01T00:00:00Z", None),  # .NET "never"
        ("1970-01-01T00:00:00Z", None),  # epoch placeholder
        ("garbage", None),
        ("", None),
        (None, None),
    ],
)
def test_iso_timestamps(raw: str | None, expected: str | None) -> None:
    value = plain(parse_timestamps(pd.Series([raw], dtype="string")).iloc[0])
    assert (value.isoformat() if value is not None else None) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("27.02.2025 16:40:02", "2025-02-27T16:40:02+00:00"),  # no zone: taken as UTC
        ("2025-02-27 16:40:02", "2025-02-27T16:40:02+00:00"),  # dateformat option
        ("01.06.2023", "2023-06-01T00:00:00+00:00"),
        ("01.01.0001 00:00:00", None),
        ("31.02.2025 00:00:00", None),
    ],
)
def test_miradore_timestamps(raw: str, expected: str | None) -> None:
    value = plain(parse_timestamps(pd.Series([raw], dtype="string"), MIRADORE_FORMATS).iloc[0])
    assert (value.isoformat() if value is not None else None) == expected


def test_timestamps_are_utc_microseconds() -> None:
    assert str(parse_timestamps(pd.Series(["2025-02-27T16:40:02Z"])).dtype) == "datetime64[us, UTC]"


def test_dates_are_midnight_without_zone() -> None:
    dates = parse_dates(pd.Series(["2024-01-15", "2024-02-31", "1900-01-01", "2025-02-27T23:30:00-02:00"]))
    assert [plain(d) for d in dates] == [
        pd.Timestamp("2024-01-15"),
        None,
        None,
        pd.Timestamp("2025-02-28"),  # the UTC calendar day
    ]


@pytest.mark.parametrize(
    ("raw", "amount"),
    [("1234.50", 1234.5), ("1234.567", 1234.57), ("0", 0.0), ("-5.00", None), ("12,50", None), ("", None)],
)
def test_money(raw: str, amount: float | None) -> None:
    assert plain(parse_money(pd.Series([raw], dtype="string")).iloc[0]) == amount

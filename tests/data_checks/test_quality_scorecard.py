"""Per-source scorecard figures on a hand-made frame whose every share is countable by eye."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data_checks.scorecard import SCORE_WEIGHTS, quality_score, source_scorecard

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def ten_records(make_normalized, record) -> pd.DataFrame:
    days = dt.timedelta(days=1)
    no_serial = {"serial_number": None, "serial_key": None}
    return make_normalized(
        [
            record("1", last_seen_at=NOW - 1 * days),
            record("2", last_seen_at=NOW - 3 * days, serial_key="DUP1"),
            record("3", last_seen_at=NOW - 10 * days, serial_key="DUP1"),  # duplicate serial with 2
            record("4", last_seen_at=NOW - 20 * days, imei="490154203237518"),
            record("5", last_seen_at=NOW - 40 * days, imei="490154203237518"),  # duplicate IMEI with 4
            record("6", last_seen_at=None, **no_serial, serial_issue="junk:repeated", asset_tag="T6"),
            record("7", last_seen_at=NOW - 2 * days, **no_serial, serial_issue="junk:registry"),
            record("8", last_seen_at=NOW - 2 * days, **no_serial, serial_issue="missing", uuid="u-8"),
            record("9", last_seen_at=NOW - 100 * days),
            record("10", last_seen_at=NOW - 2 * days, **no_serial, quarantine_reason="bad_row"),
        ]
    )


def test_scorecard_figures(ten_records):
    card = source_scorecard(ten_records, now=NOW)
    expected = {
        "records": 10.0,
        "quarantine_rate": 0.1,  # record 10
        "serial_completeness": 6 / 9,  # usable 1-9; 6, 7, 8 lack a valid serial
        "identifier_coverage": 8 / 9,  # only 7 has no anchor (6 has a tag, 8 a uuid)
        "junk_rate": 0.2,  # 6 and 7
        "duplicate_rate": 0.4,  # 2, 3 (serial) and 4, 5 (IMEI)
        "fresh_7d": 0.5,  # 1, 2, 7, 8, 10
        "fresh_30d": 0.7,  # plus 3 and 4
    }
    assert {k: card[k] for k in expected} == pytest.approx(expected)
    score = 100 * (
        0.30 * 6 / 9 + 0.20 * 8 / 9 + 0.15 * (1 - 0.2) + 0.15 * (1 - 0.4) + 0.10 * 0.7 + 0.10 * (1 - 0.1)
    )
    assert card["quality_score"] == pytest.approx(score, abs=0.01)


def test_perfect_source_scores_100(clean_normalized):
    assert source_scorecard(clean_normalized, now=NOW)["quality_score"] == 100.0


def test_weights_sum_to_one_and_score_is_bounded():
    assert sum(SCORE_WEIGHTS.values()) == pytest.approx(1.0)
    worst = {"serial_completeness": 0, "identifier_coverage": 0, "junk_rate": 1, "duplicate_rate": 1,
             "fresh_30d": 0, "quarantine_rate": 1}  # fmt: skip
    assert quality_score(worst) == 0.0


def test_empty_source_scores_zero(make_normalized):
    card = source_scorecard(make_normalized([]), now=NOW)
    assert card["records"] == 0.0
    assert card["quality_score"] == 0.0


def test_all_null_columns_from_parquet_do_not_break(ten_records, tmp_path):
    # Entirely-null columns may come back from Parquet as object/float rather than string.
    frame = ten_records.assign(serial_issue=None, imei=float("nan"))
    path = tmp_path / "records.parquet"
    frame.to_parquet(path)
    card = source_scorecard(pd.read_parquet(path), now=NOW)
    assert card["junk_rate"] == 0.0
    assert card["duplicate_rate"] == pytest.approx(0.2)

"""GX suites against hand-made frames: clean frames pass, each defect fails the right check
with the right count and a sample that names the offending records."""

from __future__ import annotations

import datetime as dt
import json

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
import pytest

from data_checks.gx_runner import ExpectationOutcome, validate
from data_checks.suites import check_name_of, golden_suite, normalized_suite, runtime_parameters

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
PARAMS = runtime_parameters(NOW)

NORMALIZED_CRITICAL = {
    "record_key_not_null",
    "record_key_unique",
    "source_not_null",
    "source_valid",
    "asset_type_valid",
    "asset_type_set",
    "identifier_present",
}
NORMALIZED_WARNING = {
    "last_seen_not_future",
    "serial_completeness",
    "cost_not_negative",
    "storage_free_le_total",
    "quarantine_share",
}


def by_name(outcomes: list[ExpectationOutcome]) -> dict[str, ExpectationOutcome]:
    return {o.check_name: o for o in outcomes}


def failed(outcomes: list[ExpectationOutcome]) -> set[str]:
    return {o.check_name for o in outcomes if not o.success}


def test_suites_declare_short_unique_names_and_severities():
    suite = normalized_suite("intune")
    severities = {check_name_of(e): e.severity.value for e in suite.expectations}
    assert severities == {n: "critical" for n in NORMALIZED_CRITICAL} | {
        n: "warning" for n in NORMALIZED_WARNING
    }
    golden = {check_name_of(e): e.severity.value for e in golden_suite().expectations}
    assert {n for n, s in golden.items() if s == "critical"} == {
        "asset_id_not_null",
        "asset_id_unique",
        "status_not_null",
        "status_valid",
        "active_serial_unique",
    }
    assert {n for n, s in golden.items() if s == "warning"} == {
        "warranty_after_purchase",
        "cost_not_negative",
    }
    for expectation in [*suite.expectations, *golden_suite().expectations]:
        assert len(check_name_of(expectation)) <= 24  # the Dagster UI truncates long names
        assert expectation.description


def test_clean_normalized_frame_passes_every_expectation(clean_normalized):
    outcomes = validate(clean_normalized, normalized_suite("intune"), parameters=PARAMS)
    assert [o.check_name for o in outcomes] == [
        check_name_of(e) for e in normalized_suite("intune").expectations
    ]
    assert failed(outcomes) == set()
    assert all(o.error is None for o in outcomes)
    assert by_name(outcomes)["record_key_unique"].element_count == 20


def test_null_and_duplicate_record_keys_fail_with_counts_and_samples(make_normalized, record):
    frame = make_normalized(
        [record("1"), record("2"), record("2", serial_key="OTHER"), record("3", record_key=None), record("4")]
    )
    outcomes = by_name(validate(frame, normalized_suite("intune"), parameters=PARAMS))

    unique = outcomes["record_key_unique"]
    assert not unique.success and unique.blocking
    assert unique.unexpected_count == 2
    assert unique.partial_unexpected_list == ["intune|2", "intune|2"]
    assert unique.unexpected_percent == pytest.approx(50.0)  # 2 of the 4 non-null keys

    not_null = outcomes["record_key_not_null"]
    assert (not_null.success, not_null.unexpected_count, not_null.severity) == (False, 1, "critical")
    assert not_null.sample_rows == [{"record_key": None}]


def test_bad_asset_type_and_foreign_source_fail(make_normalized, record):
    frame = make_normalized([record("1", asset_type="toaster"), record("2", source="device42"), record("3")])
    outcomes = validate(frame, normalized_suite("intune"), parameters=PARAMS)
    assert failed(outcomes) == {"asset_type_valid", "source_valid"}
    result = by_name(outcomes)
    assert result["asset_type_valid"].sample_rows == [{"asset_type": "toaster", "record_key": "intune|1"}]
    assert result["source_valid"].partial_unexpected_list == ["device42"]


def test_suite_without_source_accepts_every_known_source(make_normalized, record):
    frame = make_normalized(
        [
            record("1"),
            record("2", source="device42", record_key="device42|2"),
            record("3", source="file:procurement", record_key="file:procurement|3"),
            record("4", source="sharepoint", record_key="sharepoint|4"),
        ]
    )
    source_valid = by_name(validate(frame, normalized_suite(), parameters=PARAMS))["source_valid"]
    assert source_valid.partial_unexpected_list == ["sharepoint"]


def test_usable_record_without_any_identifier_fails_but_quarantined_one_does_not(make_normalized, record):
    no_ids = {"serial_number": None, "serial_key": None, "source_record_id": None}
    frame = make_normalized(
        [
            record("1"),
            record("2", **no_ids),  # usable and anonymous: must fail
            record("3", **no_ids, quarantine_reason="missing_key"),  # already set aside
            record("4", **no_ids, mac_addresses="00:0a:95:9d:68:16"),  # a MAC is an identifier
        ]
    )
    suite = normalized_suite("intune", max_quarantine_share=0.5, min_serial_completeness=0.1)
    outcomes = validate(frame, suite, parameters=PARAMS)
    assert failed(outcomes) == {"identifier_present"}
    assert by_name(outcomes)["identifier_present"].sample_rows == [
        {"serial_key": None, "record_key": "intune|2"}
    ]


def test_warnings_fail_without_blocking(make_normalized, record):
    frame = make_normalized(
        [
            record("1", purchase_cost=-5.0),
            record("2", storage_free_bytes=600_000_000_000),
            record("3", last_seen_at=NOW + dt.timedelta(days=3)),
            record("4", last_seen_at=NOW + dt.timedelta(hours=20)),  # within the tolerance
            record("5", serial_key=None, serial_issue="junk:repeated"),
            record("6", quarantine_reason="bad_row"),
        ]
    )
    suite = normalized_suite("intune", min_serial_completeness=0.9, max_quarantine_share=0.1)
    outcomes = validate(frame, suite, parameters=PARAMS)
    assert failed(outcomes) == NORMALIZED_WARNING
    assert not any(o.blocking for o in outcomes if not o.success)
    result = by_name(outcomes)
    assert result["cost_not_negative"].partial_unexpected_list == [-5.0]
    assert result["storage_free_le_total"].sample_rows[0]["record_key"] == "intune|2"
    assert result["last_seen_not_future"].unexpected_count == 1
    assert result["last_seen_not_future"].sample_rows[0]["record_key"] == "intune|3"
    assert result["serial_completeness"].unexpected_count == 1  # record 6 is quarantined, not counted
    assert result["quarantine_share"].unexpected_count == 1


def test_future_bound_follows_the_validation_time(make_normalized, record):
    frame = make_normalized([record("1", last_seen_at=NOW + dt.timedelta(days=3))])
    suite = normalized_suite("intune")
    later = runtime_parameters(NOW + dt.timedelta(days=5))
    assert "last_seen_not_future" in failed(validate(frame, suite, parameters=PARAMS))
    assert "last_seen_not_future" not in failed(validate(frame, suite, parameters=later))


def test_clean_golden_frame_passes(clean_golden):
    outcomes = validate(clean_golden, golden_suite())
    assert failed(outcomes) == set()


def test_duplicate_active_serials_fail_with_asset_ids(make_golden):
    golden = make_golden(
        [
            {"asset_id": "a1", "status": "active", "manufacturer": "Dell", "serial_number": "CZ1"},
            {"asset_id": "a2", "status": "active", "manufacturer": "Dell", "serial_number": "CZ1"},
            {"asset_id": "a3", "status": "retired", "manufacturer": "Dell", "serial_number": "CZ1"},
            {"asset_id": "a4", "status": "active", "manufacturer": None, "serial_number": "Q9"},
            {"asset_id": "a5", "status": "active", "manufacturer": None, "serial_number": "Q9"},
        ]
    )
    result = by_name(validate(golden, golden_suite()))["active_serial_unique"]
    assert not result.success and result.blocking
    assert result.unexpected_count == 4
    assert sorted(row["asset_id"] for row in result.sample_rows) == ["a1", "a2", "a4", "a5"]


def test_golden_status_and_id_defects_fail(make_golden):
    golden = make_golden(
        [
            {
                "asset_id": "a1",
                "status": "active",
                "warranty_end": "2020-01-01",
                "purchase_date": "2021-01-01",
            },
            {"asset_id": "a1", "status": "lost"},
            {"asset_id": None, "status": None, "purchase_cost": -1.0},
        ]
    )
    outcomes = validate(golden, golden_suite())
    assert failed(outcomes) == {
        "asset_id_not_null",
        "asset_id_unique",
        "status_not_null",
        "status_valid",
        "warranty_after_purchase",
        "cost_not_negative",
    }
    assert by_name(outcomes)["status_valid"].sample_rows == [{"status": "lost", "asset_id": "a1"}]


@pytest.mark.parametrize("flavour", ["numpy_object", "pandas_default"])
def test_plain_dtypes_give_the_same_outcomes_as_nullable_ones(make_normalized, record, flavour):
    nullable = make_normalized(
        [
            record("1"),
            record("1", purchase_cost=-1.0),
            record("3", asset_type="toaster", storage_total_bytes=None),
        ]
    )
    if flavour == "numpy_object":
        plain = nullable.astype(object).where(nullable.notna(), None)
        plain["last_seen_at"] = nullable["last_seen_at"].astype("datetime64[ns, UTC]")
    else:  # what pandas infers from Python objects (pyarrow-backed str, float64 with NaN)
        plain = pd.DataFrame(nullable.astype(object).where(nullable.notna(), None).to_dict(orient="list"))
    suite = normalized_suite("intune")

    def summary(frame: pd.DataFrame) -> list[tuple]:
        return [
            (o.check_name, o.success, o.unexpected_count) for o in validate(frame, suite, parameters=PARAMS)
        ]

    assert summary(plain) == summary(nullable)
    assert {"record_key_unique", "cost_not_negative", "asset_type_valid"} <= failed(
        validate(plain, suite, parameters=PARAMS)
    )


def test_outcomes_are_json_safe(make_normalized, record):
    frame = make_normalized([record("1", last_seen_at=NOW + dt.timedelta(days=30)), record("1")])
    for outcome in validate(frame, normalized_suite("intune"), parameters=PARAMS):
        json.dumps([outcome.partial_unexpected_list, outcome.sample_rows, outcome.observed_value])


def test_missing_column_fails_that_expectation_only(clean_normalized):
    frame = clean_normalized.drop(columns=["purchase_cost"])
    outcomes = by_name(validate(frame, normalized_suite("intune"), parameters=PARAMS))
    assert not outcomes["cost_not_negative"].success
    assert "purchase_cost" in outcomes["cost_not_negative"].error
    assert all(o.success for name, o in outcomes.items() if name != "cost_not_negative")


def test_empty_frame_passes(make_normalized):
    outcomes = validate(make_normalized([]), normalized_suite("intune"), parameters=PARAMS)
    assert failed(outcomes) == set()


def test_consecutive_validations_do_not_share_data(make_normalized, record, clean_normalized):
    bad = make_normalized([record("1"), record("1")])
    suite = normalized_suite("intune")
    assert "record_key_unique" in failed(validate(bad, suite, parameters=PARAMS))
    assert failed(validate(clean_normalized, suite, parameters=PARAMS)) == set()
    assert "record_key_unique" in failed(validate(bad, suite, parameters=PARAMS))


def test_samples_name_the_right_records_whatever_the_frame_index(make_normalized, record):
    frame = make_normalized([record("1"), record("2", purchase_cost=-3.0), record("3", purchase_cost=-4.0)])
    frame.index = ["z", "y", "x"]  # e.g. a filtered or re-keyed frame
    sample = by_name(validate(frame, normalized_suite("intune"), parameters=PARAMS))[
        "cost_not_negative"
    ].sample_rows
    assert sample == [
        {"record_key": "intune|2", "purchase_cost": -3.0},
        {"record_key": "intune|3", "purchase_cost": -4.0},
    ]


def test_table_level_expectations_see_the_whole_frame(clean_normalized):
    suite = gx.ExpectationSuite(
        name="table_level",
        expectations=[
            gxe.ExpectTableColumnCountToEqual(
                value=len(clean_normalized.columns), meta={"check_name": "columns"}
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="record_key", meta={"check_name": "key"}),
        ],
    )
    outcomes = by_name(validate(clean_normalized, suite))
    assert outcomes["columns"].success, outcomes["columns"].observed_value
    assert outcomes["columns"].severity == "critical"  # GX's default severity


def test_nullable_boolean_and_integer_columns_work(make_normalized, record):
    frame = make_normalized([record("1", is_virtual=True), record("2", is_virtual=None), record("3")])
    assert str(frame["is_virtual"].dtype) == "boolean" and str(frame["storage_free_bytes"].dtype) == "Int64"
    suite = gx.ExpectationSuite(
        name="nullable",
        expectations=[
            gxe.ExpectColumnValuesToBeInSet(
                column="is_virtual", value_set=[False], meta={"check_name": "physical"}
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="storage_free_bytes", max_value=10**9, meta={"check_name": "small"}
            ),
        ],
    )
    outcomes = by_name(validate(frame, suite))
    assert (outcomes["physical"].unexpected_count, outcomes["physical"].partial_unexpected_list) == (
        1,
        [True],
    )
    assert outcomes["small"].unexpected_count == 3
    assert outcomes["small"].partial_unexpected_list == [100_000_000_000] * 3

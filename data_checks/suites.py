"""Great Expectations suites for normalized source records and golden assets, versioned in code.

Every expectation carries

* a ``severity``: ``critical`` expectations become *blocking* Dagster checks (a failure stops
  everything downstream in the run, in particular the repository upsert); ``warning``
  expectations are reported but never block;
* a short, stable ``meta["check_name"]`` that becomes the Dagster check name. Renaming one
  orphans its history in the UI, so treat these names as part of the public contract.

Thresholds that depend on the time of validation (``last_seen_at`` not in the future) are
suite parameters resolved by ``runtime_parameters`` at validation time: suites are built once at
import time and a long-running code server must not compare against a frozen "now".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.metadata_types import FailureSeverity
from great_expectations.expectations.row_conditions import Column, Condition

from connectors.records import API_SOURCES, FILE_PREFIX
from itam_pipeline.schema import AssetType, Status

SUITE_VERSION = 1

# Key in ``Expectation.meta`` holding the Dagster check name; and in ``ExpectationSuite.meta``
# the column that identifies a row in failure samples.
CHECK_NAME_KEY = "check_name"
ID_COLUMN_KEY = "id_column"

# Every identifier reconciliation can anchor a record on (c.1 ranks 0-6). ``source_record_id``
# counts: it keeps a record's continuity within its own source even without hardware ids.
IDENTIFIER_COLUMNS: tuple[str, ...] = (
    "serial_key",
    "imei",
    "uuid",
    "azure_ad_device_id",
    "asset_tag",
    "mac_addresses",
    "source_record_id",
)

# Sources stamp local times as UTC surprisingly often; a day absorbs any time-zone slip while
# still catching day/month swaps and epoch-unit errors, which land months or years ahead.
LAST_SEEN_FUTURE_TOLERANCE = dt.timedelta(days=1)
LATEST_LAST_SEEN_PARAMETER = "latest_allowed_last_seen_at"

DEFAULT_MIN_SERIAL_COMPLETENESS = 0.8
DEFAULT_MAX_QUARANTINE_SHARE = 0.05

_ANY_SOURCE_PATTERN = rf"^(?:{'|'.join(API_SOURCES)}|{re.escape(FILE_PREFIX)}[A-Za-z0-9_.-]+)$"

_USABLE = Column("quarantine_reason").is_null()
_CRITICAL = FailureSeverity.CRITICAL
_WARNING = FailureSeverity.WARNING


def runtime_parameters(now: dt.datetime | None = None) -> dict[str, Any]:
    """Suite parameters that depend on the moment of validation (defaults to the current time)."""
    now = now or dt.datetime.now(dt.UTC)
    return {LATEST_LAST_SEEN_PARAMETER: now + LAST_SEEN_FUTURE_TOLERANCE}


def check_name_of(expectation: gxe.Expectation) -> str:
    """The Dagster check name of an expectation (its ``meta["check_name"]``)."""
    name = (expectation.meta or {}).get(CHECK_NAME_KEY)
    if not name:
        raise ValueError(f"expectation {expectation.expectation_type} has no meta['{CHECK_NAME_KEY}']")
    return str(name)


def normalized_suite(
    source: str | None = None,
    *,
    min_serial_completeness: float = DEFAULT_MIN_SERIAL_COMPLETENESS,
    max_quarantine_share: float = DEFAULT_MAX_QUARANTINE_SHARE,
) -> gx.ExpectationSuite:
    """Expectations on one source's normalized records (``NORMALIZED_COLUMNS``).

    ``source`` pins the ``source`` column to that one value; ``None`` accepts any known source
    (for a frame that holds every source). Thresholds are shares between 0 and 1; a source
    whose fleet legitimately lacks serials (SIM cards, say) gets its own completeness target.
    """
    source_expectation = (
        _expect(
            gxe.ExpectColumnValuesToBeInSet,
            "source_valid",
            _CRITICAL,
            f"source is '{source}'",
            column="source",
            value_set=[source],
        )
        if source is not None
        else _expect(
            gxe.ExpectColumnValuesToMatchRegex,
            "source_valid",
            _CRITICAL,
            "source is a known source name",
            column="source",
            regex=_ANY_SOURCE_PATTERN,
        )
    )
    expectations = [
        # Critical: each of these breaks reconciliation itself, not just the data's quality.
        # A null or repeated record_key makes link continuity ambiguous (one native record would
        # link to two assets, or two records overwrite each other's link). Quarantined rows are
        # exempt: a file row without any key is exactly what quarantine is for.
        _expect(
            gxe.ExpectColumnValuesToNotBeNull,
            "record_key_not_null",
            _CRITICAL,
            "usable records have a record_key",
            column="record_key",
            row_condition=_USABLE,
        ),
        _expect(
            gxe.ExpectColumnValuesToBeUnique,
            "record_key_unique",
            _CRITICAL,
            "record_key is unique among usable records",
            column="record_key",
            row_condition=_USABLE,
        ),
        # A wrong source name would attribute links and absence evidence to another source, and
        # absence evidence retires assets.
        _expect(
            gxe.ExpectColumnValuesToNotBeNull,
            "source_not_null",
            _CRITICAL,
            "source is never null",
            column="source",
        ),
        source_expectation,
        # Type-specific rules (mobile staleness windows, VM-only comparisons) key on asset_type;
        # normalization maps unknown types to 'other', so anything else is a bug, not bad input.
        _expect(
            gxe.ExpectColumnValuesToBeInSet,
            "asset_type_valid",
            _CRITICAL,
            "asset_type is an AssetType value",
            column="asset_type",
            value_set=_values(AssetType),
        ),
        _expect(
            gxe.ExpectColumnValuesToNotBeNull,
            "asset_type_set",
            _CRITICAL,
            "usable records have an asset_type",
            column="asset_type",
            row_condition=_USABLE,
        ),
        _identifier_expectation(),
        # Warnings: the data is worse but still safe to reconcile; blocking the whole sync for
        # them would hide every other source's good news.
        # A future last_seen_at keeps an asset 'active' too long, but only that asset.
        _expect(
            gxe.ExpectColumnValuesToBeBetween,
            "last_seen_not_future",
            _WARNING,
            "last_seen_at is at most a day in the future",
            column="last_seen_at",
            max_value={"$PARAMETER": LATEST_LAST_SEEN_PARAMETER},
        ),
        _expect(
            gxe.ExpectColumnValuesToNotBeNull,
            "serial_completeness",
            _WARNING,
            f"at least {min_serial_completeness:.0%} of usable records have a valid serial",
            column="serial_key",
            mostly=min_serial_completeness,
            row_condition=_USABLE,
        ),
        _expect(
            gxe.ExpectColumnValuesToBeBetween,
            "cost_not_negative",
            _WARNING,
            "purchase_cost is not negative",
            column="purchase_cost",
            min_value=0,
        ),
        _expect(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB,
            "storage_free_le_total",
            _WARNING,
            "storage_free_bytes does not exceed storage_total_bytes",
            column_A="storage_total_bytes",
            column_B="storage_free_bytes",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        _expect(
            gxe.ExpectColumnValuesToBeNull,
            "quarantine_share",
            _WARNING,
            f"at most {max_quarantine_share:.0%} of records are quarantined",
            column="quarantine_reason",
            mostly=1 - max_quarantine_share,
        ),
    ]
    name = f"normalized_devices.{source or 'all'}.v{SUITE_VERSION}"
    return _suite(name, expectations, id_column="record_key")


def golden_suite() -> gx.ExpectationSuite:
    """Expectations on the golden assets (``GOLDEN_COLUMNS`` incl. ``status``)."""
    expectations = [
        # Critical: asset ids are the repository's primary key and must never collide.
        _expect(
            gxe.ExpectColumnValuesToNotBeNull,
            "asset_id_not_null",
            _CRITICAL,
            "asset_id is never null",
            column="asset_id",
        ),
        _expect(
            gxe.ExpectColumnValuesToBeUnique,
            "asset_id_unique",
            _CRITICAL,
            "asset_id is unique",
            column="asset_id",
        ),
        # Lifecycle rules and reports key on status; an unknown or missing one is a bug.
        _expect(
            gxe.ExpectColumnValuesToNotBeNull,
            "status_not_null",
            _CRITICAL,
            "status is never null",
            column="status",
        ),
        _expect(
            gxe.ExpectColumnValuesToBeInSet,
            "status_valid",
            _CRITICAL,
            "status is a Status value",
            column="status",
            value_set=_values(Status),
        ),
        # Two active assets with one serial are a missed merge (double-counted hardware, two
        # licences, two owners). ignore_row_if='never' makes a null manufacturer one group of its
        # own rather than exempting it. See guards.duplicate_active_serials for the stricter
        # separator-insensitive comparison used by the plan guard.
        _expect(
            gxe.ExpectCompoundColumnsToBeUnique,
            "active_serial_unique",
            _CRITICAL,
            "no two active assets share (manufacturer, serial_number)",
            column_list=["manufacturer", "serial_number"],
            ignore_row_if="never",
            row_condition=(Column("status") == Status.ACTIVE.value) & Column("serial_number").is_not_null(),
        ),
        # Warnings: procurement typos; the asset is still the right asset.
        _expect(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB,
            "warranty_after_purchase",
            _WARNING,
            "warranty_end is not before purchase_date",
            column_A="warranty_end",
            column_B="purchase_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        _expect(
            gxe.ExpectColumnValuesToBeBetween,
            "cost_not_negative",
            _WARNING,
            "purchase_cost is not negative",
            column="purchase_cost",
            min_value=0,
        ),
    ]
    return _suite(f"golden_assets.v{SUITE_VERSION}", expectations, id_column="asset_id")


def _identifier_expectation() -> gxe.Expectation:
    """Usable records carry at least one identifier.

    GX has no "one of these columns is set" expectation, so it is phrased as: among usable rows
    whose other identifiers are all null, the first identifier must not be null - a row fails
    exactly when every identifier is null. Critical because such a record cannot be matched,
    nor even recognised on the next run: reconciliation would mint a new golden asset for it
    every time. Normalization should have quarantined it.
    """
    first, *others = IDENTIFIER_COLUMNS
    condition: Condition = _USABLE
    for column in others:
        condition = condition & Column(column).is_null()
    return _expect(
        gxe.ExpectColumnValuesToNotBeNull,
        "identifier_present",
        _CRITICAL,
        "usable records carry at least one identifier",
        column=first,
        row_condition=condition,
    )


def _expect(
    kind: type[gxe.Expectation], check_name: str, severity: FailureSeverity, description: str, **kwargs: Any
) -> gxe.Expectation:
    return kind(meta={CHECK_NAME_KEY: check_name}, severity=severity, description=description, **kwargs)


def _suite(name: str, expectations: list[gxe.Expectation], *, id_column: str) -> gx.ExpectationSuite:
    names = [check_name_of(e) for e in expectations]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:  # they become Dagster check names, which must be unique per asset
        raise ValueError(f"duplicate check names in suite {name}: {duplicates}")
    return gx.ExpectationSuite(
        name=name,
        expectations=expectations,
        meta={"suite_version": SUITE_VERSION, ID_COLUMN_KEY: id_column},
    )


def _values(enum: Iterable[Any]) -> list[str]:
    return [member.value for member in enum]

"""Validate a pandas DataFrame against a GX 1.x suite and return plain, JSON-safe outcomes.

GX runs in an ephemeral (in-memory) context: no ``great_expectations/`` project directory, no
Data Docs, no stores. The context is created once per process because importing and setting up
GX costs seconds; every validation registers its frame under a fresh data-source name and removes
it afterwards, so concurrent or repeated calls never see each other's data.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import great_expectations as gx  # the package __init__ has already switched GX analytics off
import numpy as np
import pandas as pd
from great_expectations.core.expectation_validation_result import ExpectationValidationResult
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.metadata_types import FailureSeverity
from great_expectations.expectations.row_conditions import (
    AndCondition,
    ComparisonCondition,
    NullityCondition,
    OrCondition,
)

from data_checks.suites import ID_COLUMN_KEY, check_name_of, runtime_parameters

Severity = Literal["critical", "warning"]

# GX keeps 20 sample values per expectation in SUMMARY mode; enough to act on, small enough for
# check metadata.
_RESULT_FORMAT = "SUMMARY"


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation, ready to become one Dagster check result."""

    check_name: str
    success: bool
    severity: Severity
    unexpected_count: int | None
    unexpected_percent: float | None
    partial_unexpected_list: list[Any]
    observed_value: Any
    description: str
    element_count: int | None = None
    # Sample failing rows keyed by the suite's id column (record_key / asset_id) plus the
    # checked columns, so a human can find the records; empty when the frame has no id column.
    sample_rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # set when GX could not evaluate the expectation (e.g. missing column)

    @property
    def blocking(self) -> bool:
        """A failure of this expectation must stop downstream work."""
        return self.severity == "critical"


def validate(
    df: pd.DataFrame, suite: gx.ExpectationSuite, *, parameters: Mapping[str, Any] | None = None
) -> list[ExpectationOutcome]:
    """Validate ``df`` against ``suite``; one outcome per expectation, in suite order.

    ``parameters`` fills the suite's ``$PARAMETER`` placeholders; by default the
    time-dependent ones from ``suites.runtime_parameters`` at the current time.
    An expectation GX cannot evaluate (a missing column, say) fails with ``error`` set rather than
    raising, so one broken expectation does not hide the others.
    """
    suite_parameters = dict(runtime_parameters() if parameters is None else parameters)
    id_column = (suite.meta or {}).get(ID_COLUMN_KEY)
    frame = _frame_for(df, suite, id_column)
    results = _run(frame, suite, suite_parameters)
    by_name = {check_name_of(r.expectation_config): r for r in results}
    return [_outcome(by_name[check_name_of(e)], frame, id_column) for e in suite.expectations]


def _frame_for(df: pd.DataFrame, suite: gx.ExpectationSuite, id_column: str | None) -> pd.DataFrame:
    """The columns the suite reads (plus the id column), on a positional index.

    GX hashes the whole frame for its batch id, so unread columns cost time at a million rows.
    The positional index lets failure samples be looked up with ``iloc``. Selecting columns
    does not copy data under pandas copy-on-write.
    """
    needed = _referenced_columns(suite)
    if needed is not None:
        keep = [c for c in df.columns if c in needed or c == id_column]
        df = df[keep]
    return df.reset_index(drop=True)


def _referenced_columns(suite: gx.ExpectationSuite) -> set[str] | None:
    """Every column the suite's expectations and row conditions name; None if not knowable."""
    columns: set[str] = set()
    for expectation in suite.expectations:
        checked = _checked_columns(expectation.configuration.kwargs)
        condition = _condition_columns(getattr(expectation, "row_condition", None))
        if not checked or condition is None:  # table-level expectation or free-text condition
            return None
        columns.update(checked, condition)
    return columns


def _checked_columns(kwargs: Mapping[str, Any]) -> list[str]:
    single = [kwargs[key] for key in ("column", "column_A", "column_B") if kwargs.get(key)]
    return [*single, *(kwargs.get("column_list") or [])]


def _condition_columns(condition: Any) -> set[str] | None:
    if condition is None:
        return set()
    if isinstance(condition, AndCondition | OrCondition):
        parts = [_condition_columns(c) for c in condition.conditions]
        return None if any(p is None for p in parts) else set().union(*parts)
    if isinstance(condition, ComparisonCondition | NullityCondition):
        return {condition.column.name}
    return None  # legacy string / pass-through conditions: columns unknown


@functools.cache
def _context() -> Any:
    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)  # explicit, even if the environment variable was overridden
    # tqdm bars otherwise write a line per metric batch into every Dagster step log.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


# Data-source registration mutates the shared context; serialise it for threaded executors.
_registry_lock = threading.Lock()


def _run(
    frame: pd.DataFrame, suite: gx.ExpectationSuite, parameters: dict[str, Any]
) -> list[ExpectationValidationResult]:
    context = _context()
    source_name = f"frame_{uuid.uuid4().hex}"
    with _registry_lock:
        data_source = context.data_sources.add_pandas(source_name)
    try:
        batch_definition = data_source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe(
            "whole"
        )
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        # Not GX's unexpected_index_column_names: it fetches the id of *every* failing row one
        # by one (about a minute per million failing rows); _sample_rows looks up only the 20.
        result = batch.validate(suite, expectation_parameters=parameters, result_format=_RESULT_FORMAT)
        return list(result.results)
    finally:
        with _registry_lock:
            context.data_sources.delete(source_name)


def _outcome(
    result: ExpectationValidationResult, frame: pd.DataFrame, id_column: str | None
) -> ExpectationOutcome:
    config = result.expectation_config
    details = result.result or {}
    return ExpectationOutcome(
        check_name=check_name_of(config),
        success=bool(result.success),
        severity="critical" if config.severity == FailureSeverity.CRITICAL else "warning",
        unexpected_count=_optional_int(details.get("unexpected_count")),
        unexpected_percent=_optional_float(details.get("unexpected_percent")),
        partial_unexpected_list=json_safe(details.get("partial_unexpected_list") or []),
        observed_value=json_safe(details.get("observed_value")),
        description=config.description or config.type,
        element_count=_optional_int(details.get("element_count")),
        sample_rows=_sample_rows(
            frame, details.get("partial_unexpected_index_list"), config.kwargs, id_column
        ),
        error=_exception_message(result.exception_info),
    )


def _sample_rows(
    frame: pd.DataFrame, positions: Any, kwargs: Mapping[str, Any], id_column: str | None
) -> list[dict[str, Any]]:
    """The id and checked values of the sampled failing rows (GX reports their index labels)."""
    if not positions or id_column not in frame.columns:
        return []
    if not all(isinstance(p, int | np.integer) for p in positions):
        return []
    columns = [id_column, *(c for c in _checked_columns(kwargs) if c in frame.columns and c != id_column)]
    return json_safe(frame.iloc[[int(p) for p in positions]][columns].to_dict(orient="records"))


def _exception_message(info: Mapping[str, Any] | None) -> str | None:
    """First exception message in GX's exception_info.

    GX reports either one flat dict or, when a metric failed, a dict keyed by metric id.
    """
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for nested in info.values():
        if isinstance(nested, Mapping) and nested.get("raised_exception"):
            return str(nested.get("exception_message"))
    return None


def json_safe(value: Any) -> Any:
    """``value`` with numpy/pandas scalars, timestamps, NA and tuples turned into JSON types."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | np.ndarray):
        return [json_safe(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.datetime64):  # .item() would give nanoseconds as an int
        value = pd.Timestamp(value)
        return None if value is pd.NaT else value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float | Decimal):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dt.timedelta | pd.Timedelta):
        return str(value)
    return str(value)


def _optional_int(value: Any) -> int | None:
    number = json_safe(value)
    return None if number is None else int(number)


def _optional_float(value: Any) -> float | None:
    number = json_safe(value)
    return None if number is None else float(number)

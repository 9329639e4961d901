"""Parse JSON payload text once and pull the fields a mapper needs into column arrays.

Payloads are parsed in chunks by Arrow's C++ JSON reader (multi-threaded, no Python object
per row) straight into typed columns. A chunk it cannot take exactly (invalid JSON, a value
of an unexpected type, a non-object payload) is parsed in Python instead (``orjson`` when
installed, ``json`` otherwise), which reports or coerces the offending rows one by one.
Chunks keep a million payloads from ever being in memory as parsed values at once.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from itam_pipeline.normalize.text import as_text, from_arrow

try:  # orjson parses several times faster; json is the fallback so it stays optional.
    import orjson

    _loads = orjson.loads

    def _dumps(value: Any) -> str:
        return orjson.dumps(value).decode()

except ImportError:  # pragma: no cover - exercised only where orjson is absent
    _loads = json.loads

    def _dumps(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))


CHUNK_ROWS = 100_000
_OPEN, _CLOSE = ord("{"), ord("}")
BAD_PAYLOAD = "BAD_PAYLOAD"


class Field(Enum):
    """How a scalar payload value is carried into its column."""

    TEXT = "text"  # -> string (numbers and booleans become their text)
    NUMBER = "number"  # -> float64 (unparsable -> NaN)
    FLAG = "flag"  # boolean -> "true" / "false" text (other values as text)


@dataclass(frozen=True)
class Records:
    """A list of objects (Device42 ``mac_addresses``, ``custom_fields`` ...) -> an Arrow list of
    structs holding the named scalar fields of each item."""

    fields: Mapping[str, Field]


FieldSpec = Field | Records


@dataclass
class Extracted:
    """Column arrays of one source's payloads plus a parse error (or None) per row."""

    columns: dict[str, Any]  # TEXT/FLAG: string Series, NUMBER: float64 ndarray, Records: Arrow list array
    errors: list[str | None]

    def text(self, name: str) -> pd.Series:
        return self.columns[name]

    def number(self, name: str) -> np.ndarray:
        return self.columns[name]

    def records(self, name: str) -> pa.Array:
        return self.columns[name]


def extract(payloads: Sequence[str | None] | pd.Series, fields: Mapping[str, FieldSpec]) -> Extracted:
    """Parse each JSON payload text and keep only ``fields`` (flat keys, e.g. ``InvDevice.IMEI``)."""
    groups = np.zeros(len(payloads), dtype=np.int64)
    return extract_groups(payloads, groups, {0: fields})[0]


def extract_groups(
    payloads: Sequence[str | None] | pd.Series,
    groups: np.ndarray,
    fields: Mapping[int, Mapping[str, FieldSpec]],
) -> dict[int, Extracted]:
    """Parse payloads in input order; the rows of group ``g`` keep ``fields[g]``.

    Mixed-source input is split by group after parsing, chunk by chunk, so the payload text is
    never copied to gather a source's rows. Rows of a group missing from ``fields`` are parsed
    for errors only. Each group's columns and errors follow input order within the group.
    """
    chunks = {g: {name: [] for name in group_fields} for g, group_fields in fields.items()}
    errors: dict[int, list[str | None]] = {g: [] for g in fields}
    offset = 0
    schema = _union_schema(fields)
    with _gc_paused():
        for texts in _text_chunks(payloads):
            chunk_groups = groups[offset : offset + len(texts)]
            offset += len(texts)
            parsed = _read_ndjson(texts, schema) if schema is not None else None
            if parsed is not None:  # the fast path: Arrow's C++ JSON reader, no Python objects
                for g, group_fields in fields.items():
                    rows = np.flatnonzero(chunk_groups == g)
                    if len(rows):
                        errors[g].extend([None] * len(rows))
                        picked = parsed if len(rows) == len(texts) else parsed.take(pa.array(rows))
                        for name, spec in group_fields.items():
                            chunks[g][name].append(_typed(picked.column(name), spec))
                continue
            texts = texts.to_pylist() if isinstance(texts, pa.Array) else texts
            dicts, chunk_errors = _parse_chunk(texts)
            for g, group_fields in fields.items():
                rows = np.flatnonzero(chunk_groups == g)
                if len(rows) == 0:
                    continue
                if len(rows) == len(dicts):
                    selected, selected_errors = dicts, chunk_errors
                else:
                    picked = rows.tolist()
                    selected = [dicts[i] for i in picked]
                    selected_errors = [chunk_errors[i] for i in picked]
                errors[g].extend(selected_errors)
                for name, column in _columns(selected, group_fields).items():
                    chunks[g][name].append(column)
    return {
        g: Extracted({name: _concat(parts, fields[g][name]) for name, parts in chunks[g].items()}, errors[g])
        for g in fields
    }


def _text_chunks(payloads: Sequence[str | None] | pd.Series) -> Iterator[pa.Array | list[str | None]]:
    """Payload texts one chunk at a time (never a million at once): Arrow slices for a Series."""
    if isinstance(payloads, pd.Series):
        # Slices of the column's own chunks, combined one slice at a time: combining the
        # whole column first would copy every payload's text (a gigabyte at 1M records).
        chunked = pa.chunked_array(pa.array(as_text(payloads).array))
        for start in range(0, len(chunked), CHUNK_ROWS):
            yield chunked.slice(start, CHUNK_ROWS).combine_chunks()
    else:
        for start in range(0, len(payloads), CHUNK_ROWS):
            yield list(payloads[start : start + CHUNK_ROWS])


def _union_schema(fields: Mapping[int, Mapping[str, FieldSpec]]) -> pa.Schema | None:
    """One Arrow schema for every group's fields (None when two groups type a name differently)."""
    types: dict[str, pa.DataType] = {}
    for group_fields in fields.values():
        for name, spec in group_fields.items():
            wanted = _json_type(spec)
            if types.setdefault(name, wanted) != wanted:
                return None
    return pa.schema(list(types.items()))


def _json_type(spec: FieldSpec) -> pa.DataType:
    """The type Arrow's JSON reader is asked for (a plain list: it reads no large lists)."""
    if isinstance(spec, Records):
        return pa.list_(pa.struct([(name, _arrow_type(kind)) for name, kind in spec.fields.items()]))
    return _arrow_type(spec)


def _read_ndjson(texts: pa.Array | list[str | None], schema: pa.Schema) -> pa.Table | None:
    """Parse a chunk of payload texts with Arrow's multi-threaded JSON reader, or None.

    The reader runs over the chunk's text buffer as it is (the payloads back to back), so no
    Python object and no copy is made per row. It needs every payload to be one JSON object:
    each must start with "{" and end with "}", and the reader must find exactly one object
    per payload. Anything else - a null, empty or non-object payload, invalid JSON, a value of
    another type than its field - returns None and the caller parses that chunk in Python,
    which reports or coerces the offending rows one by one.
    """
    if not isinstance(texts, pa.Array) or len(texts) == 0 or texts.null_count:
        return None
    texts = texts.cast(pa.large_string())  # no-op for pandas' strings; int64 offsets below
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64, count=len(texts) + 1, offset=texts.offset * 8)
    if texts.buffers()[2] is None or (np.diff(offsets) < 2).any():
        return None
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8)
    if (data[offsets[:-1]] != _OPEN).any() or (data[offsets[1:] - 1] != _CLOSE).any():
        return None
    payload = texts.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    options = pajson.ParseOptions(
        explicit_schema=schema, unexpected_field_behavior="ignore", newlines_in_values=True
    )
    try:
        table = pajson.read_json(pa.BufferReader(payload), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return table if table.num_rows == len(texts) else None


def _typed(column: pa.ChunkedArray, spec: FieldSpec) -> pa.Array:
    """A parsed column in the type ``_columns`` produces for the same field."""
    return pc.cast(column.combine_chunks(), _arrow_type(spec))


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Parsing allocates millions of dicts; each allocation burst triggers the cyclic collector,
    # which then walks every live object again (measured: 2.5x slower at 1M payloads).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_chunk(texts: list[str | None]) -> tuple[list[dict[str, Any]], list[str | None]]:
    try:
        dicts = [_loads(t) for t in texts]
    except (ValueError, TypeError):
        return _parse_one_by_one(texts)
    if all(type(d) is dict for d in dicts):
        return dicts, [None] * len(dicts)
    errors = [
        None if type(d) is dict else f"{BAD_PAYLOAD}: JSON {type(d).__name__}, not an object" for d in dicts
    ]
    return [d if type(d) is dict else {} for d in dicts], errors


def _parse_one_by_one(texts: list[str | None]) -> tuple[list[dict[str, Any]], list[str | None]]:
    """Slow path for a chunk holding at least one unparsable payload: find which rows."""
    dicts: list[dict[str, Any]] = []
    errors: list[str | None] = []
    for text in texts:
        try:
            value = _loads(text) if text is not None else None
        except (ValueError, TypeError) as exc:
            dicts.append({})
            errors.append(f"{BAD_PAYLOAD}: not valid JSON ({str(exc).splitlines()[0][:120]})")
            continue
        if type(value) is dict:
            dicts.append(value)
            errors.append(None)
        else:
            dicts.append({})
            errors.append(f"{BAD_PAYLOAD}: JSON {type(value).__name__}, not an object")
    return dicts, errors


def _columns(dicts: list[dict[str, Any]], fields: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """The fields of a chunk of payload dicts as Arrow/numpy columns.

    All fields go through one Arrow struct conversion (C++ walks every dict once, about four
    times faster than a Python pass per field). A chunk with an off-type value (a number where
    text is expected) falls back to converting field by field, coercing values in Python.
    """
    try:
        struct = pa.array(dicts, type=pa.struct([(name, _arrow_type(spec)) for name, spec in fields.items()]))
        return {name: struct.field(name) for name in fields}
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return {
            name: _column(list(map(dict.get, dicts, repeat(name))), spec) for name, spec in fields.items()
        }


def _arrow_type(spec: FieldSpec) -> pa.DataType:
    if isinstance(spec, Records):
        return pa.large_list(pa.struct([(name, _arrow_type(kind)) for name, kind in spec.fields.items()]))
    return {Field.TEXT: pa.large_string(), Field.NUMBER: pa.float64(), Field.FLAG: pa.bool_()}[spec]


def _column(values: list[Any], spec: FieldSpec) -> pa.Array:
    """One field of a chunk as an Arrow array, coercing off-type values when needed."""
    try:
        return pa.array(values, type=_arrow_type(spec))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_coerce(v, spec) for v in values], type=_arrow_type(spec))


def _coerce(value: Any, spec: FieldSpec) -> Any:
    if isinstance(spec, Records):
        items = value if isinstance(value, list) else []
        return [
            {name: _coerce(item.get(name), kind) for name, kind in spec.fields.items()}
            for item in items
            if isinstance(item, dict)
        ]
    if spec is Field.NUMBER:
        return _as_number(value)
    if spec is Field.FLAG:
        return _as_flag(value)
    return _as_text(value)


def _concat(parts: list[pa.Array], spec: FieldSpec) -> Any:
    array = pa.chunked_array(parts, type=_arrow_type(spec)).combine_chunks()
    if isinstance(spec, Records):
        return array
    if spec is Field.NUMBER:
        return array.to_numpy(zero_copy_only=False)
    if spec is Field.FLAG:
        array = pc.cast(array, pa.large_string())
    return from_arrow(array, pd.RangeIndex(len(array)))


_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


def _as_flag(value: Any) -> bool | None:
    """A boolean from the spellings sources use (``true``, ``"yes"``, ``1`` ...); None otherwise."""
    if isinstance(value, bool) or value is None:
        return value
    word = str(value).strip().casefold()
    return True if word in _TRUE else False if word in _FALSE else None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _as_text(value: Any) -> str | None:
    """Text of a scalar that is not a string: sources mix numbers, booleans and strings."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return _dumps(value)

"""The canonical device schema, declared once.

Three shapes flow through the pipeline:

* ``RAW_SCHEMA`` - what extraction lands in the lake (vendor payload as JSON text);
* ``NORMALIZED_SCHEMA`` - one row per source record, every source mapped to the same
  typed columns (``itam_pipeline.normalize``);
* ``GOLDEN_SCHEMA`` - one row per reconciled physical asset (``itam_pipeline.reconcile``),
  the shape of the repository's ``assets`` table.

pandas dtypes are derived from the Arrow schemas so there is exactly one declaration.
"""

from __future__ import annotations

from enum import StrEnum

import pandas as pd
import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")


class AssetType(StrEnum):
    """One taxonomy for every device type the ITAM process tracks."""

    DESKTOP = "desktop"
    LAPTOP = "laptop"
    MOBILE_PHONE = "mobile_phone"
    TABLET = "tablet"
    DISPLAY = "display"
    PRINTER = "printer"
    SERVER = "server"
    VIRTUAL_MACHINE = "virtual_machine"
    DATABASE = "database"
    NETWORK_DEVICE = "network_device"
    SIM_CARD = "sim_card"
    STORAGE = "storage"
    BACKUP_DEVICE = "backup_device"
    OTHER = "other"


class Status(StrEnum):
    """Lifecycle states of a golden asset (see ``itam_pipeline.lifecycle``)."""

    ON_ORDER = "on_order"
    IN_STOCK = "in_stock"
    ACTIVE = "active"
    STALE = "stale"
    MISSING = "missing"
    IN_REPAIR = "in_repair"
    RETIRED = "retired"
    DISPOSED = "disposed"


RAW_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("source_record_id", pa.string()),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("extracted_at", TS, nullable=False),
        pa.field("origin", pa.string()),
        pa.field("error", pa.string()),
        pa.field("payload", pa.string(), nullable=False),  # JSON text of RawRecord.payload
    ]
)

# (name, arrow type, description). Descriptions feed column comments, docs and the
# Dagster column schema, so the meaning is written once.
NORMALIZED_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("record_key", pa.string(), "source + '|' + source_record_id; unique per source record"),
    ("source", pa.string(), "intune, device42, miradore or file:<feed>"),
    ("source_record_id", pa.string(), "the source's native id as text"),
    ("origin", pa.string(), "where a human finds the record (file name and row number for drops)"),
    ("run_id", pa.string(), "run that extracted the record"),
    ("extracted_at", TS, "when the pipeline extracted the record"),
    ("asset_tag", pa.string(), "organisation-assigned asset tag, uppercase"),
    ("serial_number", pa.string(), "serial as printed (trimmed, uppercase, prefix stripped); null when junk"),
    ("serial_key", pa.string(), "serial with separators removed, used for matching; null when not valid"),
    ("serial_issue", pa.string(), "why the raw serial is not usable (missing, junk:<rule>), null when valid"),
    ("is_virtual", pa.bool_(), "the record describes a virtual machine"),
    ("manufacturer", pa.string(), "canonical manufacturer name (alias table applied)"),
    ("model", pa.string(), "model name, trimmed"),
    ("hostname", pa.string(), "short host name, lowercase; null when generic or an IP literal"),
    ("dns_domain", pa.string(), "DNS domain split off the host name"),
    ("mac_addresses", pa.string(), "identifying (burned-in) MACs, aa:bb:cc:dd:ee:ff, ';'-joined, sorted"),
    ("imei", pa.string(), "15-digit IMEI with a valid Luhn check digit"),
    ("uuid", pa.string(), "SMBIOS/hardware UUID, canonical lowercase"),
    ("uuid_swapped", pa.string(), "the same UUID with the first three groups byte-swapped"),
    ("azure_ad_device_id", pa.string(), "Entra device id; null when empty or all-zero"),
    ("asset_type", pa.string(), "asset-type taxonomy value (AssetType)"),
    ("asset_type_rule", pa.string(), "which field and rule inferred asset_type"),
    ("os", pa.string(), "operating system family"),
    ("os_version", pa.string(), "operating system version"),
    ("primary_user", pa.string(), "user principal name / e-mail, lowercase"),
    ("lifecycle_hint", pa.string(), "lifecycle evidence from the source (Status value) or null"),
    ("last_seen_at", TS, "the source's own last check-in / change time"),
    ("enrolled_at", TS, "enrolment / first-added time at the source"),
    ("location", pa.string(), "site or location name"),
    ("cost_center", pa.string(), "cost centre code"),
    ("purchase_date", pa.date32(), "purchase date"),
    ("purchase_cost", pa.float64(), "purchase cost in `currency`, rounded to cents"),
    ("currency", pa.string(), "ISO 4217 currency code"),
    ("warranty_end", pa.date32(), "warranty end date"),
    ("supplier", pa.string(), "supplier / reseller"),
    ("order_number", pa.string(), "purchase order number"),
    ("storage_total_bytes", pa.int64(), "total storage in bytes"),
    ("storage_free_bytes", pa.int64(), "free storage in bytes"),
    ("quarantine_reason", pa.string(), "reason code when the record cannot be used; null when usable"),
]
NORMALIZED_SCHEMA = pa.schema([pa.field(n, t) for n, t, _ in NORMALIZED_COLUMNS])

GOLDEN_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("asset_id", pa.string(), "stable id of the physical asset; never reused"),
    ("asset_tag", pa.string(), "organisation asset tag"),
    ("serial_number", pa.string(), "hardware serial number"),
    ("manufacturer", pa.string(), "canonical manufacturer"),
    ("model", pa.string(), "model name"),
    ("hostname", pa.string(), "current short host name"),
    ("asset_type", pa.string(), "asset-type taxonomy value"),
    ("is_virtual", pa.bool_(), "virtual machine"),
    ("primary_user", pa.string(), "primary user (UPN / e-mail)"),
    ("status", pa.string(), "lifecycle status"),
    ("os", pa.string(), "operating system family"),
    ("os_version", pa.string(), "operating system version"),
    ("imei", pa.string(), "IMEI (mobile devices)"),
    ("uuid", pa.string(), "SMBIOS / hardware UUID"),
    ("azure_ad_device_id", pa.string(), "Entra device id"),
    ("mac_address", pa.string(), "primary burned-in MAC"),
    ("location", pa.string(), "site or location"),
    ("cost_center", pa.string(), "cost centre"),
    ("purchase_date", pa.date32(), "purchase date"),
    ("purchase_cost", pa.float64(), "purchase cost"),
    ("currency", pa.string(), "currency of purchase_cost"),
    ("warranty_end", pa.date32(), "warranty end date"),
    ("supplier", pa.string(), "supplier"),
    ("order_number", pa.string(), "purchase order number"),
    ("storage_total_bytes", pa.int64(), "total storage in bytes"),
    ("storage_free_bytes", pa.int64(), "free storage in bytes"),
    ("first_seen_at", TS, "earliest time any source saw the asset"),
    ("last_seen_at", TS, "latest time any source saw the asset"),
]
GOLDEN_SCHEMA = pa.schema([pa.field(n, t) for n, t, _ in GOLDEN_COLUMNS])

# Attributes decided by survivorship (everything except ids, status and seen-times).
SURVIVOR_ATTRIBUTES: tuple[str, ...] = tuple(
    n for n, _, _ in GOLDEN_COLUMNS if n not in {"asset_id", "status", "first_seen_at", "last_seen_at"}
)


def pandas_dtypes(schema: pa.Schema) -> dict[str, object]:
    """pandas dtypes for an Arrow schema (nullable extension types, UTC timestamps)."""
    mapping: dict[str, object] = {}
    for f in schema:
        t = f.type
        if pa.types.is_string(t):
            mapping[f.name] = pd.StringDtype()
        elif pa.types.is_boolean(t):
            mapping[f.name] = pd.BooleanDtype()
        elif pa.types.is_int64(t):
            mapping[f.name] = pd.Int64Dtype()
        elif pa.types.is_float64(t):
            mapping[f.name] = pd.Float64Dtype()
        elif pa.types.is_timestamp(t):
            mapping[f.name] = pd.DatetimeTZDtype("us", "UTC")
        elif pa.types.is_date32(t):
            mapping[f.name] = "datetime64[s]"  # dates travel as midnight datetimes in pandas
        else:  # pragma: no cover - every declared type is handled above
            raise TypeError(f"no pandas dtype for {t}")
    return mapping


def empty_frame(schema: pa.Schema) -> pd.DataFrame:
    """An empty DataFrame with the schema's columns and dtypes."""
    return pd.DataFrame({n: pd.Series(dtype=d) for n, d in pandas_dtypes(schema).items()})


def conform(df: pd.DataFrame, schema: pa.Schema, *, keep_categories: bool = False) -> pd.DataFrame:
    """Return ``df`` with exactly the schema's columns, in order, cast to the declared dtypes.

    Missing columns are added as nulls; extra columns are dropped. With ``keep_categories``
    a categorical column declared as text stays categorical (its categories become text):
    the same values, without decoding millions of rows that repeat a few values.
    """
    out = {}
    dtypes = pandas_dtypes(schema)
    for name, dtype in dtypes.items():
        col = df[name] if name in df.columns else pd.Series(pd.NA, index=df.index)
        if dtype == "datetime64[s]":
            col = pd.to_datetime(col, errors="coerce").astype("datetime64[s]")
        elif isinstance(dtype, pd.DatetimeTZDtype):
            col = pd.to_datetime(col, errors="coerce", utc=True).astype(dtype)
        elif isinstance(dtype, pd.StringDtype) and isinstance(col.dtype, pd.CategoricalDtype):
            col = _text_categories(col) if keep_categories else _categorical_as_string(col)
        else:
            col = col.astype(dtype)
        out[name] = col
    return pd.DataFrame(out, index=df.index)


def _text_categories(col: pd.Series) -> pd.Series:
    """A categorical column whose categories are text (decoded when that would merge two)."""
    categories = col.cat.categories
    if isinstance(categories.dtype, pd.StringDtype):
        return col
    text = categories.astype("string")
    if not text.is_unique:  # e.g. 1 and "1": only decoding keeps them apart correctly
        return _categorical_as_string(col)
    return col.cat.rename_categories(text)


def _categorical_as_string(col: pd.Series) -> pd.Series:
    """A categorical column as Arrow-backed strings, decoded in C.

    ``astype("string")`` on a categorical materialises a Python object per row; decoding
    the codes against the (few) categories with Arrow is several times faster.
    """
    codes = col.cat.codes.to_numpy()
    categories = pa.array(col.cat.categories.astype("string"), type=pa.large_string())
    encoded = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), categories)
    return pd.Series(pd.arrays.ArrowStringArray(encoded.dictionary_decode()), index=col.index, name=col.name)

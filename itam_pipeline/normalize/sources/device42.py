"""Device42 (``/api/1.0/devices/all/`` device) -> staging.

| Device42 field                                 | staging column                        | note                     |
|------------------------------------------------|---------------------------------------|--------------------------|
| serial_no                                      | serial                                | null and ``""`` both occur |
| asset_no                                       | asset_tag                             |                          |
| name                                           | hostname                              | ``aliases`` are ignored  |
| uuid                                           | uuid                                  | upper or lower case      |
| mac_addresses[].mac, ip_addresses[].macaddress | MAC (long form)                       |                          |
| manufacturer, hw_model                         | manufacturer, model                   |                          |
| os, osver (else osverno)                       | os, os_version                        |                          |
| type, device_sub_type                          | type_kind, type_sub                   | asset-type inference     |
| type = virtual                                 | source_virtual                        |                          |
| custom_fields Owner                            | primary_user                          |                          |
| building (else location)                       | location                              |                          |
| last_updated                                   | last_seen_at                          | record change, not a check-in |
| in_service = false                             | lifecycle_hint                        | ``out_of_service``       |
| device_purchase_line_items                     | purchase_date, purchase_cost, order_number, warranty_end, cost_center | see below |

Cost centre: a purchase line's ``line_cost_center`` is a real cost-centre code and wins; then a
custom field named like "Cost Center"; ``customer`` (a department or tenant, not a cost centre
code) is the last resort so department-level reporting still works.

Purchase lines: the purchase line is the first line that is not a ``Contract`` (else the first
line): it gives ``purchase_date`` (line_start_date), ``purchase_cost`` (line_cost) and
``order_number`` (purchase_order_no). ``warranty_end`` is the latest ``line_end_date`` of lines
whose ``line_contract_type`` mentions warranty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from itam_pipeline.normalize.dates import DEVICE42_FORMATS, parse_dates, parse_timestamps
from itam_pipeline.normalize.lifecycle import device42_hints
from itam_pipeline.normalize.payloads import Extracted, Field, Records
from itam_pipeline.normalize.sources.base import Staging, staging_frame
from itam_pipeline.normalize.text import clean, collapse_spaces, first_present, from_arrow

_PURCHASE_LINE = Records(
    {
        "line_type": Field.TEXT,
        "line_contract_type": Field.TEXT,
        "line_start_date": Field.TEXT,
        "line_end_date": Field.TEXT,
        "line_cost": Field.NUMBER,
        "line_cost_center": Field.TEXT,
        "purchase_order_no": Field.TEXT,
    }
)
FIELDS = {
    "serial_no": Field.TEXT,
    "asset_no": Field.TEXT,
    "name": Field.TEXT,
    "uuid": Field.TEXT,
    "manufacturer": Field.TEXT,
    "hw_model": Field.TEXT,
    "os": Field.TEXT,
    "osver": Field.TEXT,
    "osverno": Field.TEXT,
    "type": Field.TEXT,
    "device_sub_type": Field.TEXT,
    "customer": Field.TEXT,
    "building": Field.TEXT,
    "location": Field.TEXT,
    "last_updated": Field.TEXT,
    "in_service": Field.FLAG,
    "mac_addresses": Records({"mac": Field.TEXT}),
    "ip_addresses": Records({"macaddress": Field.TEXT}),
    "custom_fields": Records({"key": Field.TEXT, "value": Field.TEXT}),
    "device_purchase_line_items": _PURCHASE_LINE,
}

# Custom-field names (compared lowercase, spaces collapsed), most specific first.
_OWNER_KEYS = ("owner", "primary user", "assigned to", "assignee", "user")
_COST_CENTER_KEYS = ("cost center", "cost centre", "costcenter", "cost_center", "cost centre code")


def stage(data: Extracted) -> Staging:
    """Map extracted Device42 fields to staging columns."""
    text = data.text
    size = len(text("name"))
    custom = data.records("custom_fields")
    purchase = _purchase_lines(data.records("device_purchase_line_items"), size)
    frame = staging_frame(
        size,
        serial=text("serial_no"),
        asset_tag=text("asset_no"),
        hostname=text("name"),
        uuid=text("uuid"),
        manufacturer=text("manufacturer"),
        model=text("hw_model"),
        os=text("os"),
        os_version=first_present([clean(text("osver")), clean(text("osverno"))]),
        primary_user=_custom_field(custom, _OWNER_KEYS, size),
        location=first_present([clean(text("building")), clean(text("location"))]),
        cost_center=first_present(
            [purchase["cost_center"], _custom_field(custom, _COST_CENTER_KEYS, size), clean(text("customer"))]
        ),
        last_seen_at=parse_timestamps(text("last_updated"), DEVICE42_FORMATS),
        lifecycle_hint=device42_hints(text("in_service")),
        purchase_date=parse_dates(purchase["purchase_date"], DEVICE42_FORMATS),
        purchase_cost=purchase["purchase_cost"],
        order_number=purchase["order_number"],
        warranty_end=purchase["warranty_end"],
        source_virtual=(text("type").str.lower() == "virtual").fillna(False),
        type_kind=text("type"),
        type_sub=text("device_sub_type"),
        type_os=text("os"),
        type_model=text("hw_model"),
    )
    ports, addresses = _items(data.records("mac_addresses")), _items(data.records("ip_addresses"))
    owner = np.concatenate([ports["owner"].to_numpy(), addresses["owner"].to_numpy()])
    macs = pd.concat([ports["mac"], addresses["macaddress"]], ignore_index=True)
    return Staging(frame, owner, macs)


def _items(lists: pa.Array) -> pd.DataFrame:
    """One row per list item: ``owner`` (record position) plus the item's fields as text/numbers."""
    items = pc.list_flatten(lists)
    frame = {"owner": pc.list_parent_indices(lists).to_numpy()}
    for index in range(items.type.num_fields):
        name, column = items.type.field(index).name, items.field(index)
        if pa.types.is_floating(column.type):
            frame[name] = column.to_numpy(zero_copy_only=False)
        else:
            frame[name] = from_arrow(column, pd.RangeIndex(len(column)))
    return pd.DataFrame(frame)


def _per_record(values: pd.Series, owner: pd.Series, size: int) -> pd.Series:
    """Scatter one value per owner (already unique) onto record positions 0..size-1."""
    return values.set_axis(owner.to_numpy()).reindex(pd.RangeIndex(size))


def _custom_field(lists: pa.Array, keys: tuple[str, ...], size: int) -> pd.Series:
    """Per record, the value of the first custom field named like one of ``keys`` (in key order)."""
    items = _items(lists)
    ranks = {key: rank for rank, key in enumerate(keys)}
    items["rank"] = collapse_spaces(items["key"].str.lower()).str.strip().map(ranks)
    items["value"] = clean(items["value"])
    chosen = items.dropna(subset=["rank", "value"]).sort_values(["owner", "rank"], kind="stable")
    chosen = chosen.drop_duplicates("owner")
    return _per_record(chosen["value"], chosen["owner"], size)


def _purchase_lines(lists: pa.Array, size: int) -> dict[str, pd.Series]:
    """Purchase facts per record from its purchase line items (see the module docstring)."""
    items = _items(lists)
    items["position"] = np.arange(len(items))
    items["contract"] = items["line_type"].str.lower().eq("contract").fillna(False)
    purchase = items.sort_values(["owner", "contract", "position"], kind="stable").drop_duplicates("owner")
    warranty = items[items["line_contract_type"].str.lower().str.contains("warranty").fillna(False)]
    ends = parse_dates(warranty["line_end_date"], DEVICE42_FORMATS)
    latest_end = ends.groupby(warranty["owner"].to_numpy()).max()
    return {
        "purchase_date": _per_record(purchase["line_start_date"], purchase["owner"], size),
        "purchase_cost": _per_record(
            purchase["line_cost"].astype("Float64").astype("string"), purchase["owner"], size
        ),
        "order_number": _per_record(clean(purchase["purchase_order_no"]), purchase["owner"], size),
        "cost_center": _per_record(clean(purchase["line_cost_center"]), purchase["owner"], size),
        "warranty_end": latest_end.reindex(pd.RangeIndex(size)),
    }

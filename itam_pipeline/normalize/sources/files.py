"""File drops (standard import template) -> staging. Every ``file:<feed>`` uses this mapper.

The file connector has already mapped each feed's columns to the standard template, converted
dates to ISO ``YYYY-MM-DD`` and costs to plain decimal text, so the mapping is 1:1:

``asset_tag, serial_number, hostname, asset_type, manufacturer, model, primary_user, status,
location, cost_center, purchase_date, purchase_cost, currency, warranty_end, supplier,
order_number``

Optional extra columns a feed may map to: ``mac_address`` (several separated by ``;``, ``,``
or spaces), ``imei``, ``uuid``, ``os``, ``os_version``.
"""

from __future__ import annotations

import numpy as np

from connectors.file_drop.templates import STANDARD_COLUMNS
from itam_pipeline.normalize.dates import FILE_FORMATS, parse_dates
from itam_pipeline.normalize.lifecycle import file_hints
from itam_pipeline.normalize.payloads import Extracted, Field
from itam_pipeline.normalize.sources.base import Staging, staging_frame
from itam_pipeline.normalize.text import STRING, clean

# One declaration of the template: the connector that reads the files owns it.
TEMPLATE_COLUMNS = STANDARD_COLUMNS
OPTIONAL_COLUMNS = ("mac_address", "imei", "uuid", "os", "os_version")
FIELDS = {name: Field.TEXT for name in (*TEMPLATE_COLUMNS, *OPTIONAL_COLUMNS)}

_MAC_LIST_SEPARATORS = r"[;,| ]+"


def stage(data: Extracted) -> Staging:
    """Map extracted template columns to staging columns."""
    text = data.text
    currency = clean(text("currency")).str.upper()
    frame = staging_frame(
        len(currency),
        asset_tag=text("asset_tag"),
        serial=text("serial_number"),
        hostname=text("hostname"),
        manufacturer=text("manufacturer"),
        model=text("model"),
        primary_user=text("primary_user"),
        location=clean(text("location")),
        cost_center=clean(text("cost_center")),
        purchase_date=parse_dates(text("purchase_date"), FILE_FORMATS),
        purchase_cost=text("purchase_cost"),
        currency=currency.where(currency.str.fullmatch("[A-Z]{3}").fillna(False)),
        warranty_end=parse_dates(text("warranty_end"), FILE_FORMATS),
        supplier=clean(text("supplier")),
        order_number=clean(text("order_number")),
        lifecycle_hint=file_hints(text("status")),
        imei=text("imei"),
        uuid=text("uuid"),
        os=text("os"),
        os_version=clean(text("os_version")),
        type_kind=text("asset_type"),
        type_os=text("os"),
        type_model=text("model"),
    )
    macs = clean(text("mac_address")).str.split(_MAC_LIST_SEPARATORS, regex=True).explode()
    macs = macs[macs.notna() & (macs != "")]
    owner = macs.index.to_numpy(dtype=np.int64)
    return Staging(frame, owner, macs.reset_index(drop=True).astype(STRING))

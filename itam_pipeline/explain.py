"""``itam-pipeline explain``: an asset, its source records, why each was linked, where each
attribute came from, and its status history — as plain text for a terminal or a ticket."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


def find_asset_ids(conn: Connection, query: str) -> list[str]:
    """Asset ids matching an asset id, a serial number (any formatting) or a host name."""
    q = query.strip()
    serial_key = "".join(ch for ch in q.upper() if ch not in " -_.:")
    hits = conn.execute(
        sa.text(
            "SELECT asset_id FROM assets WHERE asset_id = :q OR upper(serial_number) = :u OR lower(hostname) = :l "
            "UNION SELECT asset_id FROM asset_identifiers "
            "WHERE (id_type = 'serial_key' AND id_value = :k) OR (id_type = 'hostname' AND id_value = :l)"
        ),
        {"q": q, "u": q.upper(), "l": q.lower().split(".")[0], "k": serial_key},
    )
    return sorted({row[0] for row in hits})


def explain(engine: Engine, query: str) -> str | None:
    with engine.connect() as conn:
        ids = find_asset_ids(conn, query)
        if not ids:
            return None
        return "\n\n".join(_explain_one(conn, asset_id) for asset_id in ids)


def _rows(conn: Connection, sql: str, **params: object) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def _explain_one(conn: Connection, asset_id: str) -> str:
    asset = _rows(conn, "SELECT * FROM assets WHERE asset_id = :a", a=asset_id)[0]
    lines = [f"asset {asset_id}"]
    for key in ("status", "asset_type", "manufacturer", "model", "serial_number", "hostname", "primary_user",
                "asset_tag", "imei", "location", "cost_center", "purchase_date", "purchase_cost", "currency",
                "warranty_end", "first_seen_at", "last_seen_at"):  # fmt: skip
        if asset.get(key) not in (None, ""):
            lines.append(f"  {key:<14} {asset[key]}")

    provenance = {
        r["attribute"]: r
        for r in _rows(conn, "SELECT * FROM asset_attribute_provenance WHERE asset_id = :a", a=asset_id)
    }
    if provenance:
        lines.append("\nwhere each attribute came from")
        for attribute, r in sorted(provenance.items()):
            lines.append(
                f"  {attribute:<20} {r['source']}:{r['source_record_id']} (observed {r['observed_at']}, {r['rule']})"
            )

    links = _rows(
        conn,
        "SELECT * FROM asset_source_records WHERE asset_id = :a ORDER BY source, last_seen_at",
        a=asset_id,
    )
    lines.append(f"\nsource records ({len(links)})")
    for r in links:
        flag = " [superseded]" if r.get("superseded") else ""
        lines.append(
            f"  {r['source']}:{r['source_record_id']}{flag}  linked by {r['rule']}"
            + (f" on {r['matched_key']}={r['matched_value']}" if r.get("matched_key") else "")
            + f"  (last seen {r['last_seen_at']})"
        )
        evidence = _evidence(r.get("evidence"))
        if evidence:
            lines.append(f"      shared identifiers: {evidence}")

    history = _rows(
        conn, "SELECT * FROM asset_status_history WHERE asset_id = :a ORDER BY valid_from", a=asset_id
    )
    if history:
        lines.append("\nstatus history")
        for r in history:
            until = r["valid_to"] or "now"
            lines.append(f"  {r['status']:<10} {r['valid_from']} -> {until}  ({r.get('reason') or ''})")

    decisions = _rows(
        conn,
        "SELECT * FROM match_decisions WHERE asset_id = :a OR other_asset_id = :a ORDER BY decided_at",
        a=asset_id,
    )
    if decisions:
        lines.append("\nmatch decisions")
        for r in decisions:
            lines.append(
                f"  {r['decision']} {r.get('record_key') or r.get('other_asset_id') or ''} {r.get('detail') or ''}"
            )
    return "\n".join(lines)


def _evidence(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)
    if isinstance(data, dict):
        return ", ".join(f"{k}={v}" for k, v in data.items())
    if isinstance(data, list):
        return ", ".join(str(x) for x in data)
    return str(data)

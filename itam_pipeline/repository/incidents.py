"""Service-desk incidents: store them and link each to the asset it is about.

Identifiers on a ticket are typed by people, so they are normalized with the same rules as
source records (``itam_pipeline.normalize``) and looked up in ``asset_identifiers``. Rules
are tried strongest first, and a rule only links when its value points at exactly one asset:

1. ``asset_tag``  - the tag as normalized on source records (uppercase, spaces collapsed);
2. ``serial_key`` - the serial with separators removed;
3. ``hostname``   - the short host name, lowercase;
4. ``user``       - the affected user, when they have exactly one asset in the fleet.

An incident that matches nothing (or only ambiguous values) is stored unlinked and reported.
Loading the same incident again replaces it and its link.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
from sqlalchemy.engine import Connection, Engine

from connectors.file_drop.templates import INCIDENT_COLUMNS
from itam_pipeline.repository import tables as t
from itam_pipeline.repository.bulk import copy_rows, delete_matching, read_matching
from itam_pipeline.repository.codec import table_schema, to_arrow
from itam_pipeline.repository.diff import RETIRED_STATUSES
from itam_pipeline.repository.errors import PlanIntegrityError
from itam_pipeline.repository.hashing import isin
from itam_pipeline.repository.lock import DEFAULT_LOCK_TIMEOUT_S, write_transaction
from itam_pipeline.repository.runs import utc_now

# The incidents feed template is declared once, by the connector that reads the files.
# Identifier rules in order of strength: (rule name, asset_identifiers.id_type or None for users).
RULES = (("asset_tag", "asset_tag"), ("serial_key", "serial_key"), ("hostname", "hostname"), ("user", None))
_IDENTIFIER_MATCH = table_schema(t.asset_identifiers, ("id_type", "id_value", "asset_id"))
_USER_MATCH = table_schema(t.assets, ("primary_user", "asset_id"))


@dataclass
class IncidentResult:
    """Outcome of loading a batch of incidents."""

    run_id: str
    incidents: int  # incidents stored (new or replaced)
    linked: int  # incidents linked to an asset
    links_by_rule: dict[str, int] = field(default_factory=dict)
    unlinked_ids: list[str] = field(default_factory=list)

    @property
    def unlinked(self) -> int:
        return len(self.unlinked_ids)

    def summary_text(self) -> str:
        """One line for logs."""
        rules = ", ".join(f"{k} {v}" for k, v in self.links_by_rule.items()) or "none"
        sample = ", ".join(self.unlinked_ids[:5]) + (" ..." if self.unlinked > 5 else "")
        text = f"incidents: {self.incidents} stored, {self.linked} linked ({rules}), {self.unlinked} unlinked"
        return text + (f": {sample}" if self.unlinked else "")


def link_incidents(
    engine: Engine, incidents: pd.DataFrame, run_id: str, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> IncidentResult:
    """Store ``incidents`` (columns ``INCIDENT_COLUMNS``) and link them to assets, in one transaction."""
    frame = _prepare(incidents)
    keys = _match_keys(frame)
    with write_transaction(engine, timeout_s=lock_timeout_s) as conn:
        links = _find_links(conn, keys)
        _store(conn, frame, links, run_id)
    linked_ids = set(links["incident_id"])
    return IncidentResult(
        run_id=run_id,
        incidents=len(frame),
        linked=len(linked_ids),
        links_by_rule={
            rule: int((links["rule"] == rule).sum()) for rule, _ in RULES if (links["rule"] == rule).any()
        },
        unlinked_ids=sorted(set(frame["incident_id"]) - linked_ids),
    )


def _prepare(incidents: pd.DataFrame) -> pd.DataFrame:
    frame = incidents.reindex(columns=list(INCIDENT_COLUMNS)).copy()
    frame["incident_id"] = frame["incident_id"].astype("string").str.strip()
    missing = int(frame["incident_id"].isna().sum() + (frame["incident_id"] == "").sum())
    if missing:
        raise PlanIntegrityError(f"incidents: {missing} rows have no incident_id")
    for column in ("opened_at", "closed_at"):
        frame[column] = pd.to_datetime(frame[column], errors="coerce", utc=True)
    # A feed may repeat a ticket as it changes: the last row is the current state.
    return frame.drop_duplicates("incident_id", keep="last").reset_index(drop=True)


def _match_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """One column per rule with the ticket's normalized value (null when absent or generic)."""
    # Imported here, not at module level: the repository core must stay importable (and
    # testable) on its own; only incident linking needs the normalization rules.
    from itam_pipeline.normalize import (
        canonical_serials,
        normalize_asset_tags,
        normalize_hostnames,
        normalize_upns,
        serial_keys,
    )

    return pd.DataFrame(
        {
            "incident_id": frame["incident_id"],
            "asset_tag": normalize_asset_tags(frame["asset_tag"]),
            "serial_key": serial_keys(canonical_serials(frame["serial_number"].astype("string"))),
            "hostname": normalize_hostnames(frame["hostname"])["hostname"],
            "user": normalize_upns(frame["user"]),
        }
    )


def _find_links(conn: Connection, keys: pd.DataFrame) -> pd.DataFrame:
    """incident_id, asset_id, rule: the strongest rule whose value identifies exactly one asset."""
    owners = pd.concat([_identifier_owners(conn, keys), _user_owners(conn, keys["user"])], ignore_index=True)
    found = []
    pending = keys
    for rule, _ in RULES:
        values = pending[["incident_id", rule]].dropna().rename(columns={rule: "value"})
        matched = values.merge(owners.loc[owners["rule"] == rule], on="value", how="inner")
        found.append(matched[["incident_id", "asset_id", "rule"]])
        pending = pending.loc[~isin(pending["incident_id"], matched["incident_id"])]
    return pd.concat(found, ignore_index=True)


def _identifier_owners(conn: Connection, keys: pd.DataFrame) -> pd.DataFrame:
    """rule, value, asset_id for identifier values on the tickets that belong to one asset only."""
    values = pd.concat([keys[rule] for rule, id_type in RULES if id_type]).dropna().drop_duplicates()
    lookup = to_arrow(pd.DataFrame({"id_value": values}), pa.schema([_IDENTIFIER_MATCH.field("id_value")]))
    id_types = ", ".join(f"'{id_type}'" for _, id_type in RULES if id_type)
    rows = read_matching(
        conn, "asset_identifiers", "id_value", lookup, _IDENTIFIER_MATCH, f"t.id_type IN ({id_types})"
    )
    rows = rows.drop_duplicates(["id_type", "id_value", "asset_id"])
    unique = rows.groupby(["id_type", "id_value"])["asset_id"].transform("size") == 1
    rows = rows.loc[unique.to_numpy(dtype=bool)]
    return pd.DataFrame({"rule": rows["id_type"], "value": rows["id_value"], "asset_id": rows["asset_id"]})


def _user_owners(conn: Connection, users: pd.Series) -> pd.DataFrame:
    """rule 'user', value, asset_id for ticket users with exactly one asset in the fleet."""
    lookup = to_arrow(
        pd.DataFrame({"primary_user": users.dropna().drop_duplicates()}),
        pa.schema([_USER_MATCH.field("primary_user")]),
    )
    retired = ", ".join(f"'{s}'" for s in RETIRED_STATUSES)
    rows = read_matching(conn, "assets", "primary_user", lookup, _USER_MATCH, f"t.status NOT IN ({retired})")
    unique = rows.groupby("primary_user")["asset_id"].transform("size") == 1
    rows = rows.loc[unique.to_numpy(dtype=bool)]
    return pd.DataFrame({"rule": "user", "value": rows["primary_user"], "asset_id": rows["asset_id"]})


def _store(conn: Connection, frame: pd.DataFrame, links: pd.DataFrame, run_id: str) -> None:
    ids = to_arrow(frame[["incident_id"]], table_schema(t.incidents, ("incident_id",)))
    delete_matching(conn, "incident_links", "incident_id", ids)
    delete_matching(conn, "incidents", "incident_id", ids)
    stored = frame.rename(columns={"user": "user_name"}).assign(run_id=run_id, loaded_at=utc_now())
    columns = (*(c if c != "user" else "user_name" for c in INCIDENT_COLUMNS), "run_id", "loaded_at")
    copy_rows(conn, "incidents", to_arrow(stored, table_schema(t.incidents, columns)))
    link_columns = ("incident_id", "asset_id", "rule", "run_id")
    copy_rows(
        conn,
        "incident_links",
        to_arrow(links.assign(run_id=run_id), table_schema(t.incident_links, link_columns)),
    )

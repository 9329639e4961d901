"""The repository schema (SQLAlchemy Core), identical on PostgreSQL and SQLite.

Column comments carry the meaning of every column; PostgreSQL stores them in the catalog
(``\\d+ assets`` in psql), and ``docs/analysts.md`` repeats them for analysts. Golden
columns take their descriptions from ``itam_pipeline.schema.GOLDEN_COLUMNS`` so the meaning
is written once.

The bulk tables (source records, provenance, identifiers, history) carry no foreign keys
to ``assets``: a foreign-key trigger per row makes a 1,000,000-row COPY five times slower.
``apply_plan`` checks references for the whole plan before it writes instead, and assets
are never deleted, so a reference can never dangle later. Low-volume tables written by
people (overrides, incident links) keep real foreign keys.
"""

from __future__ import annotations

import pyarrow as pa
import sqlalchemy as sa

from itam_pipeline.schema import GOLDEN_COLUMNS, Status

metadata = sa.MetaData()

# Integer surrogate keys: BIGINT identity on PostgreSQL; SQLite only auto-increments a
# column declared exactly INTEGER PRIMARY KEY.
SurrogateKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
Money = sa.Numeric(14, 2, asdecimal=False)

STATUS_VALUES = tuple(s.value for s in Status)
RUN_STATUSES = ("running", "succeeded", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def golden_type(name: str, arrow_type: pa.DataType) -> sa.types.TypeEngine:
    """The repository's column type for a golden attribute."""
    if name == "purchase_cost":
        return Money
    if pa.types.is_boolean(arrow_type):
        return sa.Boolean()
    if pa.types.is_int64(arrow_type):
        return sa.BigInteger()
    if pa.types.is_date32(arrow_type):
        return sa.Date()
    if pa.types.is_timestamp(arrow_type):
        return Timestamp
    return sa.Text()


def _golden_columns() -> list[sa.Column]:
    columns = []
    for name, arrow_type, description in GOLDEN_COLUMNS:
        key = name == "asset_id"
        columns.append(
            sa.Column(
                name,
                golden_type(name, arrow_type),
                primary_key=key,
                nullable=not key and name != "status",
                comment=description,
            )
        )
    return columns


def _run_columns() -> list[sa.Column]:
    """Who wrote a row and when (the pipeline run ids and wall-clock times)."""
    return [
        sa.Column("created_run_id", sa.Text, nullable=False, comment="run that inserted the row"),
        sa.Column(
            "updated_run_id", sa.Text, nullable=False, comment="run that last changed the row's values"
        ),
        sa.Column("created_at", Timestamp, nullable=False, comment="when the row was inserted (UTC)"),
        sa.Column(
            "updated_at", Timestamp, nullable=False, comment="when the row's values last changed (UTC)"
        ),
    ]


def _row_hash() -> sa.Column:
    return sa.Column(
        "row_hash",
        sa.BigInteger,
        nullable=False,
        comment="hash of the row's values, computed by the pipeline to write only rows that changed",
    )


assets = sa.Table(
    "assets",
    metadata,
    *_golden_columns(),
    sa.Column(
        "depreciation_method",
        sa.Text,
        nullable=False,
        server_default="straight_line",
        comment="depreciation method for book value (straight_line)",
    ),
    sa.Column(
        "useful_life_months",
        sa.Integer,
        comment="useful life for depreciation in months; default per asset type, null = not depreciated",
    ),
    _row_hash(),
    # Fingerprints of the asset's child-row sets: a run rewrites an asset's provenance,
    # identifiers or relationships only when the plan's set hash differs from these.
    sa.Column(
        "provenance_hash",
        sa.BigInteger,
        nullable=False,
        server_default="0",
        comment="hash of the provenance rows",
    ),
    sa.Column(
        "identifier_hash",
        sa.BigInteger,
        nullable=False,
        server_default="0",
        comment="hash of the identifier rows",
    ),
    sa.Column(
        "relationship_hash",
        sa.BigInteger,
        nullable=False,
        server_default="0",
        comment="hash of the open relationships",
    ),
    *_run_columns(),
    sa.CheckConstraint(_in("status", STATUS_VALUES), name="ck_assets_status"),
    comment="One row per reconciled physical asset (the golden record). Never deleted: retired assets stay.",
)

asset_source_records = sa.Table(
    "asset_source_records",
    metadata,
    sa.Column("record_key", sa.Text, primary_key=True, comment="source + '|' + source_record_id"),
    sa.Column("source", sa.Text, nullable=False, comment="intune, device42, miradore or file:<feed>"),
    sa.Column("source_record_id", sa.Text, nullable=False, comment="the source's native id as text"),
    sa.Column("asset_id", sa.Text, nullable=False, comment="golden asset the record is linked to"),
    sa.Column(
        "rule",
        sa.Text,
        comment="identifier rule that linked the record (native_id, serial, imei, uuid, ..., new)",
    ),
    sa.Column("matched_key", sa.Text, comment="identifier type that matched (e.g. serial_key)"),
    sa.Column("matched_value", sa.Text, comment="the normalized value that matched"),
    sa.Column("evidence", sa.Text, comment="JSON: every identifier the record shares with its asset"),
    sa.Column(
        "superseded",
        sa.Boolean,
        nullable=False,
        server_default=sa.false(),
        comment="an older native record of the same hardware in the same source (reimage, re-enrolment)",
    ),
    sa.Column("first_seen_at", Timestamp, comment="source timestamp of enrolment / first addition"),
    sa.Column("last_seen_at", Timestamp, comment="the source's own last-seen time"),
    sa.Column(
        "present_in_last_complete",
        sa.Boolean,
        comment="present in the source's latest complete extraction",
    ),
    _row_hash(),
    *_run_columns(),
    sa.UniqueConstraint("source", "source_record_id", name="uq_asset_source_records_source_id"),
    sa.Index("ix_asset_source_records_asset_id", "asset_id"),
    comment="Every source record ever seen and the golden asset it is linked to (identity links).",
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("id", SurrogateKey, primary_key=True, autoincrement=True, comment="row id"),
    sa.Column("run_id", sa.Text, nullable=False, comment="run that rejected the record"),
    sa.Column("source", sa.Text, nullable=False, comment="source of the record"),
    sa.Column("source_record_id", sa.Text, comment="the source's native id, null when it had none"),
    sa.Column("origin", sa.Text, comment="where a human finds the record (file name and row number)"),
    sa.Column("reason", sa.Text, nullable=False, comment="reason code (e.g. no_identifier, multi_match)"),
    sa.Column("detail", sa.Text, comment="human-readable detail"),
    sa.Column("payload", sa.Text, comment="JSON text of the record as the source delivered it"),
    sa.Column("quarantined_at", Timestamp, nullable=False, comment="when the run rejected it (UTC)"),
    sa.Index("ix_quarantine_run_id", "run_id"),
    sa.Index("ix_quarantine_source", "source", "source_record_id"),
    comment="Records that could not be used, with the reason. Appended per run, never silently dropped.",
)

asset_attribute_provenance = sa.Table(
    "asset_attribute_provenance",
    metadata,
    sa.Column("asset_id", sa.Text, primary_key=True, comment="the asset"),
    sa.Column("attribute", sa.Text, primary_key=True, comment="golden column name"),
    sa.Column("source", sa.Text, comment="source that supplied the current value (or manual)"),
    sa.Column("source_record_id", sa.Text, comment="record that supplied it"),
    sa.Column("observed_at", Timestamp, comment="the source's timestamp of the value"),
    sa.Column("rule", sa.Text, comment="survivorship rule that chose it (precedence, recency, override)"),
    sa.Column("run_id", sa.Text, nullable=False, comment="run that wrote this provenance row"),
    comment="Where each golden attribute's current value came from.",
)

asset_identifiers = sa.Table(
    "asset_identifiers",
    metadata,
    sa.Column("asset_id", sa.Text, primary_key=True, comment="the asset"),
    sa.Column(
        "id_type",
        sa.Text,
        primary_key=True,
        comment="serial_key, asset_tag, imei, uuid, azure_ad_device_id, mac or hostname",
    ),
    sa.Column(
        "id_value",
        sa.Text,
        primary_key=True,
        comment="normalized value: serial/tag uppercase without separators, hostname lowercase",
    ),
    sa.Column("source", sa.Text, primary_key=True, comment="source that reported the value"),
    sa.Index("ix_asset_identifiers_value", "id_type", "id_value"),
    comment="Every identifier value known for an asset (used for matching, lookups and incident linking).",
)

match_decisions = sa.Table(
    "match_decisions",
    metadata,
    sa.Column("id", SurrogateKey, primary_key=True, autoincrement=True, comment="row id"),
    sa.Column("run_id", sa.Text, nullable=False, comment="run that decided"),
    sa.Column(
        "decision", sa.Text, nullable=False, comment="merge, split, multi_match, cannot_link, supersede ..."
    ),
    sa.Column("asset_id", sa.Text, comment="asset the decision is about (the survivor of a merge)"),
    sa.Column("other_asset_id", sa.Text, comment="the other asset (absorbed by a merge, or the competitor)"),
    sa.Column("record_key", sa.Text, comment="source record involved"),
    sa.Column("rule", sa.Text, comment="identifier rule behind the decision"),
    sa.Column("detail", sa.Text, comment="human-readable detail or JSON evidence"),
    sa.Column("decided_at", Timestamp, nullable=False, comment="when (UTC)"),
    sa.Index("ix_match_decisions_asset_id", "asset_id"),
    sa.Index("ix_match_decisions_other_asset_id", "other_asset_id"),
    comment="Merge log: every identity decision worth auditing, appended per run.",
)

asset_status_history = sa.Table(
    "asset_status_history",
    metadata,
    sa.Column("id", SurrogateKey, primary_key=True, autoincrement=True, comment="row id"),
    sa.Column("asset_id", sa.Text, nullable=False, comment="the asset"),
    sa.Column("status", sa.Text, nullable=False, comment="lifecycle status during the period"),
    sa.Column("valid_from", Timestamp, nullable=False, comment="start of the period (UTC)"),
    sa.Column("valid_to", Timestamp, comment="end of the period; null = current status"),
    sa.Column("reason", sa.Text, comment="why the status changed (rule or signal)"),
    sa.Column("evidence", sa.Text, comment="JSON evidence of the change (source, event, timestamps)"),
    sa.Column("run_id", sa.Text, nullable=False, comment="run that opened the period"),
    sa.Column("closed_run_id", sa.Text, comment="run that closed the period"),
    sa.CheckConstraint(_in("status", STATUS_VALUES), name="ck_asset_status_history_status"),
    sa.Index("ix_asset_status_history_asset_id", "asset_id"),
    sa.Index(
        "uq_asset_status_history_open",
        "asset_id",
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
        sqlite_where=sa.text("valid_to IS NULL"),
    ),
    comment="Lifecycle status periods per asset (type-2 history: one open row per asset).",
)

asset_relationships = sa.Table(
    "asset_relationships",
    metadata,
    sa.Column("id", SurrogateKey, primary_key=True, autoincrement=True, comment="row id"),
    sa.Column("asset_id", sa.Text, nullable=False, comment="the asset"),
    sa.Column(
        "relation", sa.Text, nullable=False, comment="assigned_to, located_at, cost_center, hosted_on ..."
    ),
    sa.Column("target_type", sa.Text, nullable=False, comment="user, location, cost_center, asset ..."),
    sa.Column("target_id", sa.Text, nullable=False, comment="id of the target (UPN, site, code, asset_id)"),
    sa.Column("source", sa.Text, comment="source that reported the relationship"),
    sa.Column(
        "valid_from", Timestamp, nullable=False, comment="when the relationship was first recorded (UTC)"
    ),
    sa.Column("valid_to", Timestamp, comment="when it ended; null = current"),
    sa.Column("run_id", sa.Text, nullable=False, comment="run that opened it"),
    sa.Column("closed_run_id", sa.Text, comment="run that closed it"),
    sa.Index("ix_asset_relationships_asset_id", "asset_id"),
    sa.Index("ix_asset_relationships_target", "target_type", "target_id"),
    comment="Relationships with history (asset -> user, location, cost centre, host ...).",
)

asset_overrides = sa.Table(
    "asset_overrides",
    metadata,
    sa.Column(
        "asset_id",
        sa.Text,
        sa.ForeignKey("assets.asset_id", name="fk_asset_overrides_asset"),
        primary_key=True,
        comment="the asset",
    ),
    sa.Column("attribute", sa.Text, primary_key=True, comment="golden column name"),
    sa.Column("value", sa.Text, comment="the manual value (text; null clears the attribute)"),
    sa.Column("set_by", sa.Text, nullable=False, comment="who set it"),
    sa.Column("set_at", Timestamp, nullable=False, comment="when (UTC)"),
    sa.Column("note", sa.Text, comment="why"),
    comment="Manual attribute values; they win over every source until removed.",
)

sync_runs = sa.Table(
    "sync_runs",
    metadata,
    sa.Column("run_id", sa.Text, primary_key=True, comment="pipeline run id"),
    sa.Column("source", sa.Text, primary_key=True, comment="source, or '*' for the run as a whole"),
    sa.Column("started_at", Timestamp, comment="when the run started for this source (UTC)"),
    sa.Column("finished_at", Timestamp, comment="when it finished (UTC)"),
    sa.Column("status", sa.Text, nullable=False, comment="running, succeeded or failed"),
    sa.Column("extraction_completed", sa.Boolean, comment="the source's extraction completed in this run"),
    sa.Column("records_in", sa.Integer, comment="records the source delivered"),
    sa.Column("linked", sa.Integer, comment="records linked to a golden asset"),
    sa.Column("new", sa.Integer, comment="golden assets created from the source's records"),
    sa.Column("updated", sa.Integer, comment="existing assets linked to the source whose golden row changed"),
    sa.Column("unchanged", sa.Integer, comment="existing assets linked to the source left unchanged"),
    sa.Column("merged", sa.Integer, comment="merges caused by the source's records"),
    sa.Column("quarantined", sa.Integer, comment="records quarantined"),
    sa.Column("retired", sa.Integer, comment="assets retired on the source's evidence"),
    sa.Column(
        "with_serial", sa.Integer, comment="records with a valid serial (when reconciliation counts it)"
    ),
    sa.Column("junk_serial", sa.Integer, comment="records whose serial was junk (when counted)"),
    sa.Column("message", sa.Text, comment="error message of a failed run"),
    sa.CheckConstraint(_in("status", RUN_STATUSES), name="ck_sync_runs_status"),
    comment="One row per run and source with its counters; records_in = linked + quarantined.",
)

extractions = sa.Table(
    "extractions",
    metadata,
    sa.Column("run_id", sa.Text, primary_key=True, comment="pipeline run id"),
    sa.Column("source", sa.Text, primary_key=True, comment="source"),
    sa.Column(
        "completed", sa.Boolean, nullable=False, comment="every page/file arrived (absence is evidence)"
    ),
    sa.Column("record_count", sa.Integer, comment="records landed"),
    sa.Column("landed_path", sa.Text, comment="where the raw records landed in the lake"),
    sa.Column("started_at", Timestamp, comment="start (UTC)"),
    sa.Column("finished_at", Timestamp, comment="end (UTC)"),
    sa.Column("message", sa.Text, comment="error message when the extraction did not complete"),
    comment="One row per extraction of a source; feeds the completeness gate.",
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("incident_id", sa.Text, primary_key=True, comment="ticket id in the service desk"),
    sa.Column("opened_at", Timestamp, comment="when the incident was opened (UTC)"),
    sa.Column("closed_at", Timestamp, comment="when it was closed; null = open"),
    sa.Column("category", sa.Text, comment="service-desk category"),
    sa.Column("asset_tag", sa.Text, comment="asset tag as reported on the ticket"),
    sa.Column("serial_number", sa.Text, comment="serial as reported on the ticket"),
    sa.Column("hostname", sa.Text, comment="host name as reported on the ticket"),
    # Not named "user": in PostgreSQL a bare `user` is the current role, a silent trap in queries.
    sa.Column("user_name", sa.Text, comment="affected user (UPN / e-mail) as reported on the ticket"),
    sa.Column("run_id", sa.Text, nullable=False, comment="run that loaded the incident"),
    sa.Column("loaded_at", Timestamp, nullable=False, comment="when it was loaded (UTC)"),
    comment="Service-desk incidents, linked or not (an unlinked incident is kept and reported).",
)

incident_links = sa.Table(
    "incident_links",
    metadata,
    sa.Column(
        "incident_id",
        sa.Text,
        sa.ForeignKey("incidents.incident_id", name="fk_incident_links_incident"),
        primary_key=True,
        comment="the incident",
    ),
    sa.Column(
        "asset_id",
        sa.Text,
        sa.ForeignKey("assets.asset_id", name="fk_incident_links_asset"),
        primary_key=True,
        comment="the linked asset",
    ),
    sa.Column("rule", sa.Text, nullable=False, comment="asset_tag, serial_key, hostname or user"),
    sa.Column("run_id", sa.Text, nullable=False, comment="run that linked it"),
    sa.Index("ix_incident_links_asset_id", "asset_id"),
    comment="Incident -> asset links with the identifier rule that made each link.",
)

# Tables written by apply_plan; an idempotent re-run writes none of them.
GOLDEN_TABLES = (
    "assets",
    "asset_source_records",
    "asset_attribute_provenance",
    "asset_identifiers",
    "asset_status_history",
    "asset_relationships",
)


# ---- key collation -------------------------------------------------------------------------
# Every text column in a key or an index compares bytewise ("C" collation) on PostgreSQL.
# These columns hold ids, codes and normalized identifiers, never prose, so linguistic
# order buys nothing, while a byte-order B-tree builds and probes about twice as fast
# (abbreviated keys, no strcoll) and serves prefix searches (LIKE 'PF1%') as well.
# Deterministic collations make equality identical, so joins to other text are unaffected.
# SQLite already compares text bytewise (BINARY).
KeyText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _indexed_text_columns(table: sa.Table) -> set[str]:
    names = {c.name for index in table.indexes for c in index.columns}
    for constraint in table.constraints:
        if isinstance(constraint, sa.PrimaryKeyConstraint | sa.UniqueConstraint | sa.ForeignKeyConstraint):
            names |= {c.name for c in constraint.columns}
    return {name for name in names if isinstance(table.c[name].type, sa.Text)}


for _table in metadata.tables.values():
    for _name in _indexed_text_columns(_table):
        _table.c[_name].type = KeyText

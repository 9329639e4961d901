"""Repository schema: golden assets, source links, provenance, identifiers, history, runs, incidents.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "asset_attribute_provenance",
        sa.Column("asset_id", sa.Text(), nullable=False, comment="the asset"),
        sa.Column("attribute", sa.Text(), nullable=False, comment="golden column name"),
        sa.Column(
            "source", sa.Text(), nullable=True, comment="source that supplied the current value (or manual)"
        ),
        sa.Column("source_record_id", sa.Text(), nullable=True, comment="record that supplied it"),
        sa.Column(
            "observed_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the source's timestamp of the value",
        ),
        sa.Column(
            "rule",
            sa.Text(),
            nullable=True,
            comment="survivorship rule that chose it (precedence, recency, override)",
        ),
        sa.Column("run_id", sa.Text(), nullable=False, comment="run that wrote this provenance row"),
        sa.PrimaryKeyConstraint("asset_id", "attribute"),
        comment="Where each golden attribute's current value came from.",
    )
    op.create_table(
        "asset_identifiers",
        sa.Column("asset_id", sa.Text(), nullable=False, comment="the asset"),
        sa.Column(
            "id_type",
            sa.Text(),
            nullable=False,
            comment="serial_key, asset_tag, imei, uuid, azure_ad_device_id, mac or hostname",
        ),
        sa.Column(
            "id_value",
            sa.Text(),
            nullable=False,
            comment="normalized value: serial/tag uppercase without separators, hostname lowercase",
        ),
        sa.Column("source", sa.Text(), nullable=False, comment="source that reported the value"),
        sa.PrimaryKeyConstraint("asset_id", "id_type", "id_value", "source"),
        comment="Every identifier value known for an asset "
        "(used for matching, lookups and incident linking).",
    )
    op.create_index("ix_asset_identifiers_value", "asset_identifiers", ["id_type", "id_value"], unique=False)
    op.create_table(
        "asset_relationships",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            comment="row id",
        ),
        sa.Column("asset_id", sa.Text(), nullable=False, comment="the asset"),
        sa.Column(
            "relation",
            sa.Text(),
            nullable=False,
            comment="assigned_to, located_at, cost_center, hosted_on ...",
        ),
        sa.Column("target_type", sa.Text(), nullable=False, comment="user, location, cost_center, asset ..."),
        sa.Column(
            "target_id", sa.Text(), nullable=False, comment="id of the target (UPN, site, code, asset_id)"
        ),
        sa.Column("source", sa.Text(), nullable=True, comment="source that reported the relationship"),
        sa.Column(
            "valid_from",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when the relationship was first recorded (UTC)",
        ),
        sa.Column(
            "valid_to", sa.DateTime(timezone=True), nullable=True, comment="when it ended; null = current"
        ),
        sa.Column("run_id", sa.Text(), nullable=False, comment="run that opened it"),
        sa.Column("closed_run_id", sa.Text(), nullable=True, comment="run that closed it"),
        sa.PrimaryKeyConstraint("id"),
        comment="Relationships with history (asset -> user, location, cost centre, host ...).",
    )
    op.create_index("ix_asset_relationships_asset_id", "asset_relationships", ["asset_id"], unique=False)
    op.create_index(
        "ix_asset_relationships_target", "asset_relationships", ["target_type", "target_id"], unique=False
    )
    op.create_table(
        "asset_source_records",
        sa.Column("record_key", sa.Text(), nullable=False, comment="source + '|' + source_record_id"),
        sa.Column("source", sa.Text(), nullable=False, comment="intune, device42, miradore or file:<feed>"),
        sa.Column("source_record_id", sa.Text(), nullable=False, comment="the source's native id as text"),
        sa.Column("asset_id", sa.Text(), nullable=False, comment="golden asset the record is linked to"),
        sa.Column(
            "rule",
            sa.Text(),
            nullable=True,
            comment="identifier rule that linked the record (native_id, serial, imei, uuid, ..., new)",
        ),
        sa.Column(
            "matched_key", sa.Text(), nullable=True, comment="identifier type that matched (e.g. serial_key)"
        ),
        sa.Column("matched_value", sa.Text(), nullable=True, comment="the normalized value that matched"),
        sa.Column(
            "evidence",
            sa.Text(),
            nullable=True,
            comment="JSON: every identifier the record shares with its asset",
        ),
        sa.Column(
            "superseded",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="an older native record of the same hardware in the same source (reimage, re-enrolment)",
        ),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="source timestamp of enrolment / first addition",
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the source's own last-seen time",
        ),
        sa.Column(
            "present_in_last_complete",
            sa.Boolean(),
            nullable=True,
            comment="present in the source's latest complete extraction",
        ),
        sa.Column(
            "row_hash",
            sa.BigInteger(),
            nullable=False,
            comment="hash of the row's values, computed by the pipeline to write only rows that changed",
        ),
        sa.Column("created_run_id", sa.Text(), nullable=False, comment="run that inserted the row"),
        sa.Column(
            "updated_run_id", sa.Text(), nullable=False, comment="run that last changed the row's values"
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when the row was inserted (UTC)",
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when the row's values last changed (UTC)",
        ),
        sa.PrimaryKeyConstraint("record_key"),
        sa.UniqueConstraint("source", "source_record_id", name="uq_asset_source_records_source_id"),
        comment="Every source record ever seen and the golden asset it is linked to (identity links).",
    )
    op.create_index("ix_asset_source_records_asset_id", "asset_source_records", ["asset_id"], unique=False)
    op.create_table(
        "asset_status_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            comment="row id",
        ),
        sa.Column("asset_id", sa.Text(), nullable=False, comment="the asset"),
        sa.Column("status", sa.Text(), nullable=False, comment="lifecycle status during the period"),
        sa.Column(
            "valid_from", sa.DateTime(timezone=True), nullable=False, comment="start of the period (UTC)"
        ),
        sa.Column(
            "valid_to",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="end of the period; null = current status",
        ),
        sa.Column("reason", sa.Text(), nullable=True, comment="why the status changed (rule or signal)"),
        sa.Column(
            "evidence",
            sa.Text(),
            nullable=True,
            comment="JSON evidence of the change (source, event, timestamps)",
        ),
        sa.Column("run_id", sa.Text(), nullable=False, comment="run that opened the period"),
        sa.Column("closed_run_id", sa.Text(), nullable=True, comment="run that closed the period"),
        sa.CheckConstraint(
            "status IN ('on_order', 'in_stock', 'active', 'stale', 'missing', 'in_repair', "
            "'retired', 'disposed')",
            name="ck_asset_status_history_status",
        ),
        sa.PrimaryKeyConstraint("id"),
        comment="Lifecycle status periods per asset (type-2 history: one open row per asset).",
    )
    op.create_index("ix_asset_status_history_asset_id", "asset_status_history", ["asset_id"], unique=False)
    op.create_index(
        "uq_asset_status_history_open",
        "asset_status_history",
        ["asset_id"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
        sqlite_where=sa.text("valid_to IS NULL"),
    )
    op.create_table(
        "assets",
        sa.Column(
            "asset_id", sa.Text(), nullable=False, comment="stable id of the physical asset; never reused"
        ),
        sa.Column("asset_tag", sa.Text(), nullable=True, comment="organisation asset tag"),
        sa.Column("serial_number", sa.Text(), nullable=True, comment="hardware serial number"),
        sa.Column("manufacturer", sa.Text(), nullable=True, comment="canonical manufacturer"),
        sa.Column("model", sa.Text(), nullable=True, comment="model name"),
        sa.Column("hostname", sa.Text(), nullable=True, comment="current short host name"),
        sa.Column("asset_type", sa.Text(), nullable=True, comment="asset-type taxonomy value"),
        sa.Column("is_virtual", sa.Boolean(), nullable=True, comment="virtual machine"),
        sa.Column("primary_user", sa.Text(), nullable=True, comment="primary user (UPN / e-mail)"),
        sa.Column("status", sa.Text(), nullable=False, comment="lifecycle status"),
        sa.Column("os", sa.Text(), nullable=True, comment="operating system family"),
        sa.Column("os_version", sa.Text(), nullable=True, comment="operating system version"),
        sa.Column("imei", sa.Text(), nullable=True, comment="IMEI (mobile devices)"),
        sa.Column("uuid", sa.Text(), nullable=True, comment="SMBIOS / hardware UUID"),
        sa.Column("azure_ad_device_id", sa.Text(), nullable=True, comment="Entra device id"),
        sa.Column("mac_address", sa.Text(), nullable=True, comment="primary burned-in MAC"),
        sa.Column("location", sa.Text(), nullable=True, comment="site or location"),
        sa.Column("cost_center", sa.Text(), nullable=True, comment="cost centre"),
        sa.Column("purchase_date", sa.Date(), nullable=True, comment="purchase date"),
        sa.Column(
            "purchase_cost",
            sa.Numeric(precision=14, scale=2, asdecimal=False),
            nullable=True,
            comment="purchase cost",
        ),
        sa.Column("currency", sa.Text(), nullable=True, comment="currency of purchase_cost"),
        sa.Column("warranty_end", sa.Date(), nullable=True, comment="warranty end date"),
        sa.Column("supplier", sa.Text(), nullable=True, comment="supplier"),
        sa.Column("order_number", sa.Text(), nullable=True, comment="purchase order number"),
        sa.Column("storage_total_bytes", sa.BigInteger(), nullable=True, comment="total storage in bytes"),
        sa.Column("storage_free_bytes", sa.BigInteger(), nullable=True, comment="free storage in bytes"),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="earliest time any source saw the asset",
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="latest time any source saw the asset",
        ),
        sa.Column(
            "depreciation_method",
            sa.Text(),
            server_default="straight_line",
            nullable=False,
            comment="depreciation method for book value (straight_line)",
        ),
        sa.Column(
            "useful_life_months",
            sa.Integer(),
            nullable=True,
            comment="useful life for depreciation in months; default per asset type, null = not depreciated",
        ),
        sa.Column(
            "row_hash",
            sa.BigInteger(),
            nullable=False,
            comment="hash of the row's values, computed by the pipeline to write only rows that changed",
        ),
        sa.Column(
            "provenance_hash",
            sa.BigInteger(),
            server_default="0",
            nullable=False,
            comment="hash of the provenance rows",
        ),
        sa.Column(
            "identifier_hash",
            sa.BigInteger(),
            server_default="0",
            nullable=False,
            comment="hash of the identifier rows",
        ),
        sa.Column(
            "relationship_hash",
            sa.BigInteger(),
            server_default="0",
            nullable=False,
            comment="hash of the open relationships",
        ),
        sa.Column("created_run_id", sa.Text(), nullable=False, comment="run that inserted the row"),
        sa.Column(
            "updated_run_id", sa.Text(), nullable=False, comment="run that last changed the row's values"
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when the row was inserted (UTC)",
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when the row's values last changed (UTC)",
        ),
        sa.CheckConstraint(
            "status IN ('on_order', 'in_stock', 'active', 'stale', 'missing', 'in_repair', "
            "'retired', 'disposed')",
            name="ck_assets_status",
        ),
        sa.PrimaryKeyConstraint("asset_id"),
        comment="One row per reconciled physical asset (the golden record). "
        "Never deleted: retired assets stay.",
    )
    op.create_table(
        "extractions",
        sa.Column("run_id", sa.Text(), nullable=False, comment="pipeline run id"),
        sa.Column("source", sa.Text(), nullable=False, comment="source"),
        sa.Column(
            "completed", sa.Boolean(), nullable=False, comment="every page/file arrived (absence is evidence)"
        ),
        sa.Column("record_count", sa.Integer(), nullable=True, comment="records landed"),
        sa.Column(
            "landed_path", sa.Text(), nullable=True, comment="where the raw records landed in the lake"
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True, comment="start (UTC)"),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True, comment="end (UTC)"),
        sa.Column(
            "message", sa.Text(), nullable=True, comment="error message when the extraction did not complete"
        ),
        sa.PrimaryKeyConstraint("run_id", "source"),
        comment="One row per extraction of a source; feeds the completeness gate.",
    )
    op.create_table(
        "incidents",
        sa.Column("incident_id", sa.Text(), nullable=False, comment="ticket id in the service desk"),
        sa.Column(
            "opened_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="when the incident was opened (UTC)",
        ),
        sa.Column(
            "closed_at", sa.DateTime(timezone=True), nullable=True, comment="when it was closed; null = open"
        ),
        sa.Column("category", sa.Text(), nullable=True, comment="service-desk category"),
        sa.Column("asset_tag", sa.Text(), nullable=True, comment="asset tag as reported on the ticket"),
        sa.Column("serial_number", sa.Text(), nullable=True, comment="serial as reported on the ticket"),
        sa.Column("hostname", sa.Text(), nullable=True, comment="host name as reported on the ticket"),
        sa.Column(
            "user_name",
            sa.Text(),
            nullable=True,
            comment="affected user (UPN / e-mail) as reported on the ticket",
        ),
        sa.Column("run_id", sa.Text(), nullable=False, comment="run that loaded the incident"),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), nullable=False, comment="when it was loaded (UTC)"
        ),
        sa.PrimaryKeyConstraint("incident_id"),
        comment="Service-desk incidents, linked or not (an unlinked incident is kept and reported).",
    )
    op.create_table(
        "match_decisions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            comment="row id",
        ),
        sa.Column("run_id", sa.Text(), nullable=False, comment="run that decided"),
        sa.Column(
            "decision",
            sa.Text(),
            nullable=False,
            comment="merge, split, multi_match, cannot_link, supersede ...",
        ),
        sa.Column(
            "asset_id",
            sa.Text(),
            nullable=True,
            comment="asset the decision is about (the survivor of a merge)",
        ),
        sa.Column(
            "other_asset_id",
            sa.Text(),
            nullable=True,
            comment="the other asset (absorbed by a merge, or the competitor)",
        ),
        sa.Column("record_key", sa.Text(), nullable=True, comment="source record involved"),
        sa.Column("rule", sa.Text(), nullable=True, comment="identifier rule behind the decision"),
        sa.Column("detail", sa.Text(), nullable=True, comment="human-readable detail or JSON evidence"),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False, comment="when (UTC)"),
        sa.PrimaryKeyConstraint("id"),
        comment="Merge log: every identity decision worth auditing, appended per run.",
    )
    op.create_index("ix_match_decisions_asset_id", "match_decisions", ["asset_id"], unique=False)
    op.create_index("ix_match_decisions_other_asset_id", "match_decisions", ["other_asset_id"], unique=False)
    op.create_table(
        "quarantine",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            comment="row id",
        ),
        sa.Column("run_id", sa.Text(), nullable=False, comment="run that rejected the record"),
        sa.Column("source", sa.Text(), nullable=False, comment="source of the record"),
        sa.Column(
            "source_record_id",
            sa.Text(),
            nullable=True,
            comment="the source's native id, null when it had none",
        ),
        sa.Column(
            "origin",
            sa.Text(),
            nullable=True,
            comment="where a human finds the record (file name and row number)",
        ),
        sa.Column(
            "reason", sa.Text(), nullable=False, comment="reason code (e.g. no_identifier, multi_match)"
        ),
        sa.Column("detail", sa.Text(), nullable=True, comment="human-readable detail"),
        sa.Column(
            "payload", sa.Text(), nullable=True, comment="JSON text of the record as the source delivered it"
        ),
        sa.Column(
            "quarantined_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when the run rejected it (UTC)",
        ),
        sa.PrimaryKeyConstraint("id"),
        comment="Records that could not be used, with the reason. Appended per run, never silently dropped.",
    )
    op.create_index("ix_quarantine_run_id", "quarantine", ["run_id"], unique=False)
    op.create_index("ix_quarantine_source", "quarantine", ["source", "source_record_id"], unique=False)
    op.create_table(
        "sync_runs",
        sa.Column("run_id", sa.Text(), nullable=False, comment="pipeline run id"),
        sa.Column("source", sa.Text(), nullable=False, comment="source, or '*' for the run as a whole"),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="when the run started for this source (UTC)",
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True, comment="when it finished (UTC)"),
        sa.Column("status", sa.Text(), nullable=False, comment="running, succeeded or failed"),
        sa.Column(
            "extraction_completed",
            sa.Boolean(),
            nullable=True,
            comment="the source's extraction completed in this run",
        ),
        sa.Column("records_in", sa.Integer(), nullable=True, comment="records the source delivered"),
        sa.Column("linked", sa.Integer(), nullable=True, comment="records linked to a golden asset"),
        sa.Column(
            "new", sa.Integer(), nullable=True, comment="golden assets created from the source's records"
        ),
        sa.Column(
            "updated",
            sa.Integer(),
            nullable=True,
            comment="existing assets linked to the source whose golden row changed",
        ),
        sa.Column(
            "unchanged",
            sa.Integer(),
            nullable=True,
            comment="existing assets linked to the source left unchanged",
        ),
        sa.Column("merged", sa.Integer(), nullable=True, comment="merges caused by the source's records"),
        sa.Column("quarantined", sa.Integer(), nullable=True, comment="records quarantined"),
        sa.Column("retired", sa.Integer(), nullable=True, comment="assets retired on the source's evidence"),
        sa.Column(
            "with_serial",
            sa.Integer(),
            nullable=True,
            comment="records with a valid serial (when reconciliation counts it)",
        ),
        sa.Column(
            "junk_serial", sa.Integer(), nullable=True, comment="records whose serial was junk (when counted)"
        ),
        sa.Column("message", sa.Text(), nullable=True, comment="error message of a failed run"),
        sa.CheckConstraint("status IN ('running', 'succeeded', 'failed')", name="ck_sync_runs_status"),
        sa.PrimaryKeyConstraint("run_id", "source"),
        comment="One row per run and source with its counters; records_in = linked + quarantined.",
    )
    op.create_table(
        "asset_overrides",
        sa.Column("asset_id", sa.Text(), nullable=False, comment="the asset"),
        sa.Column("attribute", sa.Text(), nullable=False, comment="golden column name"),
        sa.Column(
            "value", sa.Text(), nullable=True, comment="the manual value (text; null clears the attribute)"
        ),
        sa.Column("set_by", sa.Text(), nullable=False, comment="who set it"),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False, comment="when (UTC)"),
        sa.Column("note", sa.Text(), nullable=True, comment="why"),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.asset_id"], name="fk_asset_overrides_asset"),
        sa.PrimaryKeyConstraint("asset_id", "attribute"),
        comment="Manual attribute values; they win over every source until removed.",
    )
    op.create_table(
        "incident_links",
        sa.Column("incident_id", sa.Text(), nullable=False, comment="the incident"),
        sa.Column("asset_id", sa.Text(), nullable=False, comment="the linked asset"),
        sa.Column("rule", sa.Text(), nullable=False, comment="asset_tag, serial_key, hostname or user"),
        sa.Column("run_id", sa.Text(), nullable=False, comment="run that linked it"),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.asset_id"], name="fk_incident_links_asset"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.incident_id"], name="fk_incident_links_incident"
        ),
        sa.PrimaryKeyConstraint("incident_id", "asset_id"),
        comment="Incident -> asset links with the identifier rule that made each link.",
    )
    op.create_index("ix_incident_links_asset_id", "incident_links", ["asset_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_incident_links_asset_id", table_name="incident_links")
    op.drop_table("incident_links")
    op.drop_table("asset_overrides")
    op.drop_table("sync_runs")
    op.drop_index("ix_quarantine_source", table_name="quarantine")
    op.drop_index("ix_quarantine_run_id", table_name="quarantine")
    op.drop_table("quarantine")
    op.drop_index("ix_match_decisions_other_asset_id", table_name="match_decisions")
    op.drop_index("ix_match_decisions_asset_id", table_name="match_decisions")
    op.drop_table("match_decisions")
    op.drop_table("incidents")
    op.drop_table("extractions")
    op.drop_table("assets")
    op.drop_index(
        "uq_asset_status_history_open",
        table_name="asset_status_history",
        postgresql_where=sa.text("valid_to IS NULL"),
        sqlite_where=sa.text("valid_to IS NULL"),
    )
    op.drop_index("ix_asset_status_history_asset_id", table_name="asset_status_history")
    op.drop_table("asset_status_history")
    op.drop_index("ix_asset_source_records_asset_id", table_name="asset_source_records")
    op.drop_table("asset_source_records")
    op.drop_index("ix_asset_relationships_target", table_name="asset_relationships")
    op.drop_index("ix_asset_relationships_asset_id", table_name="asset_relationships")
    op.drop_table("asset_relationships")
    op.drop_index("ix_asset_identifiers_value", table_name="asset_identifiers")
    op.drop_table("asset_identifiers")
    op.drop_table("asset_attribute_provenance")

"""The contract between reconciliation and the repository.

``reconcile`` (pure) turns the current normalized records of every source plus the
repository's existing identity state into a ``ReconciliationPlan``: the complete desired
state of the golden tables. The repository diffs that desired state against what it
holds (by row hash), reports the diff as a dry-run plan, and writes only the difference
in one transaction.

Every frame below lists its columns in a module constant so both sides agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# Desired state of ``asset_source_records``: one row per source record ever seen and still known.
LINK_COLUMNS = (
    "record_key",  # source|source_record_id
    "source",
    "source_record_id",
    "asset_id",
    "rule",  # identifier rule that linked the record: native_id, serial, imei, uuid, azure_ad_device_id,
    #          asset_tag, mac, hostname, new (created the asset)
    "matched_key",  # identifier type that matched (e.g. serial_key)
    "matched_value",  # the normalized value that matched
    "evidence",  # JSON text: every identifier the record shares with its asset
    "superseded",  # bool: an older native record of the same hardware in the same source
    "first_seen_at",  # source timestamp (enrolled/first added) or first extraction
    "last_seen_at",  # the source's own last-seen time
    "present_in_last_complete",  # bool: present in the source's latest complete extraction
)

# Desired state of ``asset_attribute_provenance``: which record supplied each golden attribute.
PROVENANCE_COLUMNS = ("asset_id", "attribute", "source", "source_record_id", "observed_at", "rule")

# Desired state of ``asset_identifiers``: every identifier value known for an asset.
IDENTIFIER_COLUMNS = ("asset_id", "id_type", "id_value", "source")

# Status transitions decided this run (appended to ``asset_status_history``).
STATUS_CHANGE_COLUMNS = ("asset_id", "from_status", "to_status", "reason", "evidence", "applied")

# Rejected input (appended to ``quarantine``).
QUARANTINE_COLUMNS = ("source", "source_record_id", "origin", "reason", "detail", "payload")

# Match decisions worth an audit row (merges, MULTI_MATCH holds, cannot-link conflicts, supersessions).
DECISION_COLUMNS = ("decision", "asset_id", "other_asset_id", "record_key", "rule", "detail")

# Relationships (asset -> user, SIM -> phone, VM -> host, display -> workstation, asset -> location/cost centre).
RELATIONSHIP_COLUMNS = ("asset_id", "relation", "target_type", "target_id", "source")

# Per-source counters recorded in ``sync_runs``.
COUNT_KEYS = ("records_in", "linked", "new", "updated", "unchanged", "merged", "quarantined", "retired")


@dataclass
class RepositoryState:
    """What reconciliation needs to know from the repository (read before reconciling)."""

    assets: pd.DataFrame  # GOLDEN columns + status (current golden rows)
    links: pd.DataFrame  # LINK_COLUMNS (current)
    identifiers: pd.DataFrame  # IDENTIFIER_COLUMNS (current)
    overrides: pd.DataFrame  # asset_id, attribute, value, set_by, set_at (manual, top priority)
    last_complete_counts: dict[str, int] = field(
        default_factory=dict
    )  # source -> records in last complete run


@dataclass
class ReconciliationPlan:
    """Desired state after this run; the repository writes only what differs."""

    run_id: str
    assets: pd.DataFrame  # GOLDEN_SCHEMA columns, incl. status, for every asset
    links: pd.DataFrame  # LINK_COLUMNS
    provenance: pd.DataFrame  # PROVENANCE_COLUMNS
    identifiers: pd.DataFrame  # IDENTIFIER_COLUMNS
    status_changes: pd.DataFrame  # STATUS_CHANGE_COLUMNS
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS
    decisions: pd.DataFrame  # DECISION_COLUMNS
    relationships: pd.DataFrame  # RELATIONSHIP_COLUMNS
    counts: dict[str, dict[str, int]]  # source -> COUNT_KEYS (reconciliation-side counts)
    completed_sources: dict[str, bool]  # source -> its extraction in this run completed
    overloaded_values: pd.DataFrame = field(default_factory=pd.DataFrame)  # id_type, id_value, devices

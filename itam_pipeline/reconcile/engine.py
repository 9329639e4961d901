"""``reconcile``: normalized records + repository state -> the complete desired state (a plan).

Pipeline of one run (all steps vectorized over records; see each module's docstring):

1. ``prepare``      - quarantine rows apart, one row per record_key;
2. ``keys``/``build`` - identifier keys of records and of existing assets' remembered
                       identifiers, as an integer graph;
3. ``overloaded``   - placeholder values detected from the data itself stop counting;
4. ``matching``     - tiered clustering under cannot-link constraints, MULTI_MATCH hold-back;
5. ``identity``     - asset ids: kept, merged or minted deterministically;
6. ``links``        - evidence per record, supersession of re-enrolled records;
7. ``survivorship`` - golden attributes with provenance;
8. ``lifecycle``    - status through the declared state machine;
9. ``relationships`` / ``decisions`` / ``outputs`` - the rest of the plan.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from itam_pipeline.plan import ReconciliationPlan, RepositoryState
from itam_pipeline.reconcile import build, outputs
from itam_pipeline.reconcile import decisions as dec
from itam_pipeline.reconcile.config import ReconcileConfig, load_config
from itam_pipeline.reconcile.context import Run
from itam_pipeline.reconcile.identity import assign_assets
from itam_pipeline.reconcile.keys import (
    HOSTNAME_SEEN,
)
from itam_pipeline.reconcile.lifecycle import LifecycleInputs, decide_status
from itam_pipeline.reconcile.links import ASSET_CODE, LinkInputs, build_links, mark_superseded
from itam_pipeline.reconcile.matching import match
from itam_pipeline.reconcile.overloaded import find_overloaded, overloaded_report
from itam_pipeline.reconcile.prepare import observed_at, split_records
from itam_pipeline.reconcile.relationships import RelationshipInputs, build_relationships
from itam_pipeline.reconcile.state import complete_state
from itam_pipeline.reconcile.survivorship import Candidates, survive
from itam_pipeline.reconcile.vec import isin, map_unique, take, utc_us
from itam_pipeline.schema import GOLDEN_SCHEMA, conform


def reconcile(
    records: pd.DataFrame,
    state: RepositoryState,
    *,
    run_id: str,
    now: datetime,
    completed_sources: dict[str, bool],
    config: ReconcileConfig | None = None,
) -> ReconciliationPlan:
    """Reconcile the current normalized records of every source against the repository state.

    Args:
        records: NORMALIZED_SCHEMA rows of every source (fresh sources plus the last promoted
            snapshot of the others). Rows with ``quarantine_reason`` go to ``plan.quarantine``.
        state: the repository's current assets, links, identifiers and manual overrides.
        run_id: id of this run (recorded on the plan; last-resort salt for new asset ids).
        now: reference time for freshness windows.
        completed_sources: source -> whether its latest extraction completed. Absence and
            ageing only count for completed sources; a source missing here counts as incomplete.
        config: settings; the bundled ``reconciliation.yaml`` when None.

    Returns:
        The complete desired state of the golden tables (see ``itam_pipeline.plan``).
    """
    cfg = config or load_config()
    stamp = pd.Timestamp(now)
    stamp = stamp.tz_convert("UTC") if stamp.tzinfo else stamp.tz_localize("UTC")
    state = complete_state(state)
    usable, held = split_records(records)
    existing, first_seen = build.existing_assets(state)
    prior = build.prior_asset_index(usable, state.links, existing)
    memory = build.remembered_identifiers(state, existing, usable, prior)

    keys, serial_of_record, sources = build.key_table(usable, memory, state.assets, cfg, stamp)
    overloaded = find_overloaded(keys, len(usable), serial_of_record, cfg.max_records_per_value)
    report = overloaded_report(keys, overloaded, len(usable), serial_of_record, cfg.max_records_per_value)
    keys = keys[~np.isin(keys["vcode"].to_numpy(), overloaded)].reset_index(drop=True)

    graph = build.matching_graph(usable, existing, prior, keys, cfg)
    clustering = match(graph)
    identity = assign_assets(
        clustering.labels,
        graph,
        existing,
        first_seen,
        keys[keys["rule"] != HOSTNAME_SEEN],
        usable["record_key"],
        clustering.removed,
        cfg.asset_id_namespace,
        run_id,
    )
    del graph  # integer copies of the keys: not needed any more
    keys = keys.drop(columns="value")  # match values served their purpose; display values remain
    run = Run(
        cfg=cfg,
        now=stamp,
        run_id=run_id,
        completed=dict(completed_sources),
        records=records,
        usable=usable,
        held=held,
        state=state,
        existing=existing,
        prior=prior,
        memory=memory,
        keys=keys,
        sources=sources,
        clustering=clustering,
        identity=identity,
        overloaded=report,
    )
    return _assemble(run)


def _assemble(run: Run) -> ReconciliationPlan:
    """Everything downstream of identity: links, golden rows, lifecycle, audit, counts.

    Steps that read the key table run first; it is then released, because it is the largest
    intermediate of a run and survivorship does not need it.
    """
    links, superseded = _links(run)
    identifiers = outputs.identifiers(run)
    multi = outputs.multi_match_rows(run)
    match_decisions = [
        dec.merged_decisions(
            run.identity.merges, outputs.owned_keys(run) if len(run.identity.merges) else None
        ),
        multi["decisions"],
        dec.cannot_link_decisions(outputs.dropped_carriers(run)),
        dec.superseded_decisions(outputs.newly_superseded(superseded, run.state.links)),
    ]
    run.keys = run.keys.iloc[:0]

    # Only held-back records are left out; usually none are, and the frame is not copied.
    on_asset = run.usable if run.active.all() else run.usable[run.active].reset_index(drop=True)
    observed, untimed = observed_at(on_asset)
    candidates = Candidates(on_asset, run.identity.record_code[run.active], utc_us(observed), untimed)
    overrides = _remap_overrides(run)
    golden, provenance = survive(
        candidates, run.identity.asset_ids, run.state.assets, overrides, run.cfg, run.now
    )
    status, changes = decide_status(
        _lifecycle_inputs(run, golden, links, on_asset, overrides), run.cfg.lifecycle
    )
    golden["status"] = status.to_numpy()
    change_source = changes.pop("source")
    relationships = build_relationships(
        RelationshipInputs(
            golden, provenance, on_asset, take(run.identity.asset_ids, run.identity.record_code[run.active])
        )
    )
    quarantine = pd.concat([run.held, multi["quarantine"]], ignore_index=True)
    return ReconciliationPlan(
        run_id=run.run_id,
        assets=conform(golden, GOLDEN_SCHEMA).reset_index(drop=True),
        links=links.drop(columns=ASSET_CODE).reset_index(drop=True),
        provenance=provenance,
        identifiers=identifiers,
        status_changes=changes.reset_index(drop=True),
        quarantine=quarantine,
        decisions=pd.concat([*match_decisions, dec.forbidden_decisions(changes)], ignore_index=True),
        relationships=relationships,
        counts=outputs.counts(run, quarantine, changes, change_source),
        completed_sources=dict(run.completed),
        overloaded_values=run.overloaded,
    )


def _links(run: Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Link rows (current records in input order, then carried links) with supersession applied."""
    identity = run.identity
    links = build_links(
        LinkInputs(
            records=run.usable,
            active=run.active,
            record_code=identity.record_code,
            prior_code=run.prior_code,
            asset_ids=identity.asset_ids,
            keys=run.keys,
            labels=run.clustering.labels,
            anchor_nodes=identity.new_assets["anchor_node"].to_numpy(),
            state_links=run.state.links,
            survivor_code=identity.survivor_code,
            completed_sources=run.completed,
            input_record_keys=run.records["record_key"]
            if "record_key" in run.records
            else pd.Series(dtype="string"),
        )
    )
    withdrawn = run.usable["record_key"][
        run.usable["lifecycle_hint"].isin(list(run.cfg.lifecycle.withdrawn_hints))
    ]
    links.loc[isin(links["record_key"], withdrawn), "present_in_last_complete"] = False
    supersedes = map_unique(links["source"], lambda s: s is not None and run.cfg.supersedes(str(s)), bool)
    return mark_superseded(outputs.link_dtypes(links), supersedes)


def _remap_overrides(run: Run) -> pd.DataFrame:
    """Manual overrides re-pointed to surviving assets, with their asset codes."""
    overrides = run.state.overrides
    code = run.identity.asset_ids.get_indexer(overrides["asset_id"].astype("string"))
    code = np.where(code >= 0, run.identity.survivor_code[np.maximum(code, 0)], -1)
    out = overrides.assign(asset_code=code, asset_id=take(run.identity.asset_ids, code).to_numpy())
    return out[out["asset_code"] >= 0]


def _lifecycle_inputs(
    run: Run, golden: pd.DataFrame, links: pd.DataFrame, on_asset: pd.DataFrame, overrides: pd.DataFrame
) -> LifecycleInputs:
    """Per-asset facts for the state machine: types, prior statuses, hints, overrides, merges."""
    identity = run.identity
    # Current records' links come first, in record order (see links.build_links).
    current_superseded = links["superseded"].to_numpy(dtype=bool)[: len(on_asset)]
    with_hint = on_asset["lifecycle_hint"].notna().to_numpy(dtype=bool) & ~current_superseded
    hints = pd.DataFrame(
        {
            "asset_code": identity.record_code[run.active][with_hint],
            "source": on_asset["source"][with_hint].to_numpy(),
            "record_key": on_asset["record_key"][with_hint].to_numpy(),
            "lifecycle_hint": on_asset["lifecycle_hint"][with_hint].to_numpy(),
        }
    )
    status_overrides = overrides[overrides["attribute"] == "status"].sort_values(
        "set_at", na_position="first"
    )
    prior = run.state.assets.drop_duplicates("asset_id").set_index("asset_id")["status"]
    prior.index = prior.index.astype("string")
    merged = identity.merged_away
    survivor_id = take(identity.asset_ids, identity.survivor_code).where(pd.Series(merged))
    return LifecycleInputs(
        asset_ids=identity.asset_ids,
        asset_type=golden["asset_type"],
        prior_status=prior.reindex(identity.asset_ids).reset_index(drop=True),
        links=links,
        hints=hints,
        overrides=status_overrides[["asset_code", "value"]],
        merged=merged,
        merged_into=survivor_id,
        completed_sources=run.completed,
        now=run.now,
    )

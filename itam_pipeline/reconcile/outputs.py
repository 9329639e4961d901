"""Plan frames assembled from a finished run: identifiers, held-back records, audit inputs, counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from itam_pipeline.plan import COUNT_KEYS, IDENTIFIER_COLUMNS, LINK_COLUMNS
from itam_pipeline.reconcile import decisions as dec
from itam_pipeline.reconcile.context import Run
from itam_pipeline.reconcile.keys import HOSTNAME_SEEN, KEY_RULES, RULE_ID_TYPE
from itam_pipeline.reconcile.prepare import quarantine_rows
from itam_pipeline.reconcile.vec import UTC_US, index_in, isin, take

MULTI_MATCH = "MULTI_MATCH"
_TIMES = ("first_seen_at", "last_seen_at")
_FLAGS = ("superseded", "present_in_last_complete")


def link_dtypes(links: pd.DataFrame) -> pd.DataFrame:
    """Links with the contract dtypes: text as ``string``, times as UTC, flags as bool."""
    out = links.copy()
    for column in _TIMES:
        out[column] = pd.to_datetime(out[column], utc=True).astype(UTC_US)
    for column in _FLAGS:
        out[column] = out[column].astype("boolean").fillna(False).astype(bool)
    text = [c for c in LINK_COLUMNS if c not in _TIMES and c not in _FLAGS]
    return out.astype({c: "string" for c in text})


def identifiers(run: Run) -> pd.DataFrame:
    """Identifiers of current records plus remembered host names of sources without a current record.

    Rows are unique per (asset, identifier value, source). ``asset_id``, ``id_type`` and
    ``source`` are categoricals: millions of rows repeat their values.
    """
    keys = run.keys
    use = (keys["rule"] != "hostname").to_numpy()  # host names come from the hostname_seen rows
    memory = run.memory[(run.memory["id_type"] == RULE_ID_TYPE[HOSTNAME_SEEN]).to_numpy(dtype=bool)]
    key_rows = np.flatnonzero(use)
    asset = np.concatenate(
        [
            run.node_asset_code(keys["node"].to_numpy()[key_rows]),
            run.node_asset_code(memory["node"].to_numpy()),
        ]
    )
    next_code = int(keys["vcode"].max()) + 1 if len(keys) else 0
    value = np.concatenate(
        [keys["vcode"].to_numpy()[key_rows], next_code + pd.factorize(memory["id_value"])[0]]
    )
    source = np.concatenate(
        [
            keys["source_code"].to_numpy()[key_rows],
            index_in(memory["source"], pd.Series(run.sources, dtype="string")),
        ]
    )
    packed = (asset * (int(value.max(initial=0)) + 1) + value) * (len(run.sources) + 1) + source
    keep = np.flatnonzero((asset >= 0) & ~pd.Series(packed).duplicated().to_numpy())
    from_keys = keep[keep < len(key_rows)]
    from_memory = keep[keep >= len(key_rows)] - len(key_rows)
    id_types = sorted(set(RULE_ID_TYPE.values()))
    type_code = np.concatenate(
        [
            np.array([id_types.index(RULE_ID_TYPE[r]) for r in KEY_RULES])[
                keys["rule"].cat.codes.to_numpy()[key_rows]
            ],
            np.full(len(memory), id_types.index(RULE_ID_TYPE[HOSTNAME_SEEN])),
        ]
    )
    id_value = pd.concat(
        [take(keys["display"], key_rows[from_keys]), take(memory["id_value"], from_memory)], ignore_index=True
    )
    return pd.DataFrame(
        {
            "asset_id": pd.Categorical.from_codes(
                asset[keep], dtype=pd.CategoricalDtype(run.identity.asset_ids)
            ),
            "id_type": pd.Categorical.from_codes(type_code[keep], categories=id_types),
            "id_value": id_value.astype("string"),
            "source": pd.Categorical.from_codes(
                np.where(source[keep] >= 0, source[keep], -1), categories=run.sources
            ),
        }
    )[list(IDENTIFIER_COLUMNS)]


def multi_match_rows(run: Run) -> dict[str, pd.DataFrame]:
    """Quarantine and decision rows for records held back as MULTI_MATCH."""
    mm = run.clustering.multi_match
    if mm.empty:
        return {
            "quarantine": quarantine_rows(run.usable.iloc[:0], MULTI_MATCH, None),
            "decisions": dec.decision_frame(),
        }
    shown = run.keys.drop_duplicates("vcode").set_index("vcode")
    tier_rule = {i + 1: r.rule for i, r in enumerate(run.cfg.rules)}
    held = pd.DataFrame(
        {
            "node": mm["node"].to_numpy(),
            "record_key": take(run.usable["record_key"], mm["node"].to_numpy()).to_numpy(),
            "asset_id": run.existing.to_numpy(object)[mm["asset"].to_numpy()],
            "rule": mm["tier"].map(tier_rule).to_numpy(),
            "id_type": shown["rule"].reindex(mm["vcode"]).map(RULE_ID_TYPE).to_numpy(),
            "display": shown["display"].reindex(mm["vcode"]).to_numpy(),
        }
    )
    detail = dec.multi_match_details(held)
    rows = run.usable.iloc[detail["node"].to_numpy()]
    return {
        "quarantine": quarantine_rows(rows, MULTI_MATCH, detail["detail"]),
        "decisions": dec.decision_frame(
            decision=MULTI_MATCH,
            asset_id=detail["asset_id"].to_numpy(),
            other_asset_id=detail["other_asset_id"].to_numpy(),
            record_key=detail["record_key"].to_numpy(),
            rule=detail["rule"].to_numpy(),
            detail=detail["detail"].to_numpy(),
        ),
    }


def owned_keys(run: Run) -> pd.DataFrame:
    """Key rows of nodes that belonged to an existing asset before this run (for MERGED reasons)."""
    keys = run.keys[(run.keys["rule"] != HOSTNAME_SEEN).to_numpy()]
    node = keys["node"].to_numpy()
    n = len(run.usable)
    owner = np.full(len(keys), -1, dtype=np.int64)
    is_record = node < n
    owner[is_record] = run.prior[node[is_record]]
    owner[~is_record] = node[~is_record] - n
    keys = keys[owner >= 0]
    return keys.assign(asset_id=run.existing.to_numpy(object)[owner[owner >= 0]])


def dropped_carriers(run: Run) -> pd.DataFrame:
    """Carriers of every identifier value the clustering refused, with their final assets."""
    dropped = run.clustering.dropped.drop_duplicates("vcode")
    rows = run.keys[np.isin(run.keys["vcode"].to_numpy(), dropped["vcode"].to_numpy())]
    node = rows["node"].to_numpy()
    n = len(run.usable)
    record_key = take(run.usable["record_key"], np.where(node < n, node, -1))
    return pd.DataFrame(
        {
            "vcode": rows["vcode"].to_numpy(),
            "rule": rows["rule"].to_numpy(),
            "display": rows["display"].to_numpy(),
            "reason": dropped.set_index("vcode")["reason"].reindex(rows["vcode"]).to_numpy(),
            "asset_id": take(run.identity.asset_ids, run.node_asset_code(node)).to_numpy(),
            "record_key": record_key.to_numpy(),
        }
    )


def newly_superseded(pairs: pd.DataFrame, state_links: pd.DataFrame) -> pd.DataFrame:
    """Supersessions that were not already recorded in the repository."""
    if state_links.empty or pairs.empty:
        return pairs
    before = state_links[state_links["superseded"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    return pairs[~isin(pairs["record_key"], before["record_key"])]


def counts(
    run: Run, quarantine: pd.DataFrame, changes: pd.DataFrame, change_source: pd.Series
) -> dict[str, dict[str, int]]:
    """Reconciliation-side counters per source (updated/unchanged are left to the repository).

    linked = records placed on an asset; new = assets a record of the source created; merged =
    records whose asset was merged into another; retired = assets a hint of the source moved
    to retired or disposed.
    """
    usable = run.usable
    merged_codes = np.flatnonzero(run.identity.merged_away)
    retired = (
        changes["applied"]
        & changes["to_status"].isin(["retired", "disposed"])
        & (changes["reason"] == "SOURCE_HINT")
    ).to_numpy(dtype=bool)
    per = {
        "records_in": run.records["source"].value_counts(),
        "quarantined": quarantine["source"].value_counts(),
        "linked": usable["source"][run.active].value_counts(),
        "new": take(usable["source"], run.identity.new_assets["anchor_node"].to_numpy()).value_counts(),
        "merged": usable["source"][np.isin(run.prior_code_raw, merged_codes)].value_counts(),
        "retired": change_source[retired].value_counts(),
    }
    sources = sorted(
        {str(s) for series in per.values() for s in series.index if pd.notna(s)} | set(run.completed)
    )
    return {s: {k: int(per[k].get(s, 0)) if k in per else 0 for k in COUNT_KEYS} for s in sources}

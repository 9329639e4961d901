"""Link rows (record -> asset) with their evidence, and supersession of re-enrolled records.

Every link explains itself: ``rule``/``matched_key``/``matched_value`` name the identifier
decision that created the link (``new`` for the record whose identifier minted the asset;
``native_id`` for links inherited without a recorded reason) and stay as long as the link
stands; ``evidence`` is refreshed every run and lists every identifier value the record
shares with the rest of its asset, host names included as corroboration only.

Links of records that disappeared from their source are carried forward (never deleted) with
``present_in_last_complete = false`` once that source completed an extraction without them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from itam_pipeline.plan import LINK_COLUMNS
from itam_pipeline.reconcile.identity import string_rank
from itam_pipeline.reconcile.jsontext import join_by_group, json_value
from itam_pipeline.reconcile.keys import HOSTNAME_SEEN, KEY_RULES, RULE_ID_TYPE
from itam_pipeline.reconcile.vec import (
    decode,
    group_sizes,
    index_in,
    isin,
    map_unique,
    recode,
    take,
    to_utc,
    utc_us,
)

NATIVE_ID = "native_id"
NEW = "new"
ASSET_CODE = "_asset_code"  # internal column: the link's asset as a code into the plan's asset ids
_RULE_CODE = {r: i for i, r in enumerate(KEY_RULES)}


@dataclass
class LinkInputs:
    """What link building needs from the rest of the run."""

    records: pd.DataFrame  # usable records (node = position)
    active: np.ndarray  # record not held back (MULTI_MATCH)
    record_code: np.ndarray  # final asset code per record
    prior_code: np.ndarray  # asset code of the record's existing link after merges, or -1
    asset_ids: pd.Index
    keys: pd.DataFrame  # node, rule, vcode, display (records and memory, incl. hostname_seen)
    labels: np.ndarray  # final cluster per node
    anchor_nodes: np.ndarray  # records that minted a new asset
    state_links: pd.DataFrame
    survivor_code: np.ndarray
    completed_sources: dict[str, bool]
    input_record_keys: pd.Series  # every record_key of the input, quarantined ones included


def build_links(inputs: LinkInputs) -> pd.DataFrame:
    """LINK_COLUMNS (+ ``_asset_code``) for every usable record and every carried-forward link."""
    current = _current_links(inputs)
    carried = _carried_links(inputs, current["record_key"])
    return pd.concat([current, carried], ignore_index=True)[[*LINK_COLUMNS, ASSET_CODE]]


def mark_superseded(links: pd.DataFrame, supersedes: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set ``superseded`` on older records of one source within one asset.

    ``supersedes`` flags the links whose source takes part. Within (asset, source) the present
    record with the latest last_seen_at is kept; the others point at it. Returns the links and
    a frame (record_key, asset_id, superseded_by) of the superseded ones.
    """
    source_code = pd.factorize(links["source"])[0]
    absent = ~links["present_in_last_complete"].to_numpy(dtype=bool)
    seen = utc_us(links["last_seen_at"]).astype(np.int64)
    seen = np.where(seen == np.iinfo(np.int64).min, np.iinfo(np.int64).max, -seen)  # latest first, NaT last
    asset = links[ASSET_CODE].to_numpy(np.int64)
    # record_key only breaks exact ties, so it is ranked only where an (asset, source) has several links.
    crowded = group_sizes(asset * (int(source_code.max()) + 2 if len(links) else 1) + source_code) > 1
    tie_break = np.zeros(len(links), dtype=np.int64)
    tie_break[crowded] = string_rank(links["record_key"][crowded])
    order = np.lexsort((tie_break, seen, absent, source_code, asset))
    group_start = np.r_[
        True, (asset[order][1:] != asset[order][:-1]) | (source_code[order][1:] != source_code[order][:-1])
    ]
    keeper = order[np.maximum.accumulate(np.where(group_start, np.arange(len(order)), 0))]
    older = supersedes[order] & ~group_start
    superseded = np.zeros(len(links), dtype=bool)
    superseded[order[older]] = True
    links = links.assign(superseded=superseded)
    rows, kept_by = order[older], keeper[older]
    pairs = pd.DataFrame(
        {
            "record_key": take(links["record_key"], rows).to_numpy(),
            "asset_id": take(links["asset_id"], rows).to_numpy(),
            "superseded_by": take(links["record_key"], kept_by).to_numpy(),
        }
    )
    return links, pairs


def _current_links(inputs: LinkInputs) -> pd.DataFrame:
    recs = inputs.records
    nodes = np.flatnonzero(inputs.active)
    evidence, strong_rule, strong_value = _evidence(inputs, nodes)
    is_anchor = np.isin(nodes, inputs.anchor_nodes)
    rule = strong_rule.mask(pd.Series(is_anchor) | strong_rule.isna(), NEW)
    matched_key = recode(strong_rule, RULE_ID_TYPE)
    record_key = take(recs["record_key"], nodes)

    # A link that stands keeps the decision that created it; only its evidence is refreshed.
    kept = pd.Series(
        (inputs.prior_code[nodes] == inputs.record_code[nodes]) & (inputs.prior_code[nodes] >= 0)
    )
    before_at = index_in(record_key, inputs.state_links["record_key"])
    before = {
        c: take(inputs.state_links[c].astype("string"), before_at)
        for c in ("rule", "matched_key", "matched_value")
    }
    unexplained = kept & before["rule"].isna()
    rule = rule.mask(kept, before["rule"]).mask(unexplained, NATIVE_ID)
    matched_key = matched_key.mask(kept, before["matched_key"]).mask(unexplained, "record_key")
    matched_value = strong_value.mask(kept, before["matched_value"]).mask(unexplained, record_key)

    first_seen = utc_us(recs["enrolled_at"].fillna(recs["last_seen_at"]).fillna(recs["extracted_at"]))[nodes]
    if len(inputs.state_links):
        earlier = utc_us(inputs.state_links["first_seen_at"])
        first_seen = np.fmin(
            first_seen, np.where(before_at >= 0, earlier[np.maximum(before_at, 0)], np.datetime64("NaT"))
        )
    return pd.DataFrame(
        {
            "record_key": record_key,
            "source": take(recs["source"], nodes),
            "source_record_id": take(recs["source_record_id"], nodes),
            "asset_id": take(inputs.asset_ids, inputs.record_code[nodes]),
            "rule": rule.astype("string"),
            "matched_key": matched_key.astype("string"),
            "matched_value": matched_value.astype("string"),
            "evidence": evidence,
            "superseded": False,
            "first_seen_at": to_utc(first_seen),
            "last_seen_at": to_utc(utc_us(recs["last_seen_at"])[nodes]),
            "present_in_last_complete": True,
            ASSET_CODE: inputs.record_code[nodes],
        }
    )


def _evidence(inputs: LinkInputs, nodes: np.ndarray) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per record node: evidence JSON, and the rule and value of its strongest shared identifier.

    An identifier counts as shared when another node of the same final cluster (another record,
    or the asset's remembered identifiers) carries the same value. The work is done on integer
    arrays; strings are only touched for the rows that end up in the evidence.
    """
    keys = inputs.keys  # (node, vcode) pairs are unique: MAC lists are deduplicated when keyed
    node, vcode = keys["node"].to_numpy(), keys["vcode"].to_numpy()
    rule = keys["rule"].cat.codes.to_numpy().astype(np.int64)
    position = np.full(len(inputs.labels), -1, dtype=np.int64)
    position[nodes] = np.arange(len(nodes))
    carriers = group_sizes(inputs.labels[node] * np.int64(vcode.max(initial=0) + 1) + vcode)
    rows = np.flatnonzero((position[node] >= 0) & (carriers >= 2))
    rows = rows[np.lexsort((vcode[rows], keys["tier"].to_numpy()[rows], position[node[rows]]))]
    row_pos, row_rule = position[node[rows]], rule[rows]

    # Strongest shared identifier: the first non-evidence-only row of each record (tier order).
    linking = row_rule != _RULE_CODE[HOSTNAME_SEEN]
    link_rows, link_pos = rows[linking], row_pos[linking]
    first = np.r_[True, link_pos[1:] != link_pos[:-1]] if link_rows.size else np.zeros(0, bool)
    strong_at = np.full(len(nodes), -1, dtype=np.int64)
    strong_at[link_pos[first]] = link_rows[first]
    strong_rule = decode(np.append(rule, -1)[strong_at], KEY_RULES)  # -1 picks the appended "none"
    strong_value = take(keys["display"], strong_at)

    # Host names come from the plain hostname_seen rows (every shared name); rows are sorted by
    # tier, so the rows of one (record, rule) are contiguous.
    listed = row_rule != _RULE_CODE["hostname"]
    listed_rows, listed_pos, listed_rule = rows[listed], row_pos[listed], row_rule[listed]
    starts = (
        np.r_[True, (listed_pos[1:] != listed_pos[:-1]) | (listed_rule[1:] != listed_rule[:-1])]
        if listed_rows.size
        else np.zeros(0, bool)
    )
    group = np.cumsum(starts) - 1
    values = join_by_group(group, json_value(take(keys["display"], listed_rows)), int(starts.sum()))
    names = decode(listed_rule[starts], [RULE_ID_TYPE[r] for r in KEY_RULES])
    pieces = '"' + names + '":[' + values + "]"
    evidence = "{" + join_by_group(listed_pos[starts], pieces, len(nodes)) + "}"
    return evidence.astype("string"), strong_rule, strong_value


def _carried_links(inputs: LinkInputs, current_keys: pd.Series) -> pd.DataFrame:
    """Existing links of records no longer in the input, re-pointed through merges."""
    state = inputs.state_links
    carried = state[~isin(state["record_key"], current_keys)].copy() if len(state) else state.copy()
    if carried.empty:
        return carried.reindex(columns=[*LINK_COLUMNS, ASSET_CODE])
    code = inputs.asset_ids.get_indexer(carried["asset_id"].astype("string"))
    code = np.where(code >= 0, inputs.survivor_code[np.maximum(code, 0)], -1)
    carried["asset_id"] = take(inputs.asset_ids, code).to_numpy()
    carried[ASSET_CODE] = code
    gone = ~isin(carried["record_key"], inputs.input_record_keys)
    completed = map_unique(carried["source"], lambda s: bool(inputs.completed_sources.get(s, False)), bool)
    prior = carried["present_in_last_complete"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    carried["present_in_last_complete"] = np.where(gone & completed, False, prior)
    return carried

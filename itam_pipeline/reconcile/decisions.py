"""Audit rows for match decisions a human may want to review or undo.

* MERGED - two existing assets turned out to be one device;
* MULTI_MATCH - a new record pointed at several existing assets and was held back;
* CANNOT_LINK - an identifier value was not used because it would join two serials, tags,
  too many IMEIs or two existing assets (or could not say which side it belonged to);
* SUPERSEDED - a newer record of the same source replaced an older one on an asset;
* FORBIDDEN_TRANSITION - a status change the state machine refused.

CANNOT_LINK and MULTI_MATCH describe the current input, so they are reported on every run
while the situation lasts; the others are reported when they happen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from itam_pipeline.plan import DECISION_COLUMNS
from itam_pipeline.reconcile.jsontext import json_list_by_group, json_object, json_value
from itam_pipeline.reconcile.keys import RULE_ID_TYPE
from itam_pipeline.reconcile.vec import unique_sorted


def decision_frame(**columns: object) -> pd.DataFrame:
    """DECISION_COLUMNS rows from column arrays (missing columns are null)."""
    lengths = [len(v) for v in columns.values() if isinstance(v, np.ndarray | pd.Series | list)]
    n = lengths[0] if lengths else 0
    data = {c: columns.get(c, [None] * n) for c in DECISION_COLUMNS}
    data = {c: np.asarray(v, dtype=object) if not isinstance(v, str) else [v] * n for c, v in data.items()}
    return pd.DataFrame(data).astype("string")[list(DECISION_COLUMNS)]


def merged_decisions(merges: pd.DataFrame, owned_keys: pd.DataFrame | None) -> pd.DataFrame:
    """One MERGED row per merged asset, naming the strongest identifier both assets carried.

    ``owned_keys``: key rows of nodes belonging to existing assets (asset_id, rule, tier, vcode,
    display); only read when there are merges.
    """
    if merges.empty or owned_keys is None:
        return decision_frame()
    pairs = merges.rename(columns={"asset_id": "merged"})
    keys = owned_keys[["asset_id", "tier", "vcode", "rule", "display"]]
    merged_side = pairs.merge(keys.rename(columns={"asset_id": "merged"}), on="merged")
    survivor_side = pairs.merge(keys.rename(columns={"asset_id": "survivor"}), on="survivor")
    common = merged_side.merge(
        survivor_side[["merged", "survivor", "vcode"]], on=["merged", "survivor", "vcode"]
    )
    reason = common.sort_values(["tier", "vcode"]).drop_duplicates("merged").set_index("merged")
    rule = reason["rule"].reindex(merges["asset_id"]).to_numpy(dtype=object)
    display = reason["display"].reindex(merges["asset_id"]).to_numpy(dtype=object)
    detail = json_object(
        {
            "merged_into": merges["survivor"].astype("string"),
            "id_type": pd.Series(rule, dtype="string").map(RULE_ID_TYPE),
            "value": pd.Series(display, dtype="string"),
        }
    )
    return decision_frame(
        decision="MERGED",
        asset_id=merges["survivor"].to_numpy(),
        other_asset_id=merges["asset_id"].to_numpy(),
        rule=rule,
        detail=detail.to_numpy(),
    )


def multi_match_details(held: pd.DataFrame) -> pd.DataFrame:
    """Per held-back record node: record_key, tier rule, candidate asset ids and keys (JSON).

    ``held``: node, record_key, asset_id, rule, id_type, display (one row per candidate and key).
    """
    held = held.sort_values(["node", "asset_id", "display"])
    nodes = unique_sorted(held["node"].to_numpy())
    assets = held.drop_duplicates(["node", "asset_id"])
    keys = held.dropna(subset=["display"]).drop_duplicates(["node", "id_type", "display"])
    a_code = np.searchsorted(nodes, assets["node"].to_numpy())
    k_code = np.searchsorted(nodes, keys["node"].to_numpy())
    key_text = json_object({"id_type": keys["id_type"], "value": keys["display"]})
    first = held.drop_duplicates("node").reset_index(drop=True)
    second = assets[assets.duplicated("node")].drop_duplicates("node").set_index("node")["asset_id"]
    candidates = json_list_by_group(a_code, json_value(assets["asset_id"]), len(nodes))
    out = pd.DataFrame(
        {
            "node": nodes,
            "record_key": first["record_key"].to_numpy(),
            "rule": first["rule"].to_numpy(),
            "asset_id": first["asset_id"].to_numpy(),
            "other_asset_id": second.reindex(nodes).to_numpy(dtype=object),
        }
    )
    out["detail"] = json_object(
        {
            "record_key": out["record_key"],
            "candidates": pd.Series(candidates),
            "keys": pd.Series(json_list_by_group(k_code, key_text, len(nodes))),
        },
        raw=frozenset({"candidates", "keys"}),
    ).to_numpy()
    return out


def cannot_link_decisions(carriers: pd.DataFrame) -> pd.DataFrame:
    """One CANNOT_LINK row per dropped identifier value whose carriers ended on different assets.

    ``carriers``: vcode, rule, display, reason, asset_id, record_key (null for remembered ids).
    """
    carriers = carriers.dropna(subset=["asset_id"])
    spread = carriers.groupby("vcode")["asset_id"].nunique()
    carriers = carriers[carriers["vcode"].isin(spread[spread >= 2].index)]
    if carriers.empty:
        return decision_frame()
    carriers = carriers.sort_values(["vcode", "asset_id", "record_key"], na_position="last")
    values = unique_sorted(carriers["vcode"].to_numpy())
    assets = carriers.drop_duplicates(["vcode", "asset_id"])
    records = carriers.dropna(subset=["record_key"])
    head = carriers.drop_duplicates("vcode").reset_index(drop=True)
    second = assets[assets.duplicated("vcode")].drop_duplicates("vcode").set_index("vcode")["asset_id"]
    detail = json_object(
        {
            "id_type": head["rule"].map(RULE_ID_TYPE),
            "value": head["display"],
            "conflict": head["reason"],
            "assets": pd.Series(
                json_list_by_group(
                    np.searchsorted(values, assets["vcode"]), json_value(assets["asset_id"]), len(values)
                )
            ),
            "records": pd.Series(
                json_list_by_group(
                    np.searchsorted(values, records["vcode"]), json_value(records["record_key"]), len(values)
                )
            ),
        },
        raw=frozenset({"assets", "records"}),
    )
    first_record = records.drop_duplicates("vcode").set_index("vcode")["record_key"]
    return decision_frame(
        decision="CANNOT_LINK",
        asset_id=head["asset_id"].to_numpy(),
        other_asset_id=second.reindex(values).to_numpy(dtype=object),
        record_key=first_record.reindex(values).to_numpy(dtype=object),
        rule=head["rule"].to_numpy(),
        detail=detail.to_numpy(),
    )


def superseded_decisions(pairs: pd.DataFrame) -> pd.DataFrame:
    """SUPERSEDED rows (record_key, asset_id, superseded_by)."""
    detail = json_object({"superseded_by": pairs["superseded_by"]})
    return decision_frame(
        decision="SUPERSEDED",
        asset_id=pairs["asset_id"].to_numpy(),
        record_key=pairs["record_key"].to_numpy(),
        rule="reenrolment",
        detail=detail.to_numpy(),
    )


def forbidden_decisions(changes: pd.DataFrame) -> pd.DataFrame:
    """FORBIDDEN_TRANSITION rows for status changes that were refused."""
    refused = changes[~changes["applied"].astype(bool)]
    detail = json_object(
        {
            "from_status": refused["from_status"],
            "to_status": refused["to_status"],
            "evidence": refused["evidence"],
        },
        raw=frozenset({"evidence"}),
    )
    return decision_frame(
        decision="FORBIDDEN_TRANSITION",
        asset_id=refused["asset_id"].to_numpy(),
        rule="lifecycle",
        detail=detail.to_numpy(),
    )

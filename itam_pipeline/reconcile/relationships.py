"""Relationships of golden assets: to people, places, cost centres and other assets.

Each rule is a function ``(RelationshipInputs) -> frame of RELATIONSHIP_COLUMNS``; adding a
relationship means adding a function to ``RELATIONSHIP_RULES``.

* asset -> user / location / cost centre come from the surviving golden values (the source is
  the one that supplied the value);
* SIM card -> phone: a SIM record's IMEI names the handset it sits in (matching ignores that
  IMEI for SIM cards, so the two stay separate assets);
* virtual machine -> host: when records carry the optional ``virtual_host_name`` column
  (Device42 reports it), the host is the physical asset with that hostname, if exactly one has it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from itam_pipeline.plan import RELATIONSHIP_COLUMNS
from itam_pipeline.reconcile.vec import index_in, take
from itam_pipeline.schema import AssetType

VIRTUAL_HOST_COLUMN = "virtual_host_name"

# golden attribute -> (relation, target_type)
ATTRIBUTE_RELATIONS = {
    "primary_user": ("assigned_to", "user"),
    "location": ("located_at", "location"),
    "cost_center": ("charged_to", "cost_center"),
}


@dataclass
class RelationshipInputs:
    """Golden rows, their provenance and the records placed on assets."""

    golden: pd.DataFrame
    provenance: pd.DataFrame
    records: pd.DataFrame  # usable, active records
    record_asset: pd.Series  # asset id per row of ``records``


def attribute_relations(inputs: RelationshipInputs) -> pd.DataFrame:
    """asset -> user / location / cost centre, from the golden values."""
    frames = []
    prov = inputs.provenance
    by_code = _coded_by_golden_row(prov, inputs.golden)
    for attribute, (relation, target_type) in ATTRIBUTE_RELATIONS.items():
        column = inputs.golden[["asset_id", attribute]]
        present = column[attribute].notna().to_numpy(dtype=bool)
        rows = column[present]
        supplied = prov.loc[(prov["attribute"] == attribute).to_numpy(dtype=bool), ["asset_id", "source"]]
        if by_code:  # provenance rows name their asset by its golden row: no text look-up
            at = np.full(len(column), -1, dtype=np.int64)
            at[supplied["asset_id"].cat.codes.to_numpy()] = np.arange(len(supplied))
            at = at[present]
        else:
            at = pd.Index(supplied["asset_id"]).get_indexer(rows["asset_id"].astype("string"))
        source = take(supplied["source"], at)
        frames.append(
            pd.DataFrame(
                {  # extension arrays, not to_numpy(): no Python object per row
                    "asset_id": rows["asset_id"].astype("string").array,
                    "relation": relation,
                    "target_type": target_type,
                    "target_id": rows[attribute].astype("string").array,
                    "source": source.astype("string").array,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _coded_by_golden_row(provenance: pd.DataFrame, golden: pd.DataFrame) -> bool:
    """Whether provenance's asset ids are categorical codes of exactly the golden rows, in order."""
    ids = provenance["asset_id"]
    if not isinstance(ids.dtype, pd.CategoricalDtype) or len(ids.cat.categories) != len(golden):
        return False
    categories = pa.array(ids.cat.categories.astype("string"), type=pa.large_string())
    golden_ids = pa.array(golden["asset_id"].astype("string").array, type=pa.large_string())
    return bool(pc.all(pc.equal(categories, golden_ids)).as_py()) and not ids.isna().any()


def sim_in_phone(inputs: RelationshipInputs) -> pd.DataFrame:
    """SIM card -> the phone whose IMEI the SIM record reports."""
    # Only records with an IMEI can take part; select them before attaching asset ids.
    with_imei_rows = np.flatnonzero(inputs.records["imei"].notna().to_numpy(dtype=bool))
    recs = inputs.records[["asset_type", "imei", "source"]].iloc[with_imei_rows].reset_index(drop=True)
    recs["asset_id"] = take(inputs.record_asset, with_imei_rows).astype("string").array
    is_sim = (recs["asset_type"] == AssetType.SIM_CARD.value).fillna(False).to_numpy(dtype=bool)
    phones = recs[~is_sim].drop_duplicates(["imei", "asset_id"])
    phones = phones[~phones["imei"].duplicated(keep=False)].set_index("imei")["asset_id"]
    sims = recs[is_sim]
    target = phones.reindex(sims["imei"]).to_numpy()
    found = pd.notna(target)
    return pd.DataFrame(
        {
            "asset_id": sims["asset_id"].to_numpy()[found],
            "relation": "installed_in",
            "target_type": "asset",
            "target_id": target[found],
            "source": sims["source"].to_numpy()[found],
        }
    )


def vm_on_host(inputs: RelationshipInputs) -> pd.DataFrame:
    """Virtual machine -> its host, by the host's (unique) hostname."""
    recs = inputs.records
    if VIRTUAL_HOST_COLUMN not in recs.columns:
        return pd.DataFrame(columns=list(RELATIONSHIP_COLUMNS))
    golden = inputs.golden[["asset_id", "hostname", "is_virtual"]]
    physical = golden[
        ~golden["is_virtual"].fillna(False).to_numpy(dtype=bool) & golden["hostname"].notna().to_numpy()
    ]
    hosts = physical.drop_duplicates("hostname", keep=False)
    host_name = recs[VIRTUAL_HOST_COLUMN].astype("string").str.lower().str.split(".", n=1).str[0]
    target = take(hosts["asset_id"].astype("string"), index_in(host_name, hosts["hostname"]))
    record_asset = inputs.record_asset.astype("string").reset_index(drop=True)
    found = (target.notna() & (target != record_asset)).fillna(False).to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "asset_id": record_asset[found].to_numpy(),
            "relation": "hosted_on",
            "target_type": "asset",
            "target_id": target[found].to_numpy(),
            "source": recs["source"].to_numpy()[found],
        }
    )


RELATIONSHIP_RULES: tuple[Callable[[RelationshipInputs], pd.DataFrame], ...] = (
    attribute_relations,
    sim_in_phone,
    vm_on_host,
)


def build_relationships(inputs: RelationshipInputs) -> pd.DataFrame:
    """Every relationship of every rule (attribute relations are unique by construction)."""
    frames = [_without_repeated_links(rule(inputs).astype("string")) for rule in RELATIONSHIP_RULES]
    frames = [f[list(RELATIONSHIP_COLUMNS)] for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in RELATIONSHIP_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def _without_repeated_links(frame: pd.DataFrame) -> pd.DataFrame:
    """Asset-to-asset links once each: several records of one asset may report the same link.

    Deduplicated per rule, before the frames are joined: the attribute relations (most rows)
    are unique by construction and are not copied again.
    """
    linked = (frame["target_type"] == "asset").fillna(False).to_numpy(dtype=bool)
    if not linked.any():
        return frame
    return pd.concat(
        [frame[~linked], frame[linked].drop_duplicates(["asset_id", "relation", "target_id"])],
        ignore_index=True,
    )

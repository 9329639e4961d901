"""The state of one reconciliation run, shared by the steps after matching."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from itam_pipeline.plan import RepositoryState
from itam_pipeline.reconcile.config import ReconcileConfig
from itam_pipeline.reconcile.identity import Identity
from itam_pipeline.reconcile.matching import Clustering


@dataclass
class Run:
    """Inputs, intermediate results and derived lookups of one ``reconcile`` call."""

    cfg: ReconcileConfig
    now: pd.Timestamp
    run_id: str
    completed: dict[str, bool]
    records: pd.DataFrame  # the input, quarantined rows included
    usable: pd.DataFrame  # usable records; node i = row i
    held: pd.DataFrame  # quarantine rows from normalization
    state: RepositoryState
    existing: pd.Index  # existing asset ids, sorted; node n + i = existing[i]
    prior: np.ndarray  # per record: index into ``existing`` of its existing link, or -1
    memory: pd.DataFrame  # remembered identifiers (node, asset_id, id_type, id_value, source)
    keys: pd.DataFrame  # identifier key rows (overloaded values removed)
    sources: list[str]  # names of keys["source_code"]
    clustering: Clustering
    identity: Identity
    overloaded: pd.DataFrame

    @cached_property
    def active(self) -> np.ndarray:
        """Records placed on an asset (not held back as MULTI_MATCH)."""
        return self.identity.record_code >= 0

    @cached_property
    def prior_code_raw(self) -> np.ndarray:
        """Asset code of each record's existing link before this run's merges, or -1."""
        linked = self.prior >= 0
        out = np.full(len(self.prior), -1, dtype=np.int64)
        out[linked] = self.identity.existing_code[self.prior[linked]]
        return out

    @cached_property
    def prior_code(self) -> np.ndarray:
        """Asset code of each record's existing link after this run's merges, or -1."""
        raw = self.prior_code_raw
        return np.where(raw >= 0, self.identity.survivor_code[np.maximum(raw, 0)], -1)

    def node_asset_code(self, nodes: np.ndarray) -> np.ndarray:
        """Final asset code of record nodes and of existing-asset nodes (following merges)."""
        n = len(self.usable)
        nodes = np.asarray(nodes, dtype=np.int64)
        out = np.full(len(nodes), -1, dtype=np.int64)
        is_record = nodes < n
        out[is_record] = self.identity.record_code[nodes[is_record]]
        existing_code = self.identity.existing_code[nodes[~is_record] - n]
        out[~is_record] = self.identity.survivor_code[existing_code]
        return out

"""Reconciliation: match source records into golden assets, choose their values, track their lifecycle.

``reconcile(records, state, run_id=..., now=..., completed_sources=...)`` is pure (pandas,
numpy, Arrow; no I/O) and returns a ``ReconciliationPlan``: the complete desired state that the
repository diffs and writes. Settings live in ``itam_pipeline/data/reconciliation.yaml``;
``empty_state()`` and ``state_from_plan()`` build repository states without a database.

Where this departs from the reference design (reconciliation-design.md, part c), and why:

* Host names: the design's probabilistic stage is not used. Instead a deterministic
  *corroborated* hostname rule links (host name + model) or (host name + primary user) when
  the name is unique within each source, recently seen and not a handheld's label. White-box
  PCs with placeholder serials share nothing else across sources; a bare name never links.
* MAC addresses link on their own (the brief asks for MAC-only links); they are safe because
  normalization keeps burned-in MACs only, values shared by too many records are dropped as
  overloaded, and a MAC can never join two different serials or two existing assets.
* Cannot-link on serials is stricter than "same manufacturer": a cluster never holds two
  different serial identities, since two different valid serials are two devices whatever the
  makers say. The manufacturer only qualifies a serial_key that several makers use.
* Merged assets are not deleted: the younger asset keeps its row with status ``retired``,
  reason MERGED, and a MERGED decision naming the survivor (so it leaves active counts).
* Absence from one complete extraction already makes an asset ``missing`` (a soft,
  reversible state); the row-count tolerance of the completeness gate belongs to the asset
  checks, which decide ``completed_sources``.
* Null never overwrites a value, across runs too: a value no current record supplies is kept
  from the previous golden row (provenance rule ``retained``).
* Clone detection (two live enrolments of one serial with overlapping activity) is not flagged;
  the older record is superseded like any re-enrolment.
"""

from itam_pipeline.reconcile.config import ReconcileConfig, load_config
from itam_pipeline.reconcile.engine import reconcile
from itam_pipeline.reconcile.state import empty_state, state_from_plan

__all__ = ["ReconcileConfig", "empty_state", "load_config", "reconcile", "state_from_plan"]

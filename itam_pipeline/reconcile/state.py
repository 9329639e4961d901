"""Repository state helpers: an empty state for a first run, and a plan replayed as state.

``state_from_plan`` is what the repository would load after writing a plan; tests and dry-run
tools use it to chain runs without a database.
"""

from __future__ import annotations

import pandas as pd

from itam_pipeline.plan import IDENTIFIER_COLUMNS, LINK_COLUMNS, ReconciliationPlan, RepositoryState
from itam_pipeline.schema import GOLDEN_SCHEMA, TS, empty_frame

OVERRIDE_COLUMNS = ("asset_id", "attribute", "value", "set_by", "set_at")


def empty_links() -> pd.DataFrame:
    """An empty LINK_COLUMNS frame with usable dtypes."""
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in LINK_COLUMNS})
    frame["superseded"] = frame["superseded"].astype(bool)
    frame["present_in_last_complete"] = frame["present_in_last_complete"].astype(bool)
    for column in ("first_seen_at", "last_seen_at"):
        frame[column] = pd.Series(dtype=pd.DatetimeTZDtype("us", "UTC"))
    return frame


def empty_overrides() -> pd.DataFrame:
    """An empty overrides frame (asset_id, attribute, value, set_by, set_at)."""
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in OVERRIDE_COLUMNS})
    frame["set_at"] = pd.Series(dtype=pd.DatetimeTZDtype(TS.unit, "UTC"))
    return frame


def empty_state() -> RepositoryState:
    """The state of an empty repository (first run)."""
    return RepositoryState(
        assets=empty_frame(GOLDEN_SCHEMA),
        links=empty_links(),
        identifiers=pd.DataFrame({c: pd.Series(dtype="string") for c in IDENTIFIER_COLUMNS}),
        overrides=empty_overrides(),
    )


def state_from_plan(plan: ReconciliationPlan, overrides: pd.DataFrame | None = None) -> RepositoryState:
    """The state a repository holds after applying ``plan`` (plus optional manual overrides)."""
    return RepositoryState(
        assets=plan.assets.copy(),
        links=plan.links.copy(),
        identifiers=plan.identifiers.copy(),
        overrides=empty_overrides() if overrides is None else overrides.copy(),
        last_complete_counts={s: c.get("records_in", 0) for s, c in plan.counts.items()},
    )


def complete_state(state: RepositoryState) -> RepositoryState:
    """``state`` with every frame present and carrying at least its contract columns."""
    frames = {
        "assets": state.assets,
        "links": state.links,
        "identifiers": state.identifiers,
        "overrides": state.overrides,
    }
    required = {
        "assets": [f.name for f in GOLDEN_SCHEMA],
        "links": list(LINK_COLUMNS),
        "identifiers": list(IDENTIFIER_COLUMNS),
        "overrides": list(OVERRIDE_COLUMNS),
    }
    if all(f is not None and set(required[k]) <= set(f.columns) for k, f in frames.items()):
        return state
    empty = empty_state()
    for name, frame in frames.items():
        template = getattr(empty, name)
        if frame is None:
            frames[name] = template
            continue
        missing = [c for c in template.columns if c not in frame.columns]
        frames[name] = (
            frame.assign(**{c: template[c].reindex(frame.index) for c in missing}) if missing else frame
        )
    return RepositoryState(**frames, last_complete_counts=dict(state.last_complete_counts))

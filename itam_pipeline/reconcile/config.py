"""Reconciliation settings loaded from ``itam_pipeline/data/reconciliation.yaml``.

The YAML file documents every setting; this module only turns it into typed, validated
objects and answers the one question the engine keeps asking: "what rank does source X
have for attribute Y?".
"""

from __future__ import annotations

import fnmatch
import functools
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from itam_pipeline.schema import SURVIVOR_ATTRIBUTES, Status

MATCH_RULES = ("serial", "imei", "uuid", "azure_ad_device_id", "asset_tag", "mac", "hostname")
CANNOT_LINK_ATTRIBUTES = ("serial", "imei", "asset_tag")
SURVIVOR_MODES = ("precedence", "recency")


@dataclass(frozen=True)
class MatchRule:
    """One identifier rule of the matching cascade."""

    rule: str
    strong: bool


@dataclass(frozen=True)
class HostnameRule:
    """Eligibility of records for the corroborated hostname rule."""

    excluded_asset_types: tuple[str, ...]
    max_age_days: float


@dataclass(frozen=True)
class AttributeRule:
    """How one golden attribute is chosen among the candidate values."""

    precedence: tuple[tuple[str, ...], ...]  # source patterns by rank; an inner tuple is a tie
    mode: str = "precedence"
    refresh_days: float | None = None

    def rank_of(self, source: str) -> int | None:
        """Rank of ``source`` (0 = best) or None when the source may not supply the attribute."""
        for rank, patterns in enumerate(self.precedence):
            if any(fnmatch.fnmatchcase(source, p) for p in patterns):
                return rank
        return None


@dataclass(frozen=True)
class StatusWindow:
    """Check-in age thresholds (days) that separate active, stale and missing."""

    active_days: float
    stale_days: float


HINT_STRENGTHS = ("hard", "soft", "weak")


@dataclass(frozen=True)
class HintRule:
    """What a source's lifecycle_hint says about the asset's status."""

    status: str
    strength: str  # hard | soft | weak (see reconciliation.yaml)


@dataclass(frozen=True)
class LifecycleConfig:
    """Evidence-driven status rules."""

    activity_sources: tuple[str, ...]
    default_window: StatusWindow
    windows_by_asset_type: dict[str, StatusWindow]
    hints: dict[str, HintRule]  # in priority order
    withdrawn_hints: tuple[str, ...]
    default_status: str
    transitions: dict[str, frozenset[str]]

    def is_activity_source(self, source: str) -> bool:
        """True when ``source``'s last_seen_at is an agent/MDM check-in."""
        return any(fnmatch.fnmatchcase(source, p) for p in self.activity_sources)

    def allows(self, from_status: str | None, to_status: str) -> bool:
        """Whether the declared state machine allows ``from_status -> to_status``."""
        if from_status is None or from_status == to_status:
            return True
        return to_status in self.transitions.get(from_status, frozenset())


@dataclass(frozen=True)
class ReconcileConfig:
    """Every tunable of matching, survivorship and lifecycle."""

    rules: tuple[MatchRule, ...]
    max_records_per_value: int
    cannot_link: dict[str, int]
    imei_ignored_for_asset_types: tuple[str, ...]
    hostname_rule: HostnameRule
    supersede_sources: tuple[str, ...]
    attributes: dict[str, AttributeRule]
    coupled: dict[str, tuple[str, ...]]
    lifecycle: LifecycleConfig
    asset_id_namespace: uuid.UUID
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def supersedes(self, source: str) -> bool:
        """True when duplicate records of ``source`` on one asset supersede each other."""
        return any(fnmatch.fnmatchcase(source, p) for p in self.supersede_sources)


DEFAULT_CONFIG_RESOURCE = "reconciliation.yaml"


def load_config(path: str | Path | None = None) -> ReconcileConfig:
    """Load and validate reconciliation settings (the bundled YAML when ``path`` is None)."""
    if path is None:
        return _bundled_config()
    return parse_config(yaml.safe_load(Path(path).read_text("utf-8")))


@functools.cache
def _bundled_config() -> ReconcileConfig:
    # Parsed once per process: every run without an explicit config uses the same settings.
    text = resources.files("itam_pipeline").joinpath("data", DEFAULT_CONFIG_RESOURCE).read_text("utf-8")
    return parse_config(yaml.safe_load(text))


def parse_config(doc: dict[str, Any]) -> ReconcileConfig:
    """Build a ReconcileConfig from the parsed YAML document; raises ValueError when invalid."""
    matching, surv, life = doc["matching"], doc["survivorship"], doc["lifecycle"]
    rules = tuple(MatchRule(str(r["rule"]), bool(r["strong"])) for r in matching["rules"])
    unknown = {r.rule for r in rules} - set(MATCH_RULES)
    if unknown:
        raise ValueError(f"unknown matching rules {sorted(unknown)}; known: {MATCH_RULES}")
    cannot_link = {k: int(v) for k, v in matching["cannot_link"].items()}
    if set(cannot_link) - set(CANNOT_LINK_ATTRIBUTES):
        raise ValueError(f"cannot_link keys must be among {CANNOT_LINK_ATTRIBUTES}")
    return ReconcileConfig(
        rules=rules,
        max_records_per_value=int(matching["max_records_per_value"]),
        cannot_link=cannot_link,
        imei_ignored_for_asset_types=tuple(matching.get("imei_ignored_for_asset_types") or ()),
        hostname_rule=HostnameRule(
            excluded_asset_types=tuple(matching["hostname_rule"].get("excluded_asset_types") or ()),
            max_age_days=float(matching["hostname_rule"]["max_age_days"]),
        ),
        supersede_sources=tuple(matching.get("supersede_sources") or ()),
        attributes=_parse_attributes(surv["attributes"]),
        coupled={k: tuple(v) for k, v in (surv.get("coupled") or {}).items()},
        lifecycle=_parse_lifecycle(life),
        asset_id_namespace=uuid.UUID(str(doc["identity"]["asset_id_namespace"])),
        raw=doc,
    )


def _parse_attributes(section: dict[str, Any]) -> dict[str, AttributeRule]:
    missing = set(SURVIVOR_ATTRIBUTES) - set(section)
    if missing:
        raise ValueError(f"survivorship rules missing for {sorted(missing)}")
    out: dict[str, AttributeRule] = {}
    for name, spec in section.items():
        if name not in SURVIVOR_ATTRIBUTES:
            raise ValueError(f"survivorship rule for unknown attribute {name!r}")
        mode = spec.get("mode", "precedence")
        if mode not in SURVIVOR_MODES:
            raise ValueError(f"{name}: mode must be one of {SURVIVOR_MODES}")
        precedence = tuple((p,) if isinstance(p, str) else tuple(p) for p in spec["precedence"])
        days = spec.get("refresh_days")
        out[name] = AttributeRule(precedence, mode, None if days is None else float(days))
    return out


def _parse_lifecycle(section: dict[str, Any]) -> LifecycleConfig:
    statuses = {s.value for s in Status}
    windows = section["windows"]
    transitions = {k: frozenset(v or ()) for k, v in section["transitions"].items()}
    named = set(transitions) | {s for targets in transitions.values() for s in targets}
    hints = {str(k): HintRule(str(v["status"]), str(v["strength"])) for k, v in section["hints"].items()}
    named |= {h.status for h in hints.values()} | {section["default_status"]}
    if named - statuses:
        raise ValueError(f"unknown statuses in lifecycle settings: {sorted(named - statuses)}")
    if {h.strength for h in hints.values()} - set(HINT_STRENGTHS):
        raise ValueError(f"hint strength must be one of {HINT_STRENGTHS}")
    return LifecycleConfig(
        activity_sources=tuple(section["activity_sources"]),
        default_window=_window(windows["default"]),
        windows_by_asset_type={k: _window(v) for k, v in (windows.get("by_asset_type") or {}).items()},
        hints=hints,
        withdrawn_hints=tuple(section.get("withdrawn_hints") or ()),
        default_status=str(section["default_status"]),
        transitions=transitions,
    )


def _window(spec: dict[str, Any]) -> StatusWindow:
    window = StatusWindow(float(spec["active_days"]), float(spec["stale_days"]))
    if not 0 < window.active_days <= window.stale_days:
        raise ValueError(f"window needs 0 < active_days <= stale_days, got {spec}")
    return window

"""The junk-identifier registry: placeholder values that look like identifiers but identify nothing.

The bundled ``data/junk_registry.yaml`` seeds it (GLPI's defaults plus values seen in public
inventory code); users add their own files (``ITAM_JUNK_REGISTRY``) and ``JunkRegistry.load``
merges them: lists are unioned, scalars from later files win. The YAML format is described at
the top of the bundled file.

Exact values are stored as written; every normalizer keys them with the same vectorized function
it applies to the data, so ``"To be filled by O.E.M."`` in the file matches ``to be filled by oem``
in a payload exactly when the two normalize to the same key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

# Identifier kinds the registry knows; each YAML section is named after one of them.
KINDS = ("serial", "mac", "uuid", "hostname", "manufacturer", "model", "asset_tag")

DEFAULT_SERIAL_MIN_LENGTH = 5


class RegistryError(ValueError):
    """A registry file is unreadable or does not follow the documented format."""


@dataclass(frozen=True)
class NamedPattern:
    """A junk regex; ``name`` becomes the reason (``junk:<name>``) when it matches."""

    name: str
    regex: str

    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.regex)


@dataclass(frozen=True)
class JunkRules:
    """Junk values of one identifier kind: exact placeholders and regexes (searched, case-insensitive)."""

    exact: frozenset[str] = frozenset()
    patterns: tuple[NamedPattern, ...] = ()


@dataclass(frozen=True)
class JunkRegistry:
    """Every junk rule the normalizers apply, merged from the bundled file and user extensions."""

    version: str
    files: tuple[str, ...]
    rules: Mapping[str, JunkRules]
    serial_min_length: int = DEFAULT_SERIAL_MIN_LENGTH
    serial_min_length_by_manufacturer: Mapping[str, int] = field(default_factory=dict)
    # MAC prefixes of hypervisor NICs: identifying for a VM, meaningless on physical hardware.
    mac_virtual_prefixes: tuple[str, ...] = ()

    @classmethod
    def load(cls, extra_paths: Iterable[Path | str] = ()) -> JunkRegistry:
        """The bundled registry merged with each file of ``extra_paths`` in order.

        Raises:
            RegistryError: a file is missing, is not YAML, or breaks the format.
        """
        documents = [("junk_registry.yaml (bundled)", _bundled_document())]
        for path in extra_paths:
            documents.append((str(path), _read_document(Path(path))))
        return _merge(documents)

    @classmethod
    def default(cls) -> JunkRegistry:
        """The bundled registry alone (parsed once per process)."""
        return _default_registry()

    def for_kind(self, kind: str) -> JunkRules:
        """The rules of one identifier kind (empty rules for a kind no file mentions)."""
        if kind not in KINDS:
            raise KeyError(f"unknown identifier kind {kind!r}; expected one of {', '.join(KINDS)}")
        return self.rules.get(kind, JunkRules())


@cache
def _default_registry() -> JunkRegistry:
    return JunkRegistry.load()


def _bundled_document() -> dict[str, Any]:
    text = resources.files("itam_pipeline").joinpath("data", "junk_registry.yaml").read_text("utf-8")
    return _parse(text, "junk_registry.yaml (bundled)")


def _read_document(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise RegistryError(f"junk registry {path}: cannot read ({exc.strerror or exc})") from exc
    return _parse(text, str(path))


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RegistryError(f"junk registry {name}: not valid YAML ({exc})") from exc
    if not isinstance(document, dict):
        raise RegistryError(f"junk registry {name}: the top level must be a mapping")
    unknown = set(document) - {"version", *KINDS}
    if unknown:
        raise RegistryError(
            f"junk registry {name}: unknown section(s) {', '.join(sorted(unknown))}; "
            f"expected version and any of {', '.join(KINDS)}"
        )
    return document


def _merge(documents: Sequence[tuple[str, dict[str, Any]]]) -> JunkRegistry:
    exact: dict[str, set[str]] = {k: set() for k in KINDS}
    patterns: dict[str, dict[str, NamedPattern]] = {k: {} for k in KINDS}
    min_length = DEFAULT_SERIAL_MIN_LENGTH
    by_manufacturer: dict[str, int] = {}
    virtual_prefixes: dict[str, None] = {}
    versions: list[str] = []
    for name, document in documents:
        if "version" in document:
            versions.append(str(document["version"]))
        for kind in KINDS:
            section = _section(document, kind, name)
            exact[kind].update(_strings(section.get("exact", []), f"{name}: {kind}.exact"))
            for pattern in _patterns(section.get("patterns", []), f"{name}: {kind}.patterns"):
                patterns[kind][pattern.regex] = pattern
        serial = _section(document, "serial", name)
        if "min_length" in serial:
            min_length = _positive_int(serial["min_length"], f"{name}: serial.min_length")
        for maker, length in _mapping(serial.get("min_length_by_manufacturer", {}), name).items():
            by_manufacturer[str(maker)] = _positive_int(length, f"{name}: serial.min_length_by_manufacturer")
        mac = _section(document, "mac", name)
        for prefix in _strings(mac.get("virtual_prefixes", []), f"{name}: mac.virtual_prefixes"):
            virtual_prefixes[prefix.lower()] = None
    rules = {k: JunkRules(frozenset(exact[k]), tuple(patterns[k].values())) for k in KINDS}
    return JunkRegistry(
        # The bundled version identifies the seed; extension versions are appended so a
        # registry change shows up in run metadata.
        version="+".join(versions) or "unversioned",
        files=tuple(name for name, _ in documents),
        rules=rules,
        serial_min_length=min_length,
        serial_min_length_by_manufacturer=by_manufacturer,
        mac_virtual_prefixes=tuple(virtual_prefixes),
    )


def _section(document: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    section = document.get(kind) or {}
    if not isinstance(section, dict):
        raise RegistryError(f"junk registry {name}: section {kind!r} must be a mapping")
    return section


def _strings(values: Any, where: str) -> list[str]:
    if not isinstance(values, list):
        raise RegistryError(f"junk registry {where}: expected a list")
    # YAML turns 0 or 12345 into numbers; the registry compares text.
    return [str(v) for v in values if v is not None]


def _patterns(values: Any, where: str) -> list[NamedPattern]:
    if not isinstance(values, list):
        raise RegistryError(f"junk registry {where}: expected a list")
    out = []
    for item in values:
        if isinstance(item, str):
            pattern = NamedPattern("pattern", item)
        elif isinstance(item, dict) and isinstance(item.get("regex"), str):
            pattern = NamedPattern(str(item.get("name") or "pattern"), item["regex"])
        else:
            raise RegistryError(f"junk registry {where}: each pattern is a regex or {{name, regex}}")
        try:
            pattern.compiled()
        except re.error as exc:
            raise RegistryError(f"junk registry {where}: bad regex {pattern.regex!r} ({exc})") from exc
        out.append(pattern)
    return out


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RegistryError(f"junk registry {name}: serial.min_length_by_manufacturer must be a mapping")
    return value


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RegistryError(f"junk registry {where}: expected a positive integer, got {value!r}")
    return value

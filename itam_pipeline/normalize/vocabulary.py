"""The user-extensible word tables of ``data/taxonomy.yaml``: type synonyms, keywords, OS families."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from itam_pipeline.schema import AssetType, Status

_REGEX_PREFIX = "re:"


class VocabularyError(ValueError):
    """``taxonomy.yaml`` names an unknown asset type or status, or a keyword is a bad regex."""


def word_key(text: str) -> str:
    """Comparison key for synonyms: lowercase, ``_``/``-`` as spaces, spaces collapsed."""
    return " ".join(text.casefold().replace("_", " ").replace("-", " ").split())


@dataclass(frozen=True)
class KeywordTable:
    """Ordered (label, regex) pairs; the first label whose regex is found in the text wins."""

    entries: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def build(cls, table: Mapping[str, Iterable[str]]) -> KeywordTable:
        entries = []
        for label, keywords in table.items():
            parts = [_keyword_regex(str(k)) for k in keywords or ()]
            if parts:
                entries.append((str(label), re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)))
        return cls(tuple(entries))

    def match(self, text: str) -> tuple[str, str] | None:
        """``(label, matched text)`` of the first entry found in ``text``, or None."""
        if not text:
            return None
        for label, pattern in self.entries:
            found = pattern.search(text)
            if found:
                return label, found.group(0)
        return None


def _keyword_regex(keyword: str) -> str:
    if keyword.startswith(_REGEX_PREFIX):
        regex = keyword[len(_REGEX_PREFIX) :]
        try:
            re.compile(regex)
        except re.error as exc:
            raise VocabularyError(f"taxonomy.yaml: bad keyword regex {regex!r} ({exc})") from exc
        return regex
    return re.escape(keyword)


@dataclass(frozen=True)
class Vocabulary:
    """Every word table normalization uses, parsed from ``taxonomy.yaml``."""

    version: str
    type_synonyms: Mapping[str, str]
    virtual_markers: KeywordTable
    model_keywords: KeywordTable
    os_keywords: KeywordTable
    manufacturer_types: Mapping[str, str]
    os_families: KeywordTable
    status_synonyms: Mapping[str, str]

    @classmethod
    def load(cls, path: Path | None = None) -> Vocabulary:
        """Parse ``path`` (the bundled ``data/taxonomy.yaml`` when omitted)."""
        if path is None:
            text = resources.files("itam_pipeline").joinpath("data", "taxonomy.yaml").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        return _parse(yaml.safe_load(text) or {})

    @classmethod
    def default(cls) -> Vocabulary:
        """The bundled vocabulary, parsed once per process."""
        return _default_vocabulary()

    def asset_type_for(self, word: str | None) -> str | None:
        """The asset type a free-text type word means (``"Notebooks"`` -> laptop), or None."""
        if not word:
            return None
        key = word_key(word)
        return self.type_synonyms.get(key) or (
            self.type_synonyms.get(key[:-1]) if key.endswith("s") else None
        )

    def status_for(self, word: str | None) -> str | None:
        """The lifecycle status a status word means (``"Deployed"`` -> active), or None."""
        if not word:
            return None
        return self.status_synonyms.get(word_key(word))

    def type_of_manufacturer(self, manufacturer: str | None) -> str | None:
        """The asset type of a single-purpose manufacturer (Cisco -> network_device), or None."""
        return self.manufacturer_types.get(word_key(manufacturer)) if manufacturer else None

    def os_family(self, name: str | None) -> str | None:
        """Family of an operating-system name (``"Microsoft Windows Server 2019"`` -> Windows Server)."""
        if not name:
            return None
        found = self.os_families.match(name)
        return found[0] if found else " ".join(name.split())


@cache
def _default_vocabulary() -> Vocabulary:
    return Vocabulary.load()


def _parse(document: dict[str, Any]) -> Vocabulary:
    types = {t.value for t in AssetType}
    for section in ("asset_type_synonyms", "model_keywords", "os_keywords", "manufacturer_types"):
        unknown = set(document.get(section) or {}) - types
        if unknown:
            raise VocabularyError(
                f"taxonomy.yaml {section}: unknown asset type(s) {', '.join(sorted(unknown))}"
            )
    statuses = {s.value for s in Status}
    unknown_status = set(document.get("status_synonyms") or {}) - statuses
    if unknown_status:
        raise VocabularyError(
            f"taxonomy.yaml status_synonyms: unknown status(es) {', '.join(sorted(unknown_status))}"
        )
    return Vocabulary(
        version=str(document.get("version", "unversioned")),
        type_synonyms=_inverted(document.get("asset_type_synonyms") or {}, include_label=True),
        virtual_markers=KeywordTable.build(
            {AssetType.VIRTUAL_MACHINE.value: document.get("virtual_markers") or []}
        ),
        model_keywords=KeywordTable.build(document.get("model_keywords") or {}),
        os_keywords=KeywordTable.build(document.get("os_keywords") or {}),
        manufacturer_types=_inverted(document.get("manufacturer_types") or {}),
        os_families=KeywordTable.build(document.get("os_families") or {}),
        status_synonyms=_inverted(document.get("status_synonyms") or {}, include_label=True),
    )


def _inverted(table: Mapping[str, Iterable[Any]], *, include_label: bool = False) -> dict[str, str]:
    """word -> label for a ``label: [word, ...]`` table (keys made with ``word_key``)."""
    out: dict[str, str] = {}
    for label, words in table.items():
        for word in [label, *(words or [])] if include_label else list(words or []):
            out.setdefault(word_key(str(word)), str(label))
    return out

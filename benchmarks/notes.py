"""Notes under the table: what the data was, how peers were run, and why a target was missed,
each built from figures this run measured."""

from __future__ import annotations

from typing import Any

from benchmarks.harness import Outcome
from benchmarks.report import FULL_SIZE, Row


def compose(
    rows: list[Row],
    outcomes: dict[str, Outcome],
    facts: dict[str, Any],
    counts: dict[str, int],
    size: int,
    devices: int,
    repeat: int,
) -> list[str]:
    """Every note of one run, most important first."""
    notes = [_data_note(facts, counts, devices)]
    if repeat == 1:
        notes.append(
            "Single repetition (--repeat 1, to fit the run in the time available): each figure is one "
            "measurement, not a median, so it carries the full noise of the shared machine."
        )
    if size != FULL_SIZE:
        notes.append(
            f"This run has {size:,} source records: absolute time targets are the 1M targets scaled "
            f"by {size / FULL_SIZE:g}; ratio and memory targets are unchanged. The verdicts that "
            "matter are those of the 1M run."
        )
    by_case = {r.label: r for r in rows}
    notes.extend(_miss_notes(rows, outcomes, facts))
    notes.extend(_extraction_notes(outcomes))
    notes.extend(_peer_notes(outcomes, counts))
    notes.extend(_phase_notes(outcomes))
    notes.extend(f"{label}: failed - {row.error}" for label, row in by_case.items() if row.error)
    return notes


def _data_note(facts: dict[str, Any], counts: dict[str, int], devices: int) -> str:
    text = (
        f"Data: {counts['raw']:,} source records extracted from the emulators ({counts['intune']:,} Intune) "
        f"for {devices:,} synthetic devices, reconciled into {counts['assets']:,} golden assets."
    )
    diff = facts.get("pg_next", {}).get("diff")
    if diff:
        text += (
            f" The 1% run changed {diff.get('assets_updated', '?'):,} assets and added "
            f"{diff.get('assets_new', '?'):,} (1% of the records edited, 1% copied as new hardware)."
        )
    same = facts.get("pg_same", {}).get("rows_written")
    if same is not None:
        text += f" The 0% re-run wrote {sum(same.values()):,} rows."
    return text


def _median(outcomes: dict[str, Outcome], case: str, metric: str = "seconds") -> float | None:
    outcome = outcomes.get(case)
    return outcome.median(metric) if outcome and outcome.ok else None


def _rows_written(facts: dict[str, Any], case: str) -> str:
    written = facts.get(case, {}).get("rows_written") or {}
    parts = ", ".join(f"{table} {n:,}" for table, n in sorted(written.items(), key=lambda kv: -kv[1]) if n)
    return f"{sum(written.values()):,} rows ({parts})" if written else "an unknown number of rows"


def _miss_notes(rows: list[Row], outcomes: dict[str, Outcome], facts: dict[str, Any]) -> list[str]:
    notes = []
    for row in rows:
        if row.verdict != "MISS":
            continue
        if "PostgreSQL, initial" in row.label and "write" in row.label:
            diff = _median(outcomes, "diff_initial")
            diff_text = (
                f"; preparing and diffing the plan alone takes {diff:.2f} s" if diff is not None else ""
            )
            notes.append(
                "Why the PostgreSQL initial write misses: the floor COPYs the golden rows only, while the "
                f"write stores {_rows_written(facts, 'pg_initial')}{diff_text}."
            )
        elif "PostgreSQL, 1%" in row.label:
            diff = _median(outcomes, "diff_next")
            notes.append(
                f"Why the PostgreSQL 1% write misses: the plan is the complete desired state, so deciding "
                f"what changed means typing and hashing every golden row, link, provenance and identifier "
                f"row and comparing (key, hash) with the repository - the dry-run plan/diff alone takes "
                f"{diff or 0:.2f} s of the {row.value or 0:.2f} s - and the write then stores "
                f"{_rows_written(facts, 'pg_next')}."
            )
        elif "SQLite, 1%" in row.label:
            diff = _median(outcomes, "diff_next")
            notes.append(
                f"Why the SQLite 1% write misses: the same full-plan hashing as on PostgreSQL (the "
                f"PostgreSQL dry-run plan/diff takes {diff or 0:.2f} s), then "
                f"{_rows_written(facts, 'sqlite_next')} through executemany."
            )
        elif "Normalize + match" in row.label and row.unit == "s":
            n, r = (
                _median(outcomes, "normalize_reconcile", "normalize_s"),
                _median(outcomes, "normalize_reconcile", "reconcile_s"),
            )
            notes.append(
                f"Normalize + match + survivorship split: normalize {n or 0:.2f} s, reconcile {r or 0:.2f} s."
            )
        elif row.unit == "MB":
            notes.append(f"{row.label}: {row.value or 0:,.0f} MB peak resident memory against {row.target}.")
        elif row.label.startswith("End to end"):
            notes.append(f"End to end misses {row.target}: see the phase split below.")
    return [n for n in notes if n]


def _extraction_notes(outcomes: dict[str, Outcome]) -> list[str]:
    extract, sweep = _median(outcomes, "extract_intune"), _median(outcomes, "floor_fetch", "intune_s")
    if extract is None or sweep is None:
        return []
    return [
        f"Intune extraction {extract:.1f} s against a bare page sweep of {sweep:.1f} s: both wait on the "
        "emulator, one Python process computing every page on demand, so the ratio shows what the "
        "connector and the Parquet landing add on top of the source's own pace (near 1x: little)."
    ]


def _peer_notes(outcomes: dict[str, Outcome], counts: dict[str, int]) -> list[str]:
    notes = []
    if "dlt_initial" in outcomes:
        notes.append(
            "dlt gets the golden rows as an Arrow table with write_disposition='merge', "
            "primary_key='asset_id' and loader_file_format='csv' (its COPY path); the reload is handed "
            "the whole next desired state (as our repository is), since dlt cannot know which rows "
            "changed. Its time includes its own normalize and load steps; the loaded row count is "
            "checked after every reload."
        )
    orm = outcomes.get("orm_merge")
    if orm and orm.ok:
        sample, rows = orm.median("sample_s") or 0.0, int(orm.median("sample_rows") or 0)
        notes.append(
            f"The ORM row is SAMPLED: session.merge() per row of the first {rows:,} golden rows into an "
            f"empty table, one commit, took {sample:.2f} s (median), multiplied by "
            f"{counts['assets']:,}/{rows:,} to estimate the full load."
        )
    return notes


def _phase_notes(outcomes: dict[str, Outcome]) -> list[str]:
    e2e = outcomes.get("e2e")
    if not e2e or not e2e.ok:
        return []
    phases = ("extract_s", "normalize_s", "reconcile_s", "write_s")
    split = ", ".join(f"{p.removesuffix('_s')} {e2e.median(p) or 0:.1f} s" for p in phases)
    fetch, copy = _median(outcomes, "floor_fetch"), _median(outcomes, "floor_copy_raw")
    floor = (
        f"; its floor is the page sweep {fetch:.1f} s + COPY of the raw rows {copy:.1f} s"
        if fetch and copy
        else ""
    )
    return [
        f"End to end phases (medians): {split}{floor}. The three sources are extracted one after the "
        "other (at once is no faster on two cores, see the two page sweeps), then normalized at once, "
        "as the reconcile_all Dagster job runs them (threads of one process here)."
    ]

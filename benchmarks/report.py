"""The results table: medians, ratios against the relevant floor, targets and PASS/MISS.

Targets are stated for 1,000,000 records. Ratio targets apply at any size; absolute time
targets are scaled linearly to the run's size (the stages are linear by design); memory
targets are not scaled (extraction streams, so its memory should stay flat at any size).
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.harness import Outcome

FULL_SIZE = 1_000_000


@dataclass(frozen=True)
class Target:
    kind: str  # "ratio" (x the floor), "seconds" (at 1M, scaled) or "memory_mb"
    limit: float

    def describe(self, size: int) -> str:
        if self.kind == "ratio":
            return f"<= {self.limit:g}x floor"
        if self.kind == "memory_mb":
            return f"<= {self.limit / 1024:g} GB" if self.limit >= 1024 else f"<= {self.limit:g} MB"
        scaled = self.scaled(size)
        if size == FULL_SIZE:
            return f"<= {self.limit:g} s"
        return f"<= {scaled:.3g} s ({self.limit:g} s at 1M, scaled)"

    def scaled(self, size: int) -> float:
        return self.limit * size / FULL_SIZE if self.kind == "seconds" else self.limit


@dataclass(frozen=True)
class RowSpec:
    """One table row: which case and metric, which floor(s) it is compared with, its target."""

    label: str
    case: str
    metric: str = "seconds"
    records: str = "raw"  # which count the Records column shows: raw, intune, assets, sample
    floors: tuple[tuple[str, str], ...] = ()  # (case, metric) pairs summed into the floor
    target: Target | None = None


COPY_FLOOR = (("floor_copy_golden", "seconds"),)
E2E_FLOOR = (("floor_fetch", "seconds"), ("floor_copy_raw", "seconds"))

ROWS: tuple[RowSpec, ...] = (
    RowSpec(
        "Floor: PostgreSQL binary COPY of the golden rows (empty table, PK)",
        "floor_copy_golden",
        records="assets",
    ),
    RowSpec("Floor: PostgreSQL binary COPY of the raw rows", "floor_copy_raw"),
    RowSpec("Floor: read the landed raw Parquet (pyarrow)", "floor_parquet"),
    RowSpec("Floor: fetch every page, 3 APIs (HTTPS, no parsing; the faster sweep below)", "floor_fetch"),
    RowSpec("Floor: fetch every page, one API after the other", "floor_fetch", "one_by_one_s"),
    RowSpec("Floor: fetch every page, three APIs at once", "floor_fetch", "at_once_s"),
    RowSpec("Floor: fetch every Intune page", "floor_fetch", "intune_s", records="intune"),
    RowSpec(
        "Extract Intune over HTTPS + land Parquet",
        "extract_intune",
        records="intune",
        floors=(("floor_fetch", "intune_s"),),
    ),
    RowSpec(
        "Extract Intune: peak memory of the process",
        "extract_intune",
        "peak_rss_mb",
        records="intune",
        target=Target("memory_mb", 500),
    ),
    RowSpec(
        "Normalize (3 sources at once, a process each: read raw, normalize, stage Parquet)",
        "normalize_reconcile",
        "normalize_s",
        floors=(("floor_parquet", "seconds"),),
    ),
    RowSpec(
        "Match + survivorship (read the staged records, reconcile, empty repository)",
        "normalize_reconcile",
        "reconcile_s",
    ),
    RowSpec("Normalize + match + survivorship", "normalize_reconcile", target=Target("seconds", 30)),
    RowSpec(
        "Normalize + match + survivorship: peak memory (largest process)",
        "normalize_reconcile",
        "peak_rss_mb",
        target=Target("memory_mb", 3 * 1024),
    ),
    RowSpec("Reconcile the next run (1% changed + 1% new) against the loaded state", "reconcile_next"),
    RowSpec(
        "Plan/diff (dry run), PostgreSQL, initial load", "diff_initial", records="assets", floors=COPY_FLOOR
    ),
    RowSpec(
        "Plan/diff (dry run), PostgreSQL, 1% changed + 1% new",
        "diff_next",
        records="assets",
        floors=COPY_FLOOR,
    ),
    RowSpec(
        "Repository write, PostgreSQL, initial load",
        "pg_initial",
        records="assets",
        floors=COPY_FLOOR,
        target=Target("ratio", 1.3),
    ),
    RowSpec(
        "Repository write, PostgreSQL, 1% changed + 1% new",
        "pg_next",
        records="assets",
        floors=COPY_FLOOR,
        target=Target("ratio", 0.5),
    ),
    RowSpec(
        "Repository write, PostgreSQL, 0% changed (re-run)", "pg_same", records="assets", floors=COPY_FLOOR
    ),
    RowSpec("Repository write, SQLite, initial load", "sqlite_initial", records="assets", floors=COPY_FLOOR),
    RowSpec(
        "Repository write, SQLite, 1% changed + 1% new",
        "sqlite_next",
        records="assets",
        floors=COPY_FLOOR,
        target=Target("seconds", 6),
    ),
    RowSpec(
        "Repository write, SQLite, 0% changed (re-run)", "sqlite_same", records="assets", floors=COPY_FLOOR
    ),
    RowSpec(
        "End to end: 3 APIs -> land -> normalize -> reconcile -> PostgreSQL",
        "e2e",
        floors=E2E_FLOOR,
        target=Target("ratio", 2),
    ),
    RowSpec("Peer: dlt merge (asset_id), initial load", "dlt_initial", records="assets", floors=COPY_FLOOR),
    RowSpec(
        "Peer: dlt merge (asset_id), reload with 1% changed + 1% new",
        "dlt_reload",
        records="assets",
        floors=COPY_FLOOR,
    ),
    RowSpec(
        "Peer: SQLAlchemy ORM session.merge() per row, initial load - SAMPLED, extrapolated",
        "orm_merge",
        records="assets",
        floors=COPY_FLOOR,
    ),
)


@dataclass
class Row:
    label: str
    records: int | None
    value: float | None
    unit: str  # "s" or "MB"
    ratio: float | None
    floor: float | None
    target: str
    verdict: str  # PASS, MISS, ERROR or "" (no target)
    error: str | None = None


def evaluate(outcomes: dict[str, Outcome], counts: dict[str, int], size: int) -> list[Row]:
    """Turn the measured outcomes into table rows (cases that were not run are left out)."""
    rows = []
    for spec in ROWS:
        outcome = outcomes.get(spec.case)
        if outcome is None:
            continue
        value = outcome.median(spec.metric) if outcome.ok else None
        floor = _floor(outcomes, spec.floors)
        ratio = value / floor if value is not None and floor else None
        target = spec.target.describe(size) if spec.target else ""
        rows.append(
            Row(
                label=spec.label,
                records=counts.get(spec.records),
                value=value,
                unit="MB" if spec.metric == "peak_rss_mb" else "s",
                ratio=ratio,
                floor=floor,
                target=target,
                verdict=_verdict(spec, value, ratio, size, outcome),
                error=outcome.error,
            )
        )
    return rows


def _floor(outcomes: dict[str, Outcome], floors: tuple[tuple[str, str], ...]) -> float | None:
    if not floors:
        return None
    parts = [outcomes[case].median(metric) if case in outcomes else None for case, metric in floors]
    return sum(parts) if all(p is not None for p in parts) else None  # type: ignore[misc]


def _verdict(spec: RowSpec, value: float | None, ratio: float | None, size: int, outcome: Outcome) -> str:
    if not outcome.ok:
        return "ERROR"
    if spec.target is None:
        return ""
    measured = ratio if spec.target.kind == "ratio" else value
    if measured is None:
        return "ERROR"
    return "PASS" if measured <= spec.target.scaled(size) else "MISS"


# ---- rendering -------------------------------------------------------------------------------
HEADERS = ("Case", "Records", "Median", "vs floor", "Target", "Result")


def cells(row: Row) -> tuple[str, ...]:
    if row.value is None:
        median = "failed" if row.error else "-"
    else:
        median = f"{row.value:,.0f} MB" if row.unit == "MB" else f"{row.value:,.2f} s"
    ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
    records = f"{row.records:,}" if row.records is not None else "-"
    return (row.label, records, median, ratio, row.target or "-", row.verdict or "-")


def text_table(rows: list[Row]) -> str:
    """Fixed-width table for the terminal."""
    body = [cells(r) for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(HEADERS)]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(HEADERS), line(tuple("-" * w for w in widths))]
    out.extend(line(b) for b in body)
    return "\n".join(out)


def markdown_table(rows: list[Row]) -> str:
    """GitHub-flavoured Markdown table."""
    out = [
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join(("---", "---:", "---:", "---:", "---", "---")) + "|",
    ]
    out.extend("| " + " | ".join(c.replace("|", "\\|") for c in cells(r)) + " |" for r in rows)
    return "\n".join(out)

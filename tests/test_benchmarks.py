"""The benchmark harness: binary COPY encoding, interleaving, verdicts, the report file, and a
quick end-to-end run of ``python -m benchmarks.run --quick`` so the script cannot rot.

``benchmarks/`` is a tool folder next to the packages, not an installed package, so the
repository root is put on ``sys.path`` here (and is the working directory of the quick run).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import document  # noqa: E402
from benchmarks.environment import libpq_url  # noqa: E402
from benchmarks.harness import Case, Measurement, Outcome, run_interleaved  # noqa: E402
from benchmarks.pgcopy import Column, copy_encoded, create_table_sql, encode  # noqa: E402
from benchmarks.report import evaluate  # noqa: E402

UTC = dt.UTC


def test_binary_copy_round_trips_every_type_and_null(postgres_url: str) -> None:
    data = pa.table(
        {
            "id": pa.array(["a", "b", "c"]),
            "name": pa.array(["héllo", None, ""]),
            "flag": pa.array([True, None, False]),
            "count": pa.array([2**40, None, -5], pa.int64()),
            "ratio": pa.array([1.5, None, -2.25]),
            "day": pa.array([dt.date(2024, 2, 29), None, dt.date(1999, 12, 31)]),
            "at": pa.array(
                [
                    dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
                    None,
                    dt.datetime(1990, 1, 1, tzinfo=UTC),
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "cost": pa.array([1234.56, None, -0.01]),
        }
    )
    columns = [
        Column("id", "text"),
        Column("name", "text"),
        Column("flag", "boolean"),
        Column("count", "bigint"),
        Column("ratio", "double precision"),
        Column("day", "date"),
        Column("at", "timestamp with time zone"),
        Column("cost", "numeric(14,2)"),
    ]
    with psycopg.connect(libpq_url(postgres_url)) as conn:
        conn.execute(create_table_sql("t", columns, "id"))
        copy_encoded(conn, "t", columns, encode(data, columns))
        rows = conn.execute(
            "SELECT name, flag, count, ratio, day, at, cost::text FROM t ORDER BY id"
        ).fetchall()
    assert rows[0][:5] == ("héllo", True, 2**40, 1.5, dt.date(2024, 2, 29))
    assert rows[0][5] == dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert rows[0][6] == "1234.56"
    assert rows[1] == (None,) * 7
    assert rows[2] == (
        "",
        False,
        -5,
        -2.25,
        dt.date(1999, 12, 31),
        dt.datetime(1990, 1, 1, tzinfo=UTC),
        "-0.01",
    )


def test_cases_run_round_robin_and_report_medians() -> None:
    order: list[str] = []
    seconds = iter([3.0, 10.0, 1.0, 20.0, 2.0, 30.0])

    def case(key: str) -> Case:
        def run() -> Measurement:
            order.append(key)
            return Measurement(next(seconds))

        return Case(key, key, run, setup=lambda: order.append(f"setup-{key}"))

    outcomes = run_interleaved([case("a"), case("b")], repeat=3, say=lambda _: None)
    assert [o for o in order if not o.startswith("setup")] == ["a", "b", "a", "b", "a", "b"]
    assert order[:2] == ["setup-a", "a"]
    assert outcomes["a"].median() == 2.0
    assert outcomes["b"].median() == 20.0


def test_a_failing_case_is_reported_and_the_others_still_run() -> None:
    def broken() -> None:
        raise RuntimeError("stage not ready")

    outcomes = run_interleaved(
        [Case("bad", "bad", broken), Case("good", "good", lambda: None)], 2, lambda _: None
    )
    assert outcomes["bad"].error == "RuntimeError: stage not ready"
    assert len(outcomes["good"].measurements) == 2


def test_verdicts_use_the_floor_ratio_and_scale_time_targets() -> None:
    outcomes = {
        "floor_copy_golden": Outcome([Measurement(10.0)]),
        "pg_initial": Outcome([Measurement(12.0)]),  # 1.2x <= 1.3x
        "pg_next": Outcome([Measurement(6.0)]),  # 0.6x > 0.5x
        "sqlite_next": Outcome([Measurement(0.5)]),  # 6 s at 1M scaled to 100k = 0.6 s
        "extract_intune": Outcome([Measurement(1.0, peak_rss_mb=600.0)]),
    }
    rows = {r.label: r for r in evaluate(outcomes, {"assets": 100, "raw": 120, "intune": 70}, 100_000)}
    assert rows["Repository write, PostgreSQL, initial load"].verdict == "PASS"
    assert rows["Repository write, PostgreSQL, initial load"].ratio == pytest.approx(1.2)
    assert rows["Repository write, PostgreSQL, 1% changed + 1% new"].verdict == "MISS"
    assert rows["Repository write, SQLite, 1% changed + 1% new"].verdict == "PASS"
    assert "0.6 s" in rows["Repository write, SQLite, 1% changed + 1% new"].target
    assert rows["Extract Intune: peak memory of the process"].verdict == "MISS"


def test_report_file_keeps_the_sections_of_other_sizes(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    document.write(path, 1_000_000, "<!-- bench:1000000 -->\nbig\n<!-- /bench:1000000 -->\n")
    document.write(path, 100_000, "<!-- bench:100000 -->\nfirst\n<!-- /bench:100000 -->\n")
    document.write(path, 100_000, "<!-- bench:100000 -->\nsecond\n<!-- /bench:100000 -->\n")
    text = path.read_text()
    assert "big" in text and "second" in text and "first" not in text
    assert text.index("second") < text.index("big")  # smaller size first


def test_quick_benchmark_runs_every_case(postgres_admin_url: str, tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    env = {**os.environ, "ITAM_BENCH_POSTGRES_URL": postgres_admin_url}
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--repeat", "1", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "round 1/1" in completed.stdout
    text = out.read_text()
    assert "<!-- bench:10000 -->" in text and "failed" not in text
    for label in (
        "Floor: PostgreSQL binary COPY of the golden rows",
        "Extract Intune: peak memory of the process",
        "Repository write, PostgreSQL, 1% changed + 1% new",
        "Repository write, SQLite, 0% changed (re-run)",
        "Peer: dlt merge (asset_id), reload with 1% changed + 1% new",
        "SAMPLED, extrapolated",
        "End to end",
    ):
        assert label in text
    assert "PostgreSQL 15" in text or "PostgreSQL 1" in text  # versions section

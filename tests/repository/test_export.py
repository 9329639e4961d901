"""Export writes every table and view; CSV cells cannot start a spreadsheet formula."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from itam_pipeline.repository import apply_plan, export_tables
from itam_pipeline.repository.export import EXPORT_TABLES, neutralize_formulas
from itam_pipeline.repository.views import VIEWS

from .builders import fleet_plan

HOSTILE = {
    "hostname": '=HYPERLINK("http://evil.example","x")',
    "model": "+SUM(1,2)",
    "location": "-2+3",
    "supplier": "@cmd",
    "order_number": "\tPO-1",
}


def test_csv_export_neutralizes_formulas(engine: Engine, tmp_path) -> None:
    plan = fleet_plan(3)
    for column, value in HOSTILE.items():
        plan.assets.loc[0, column] = value
    apply_plan(engine, plan)

    written = export_tables(engine, tmp_path, fmt="csv", names=["assets", "v_current_inventory"])

    assert [p.name for p in written] == ["assets.csv", "v_current_inventory.csv"]
    for path in written:
        with path.open(newline="") as handle:
            first = next(r for r in csv.DictReader(handle) if r["asset_id"] == "A0000000")
        checked = [column for column in HOSTILE if column in first]
        assert len(checked) >= 3
        for column in checked:
            assert first[column] == "'" + HOSTILE[column], (path.name, column)
        assert first["serial_number"] == "SN0000000"  # ordinary text untouched
    # Numbers are not text: a negative number stays a number.
    frame = pd.DataFrame({"n": [-5, 3], "s": ["-5", "ok"]})
    assert neutralize_formulas(frame).to_dict("list") == {"n": [-5, 3], "s": ["'-5", "ok"]}


def test_parquet_export_writes_every_table_and_view(engine: Engine, tmp_path) -> None:
    apply_plan(engine, fleet_plan(4))

    written = export_tables(engine, tmp_path / "out")

    assert sorted(p.stem for p in written) == sorted([*EXPORT_TABLES, *VIEWS])
    assets = pd.read_parquet(tmp_path / "out" / "assets.parquet")
    assert len(assets) == 4
    assert str(assets["last_seen_at"].dtype).startswith("datetime64")
    assert len(pd.read_parquet(tmp_path / "out" / "v_current_inventory.parquet")) == 4


def test_unknown_names_and_formats_are_refused(engine: Engine, tmp_path) -> None:
    with pytest.raises(ValueError, match="not a repository table or view"):
        export_tables(engine, tmp_path, names=["pg_authid"])
    with pytest.raises(ValueError, match="export format"):
        export_tables(engine, tmp_path, fmt="xlsx")

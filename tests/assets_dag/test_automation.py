"""Schedules and sensors evaluate correctly (build_schedule_context / build_sensor_context)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from assets_dag.resources import FileDropResource
from assets_dag.schedules import build_schedules
from assets_dag.sensors import file_drop_sensor
from connectors.file_drop import FileDropConnector

HEADER = (
    "asset_tag,serial_number,hostname,asset_type,manufacturer,model,primary_user,status,location,"
    "cost_center,purchase_date,purchase_cost,currency,warranty_end,supplier,order_number\n"
)
ROW = "AT-1,5CG1234XYZ,lt-1,laptop,HP,EliteBook 840,a@contoso.example,active,Oslo,CC1,2024-01-02,999.00,EUR,2027-01-02,X,PO1\n"


def test_source_schedules_default_cadence(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ITAM_SCHEDULE_INTUNE", "ITAM_SCHEDULE_MIRADORE", "ITAM_SCHEDULE_DEVICE42"):
        monkeypatch.delenv(name, raising=False)
    schedules = {s.name: s for s in build_schedules()}
    assert schedules["sync_intune_schedule"].cron_schedule == "0 * * * *"
    assert schedules["sync_miradore_schedule"].cron_schedule == "0 */4 * * *"
    assert schedules["sync_device42_schedule"].cron_schedule == "0 2 * * *"
    assert schedules["sync_intune_schedule"].job_name == "sync_intune"


def test_schedule_cron_is_configurable_and_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITAM_SCHEDULE_DEVICE42", "30 3 * * 1-5")
    schedule = {s.name: s for s in build_schedules()}["sync_device42_schedule"]
    assert schedule.cron_schedule == "30 3 * * 1-5"
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 7, 3, 30, tzinfo=UTC))
    result = schedule.evaluate_tick(context)
    assert len(result.run_requests) == 1


def _drop(folder: Path, name: str, body: str = ROW) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _evaluate(drop_dir: Path, cursor: str | None, instance: dg.DagsterInstance) -> dg.SensorResult:
    context = dg.build_sensor_context(
        cursor=cursor, instance=instance, resources={"file_drop": FileDropResource(drop_dir=str(drop_dir))}
    )
    return file_drop_sensor(context)


def test_file_sensor_requests_one_run_per_new_file_and_never_twice(tmp_path: Path) -> None:
    drop_dir = tmp_path / "drops"
    _drop(drop_dir / "procurement", "laptops.csv")
    with dg.instance_for_test() as instance:
        first = _evaluate(drop_dir, None, instance)
        assert [r.partition_key for r in first.run_requests] == ["procurement/laptops.csv"]
        assert first.dynamic_partitions_requests[0].partition_keys == ["procurement/laptops.csv"]
        run_key = first.run_requests[0].run_key

        # Same file, next tick: nothing new while its run is queued.
        again = _evaluate(drop_dir, first.cursor, instance)
        assert not again.run_requests

        # The run lands it (ledger + archive); a later tick still requests nothing.
        connector = FileDropConnector(drop_dir)
        connector.mark_processed(connector.pending_files()[0], rows=1)
        assert not _evaluate(drop_dir, None, instance).run_requests

        # The same content under another name is a no-op; new content is a new run.
        _drop(drop_dir / "procurement", "laptops-copy.csv")
        assert not _evaluate(drop_dir, again.cursor, instance).run_requests
        _drop(drop_dir / "procurement", "phones.csv", ROW.replace("AT-1", "AT-2"))
        later = _evaluate(drop_dir, again.cursor, instance)
        assert [r.partition_key for r in later.run_requests] == ["procurement/phones.csv"]
        assert later.run_requests[0].run_key != run_key
        assert len(json.loads(later.cursor)) == 2

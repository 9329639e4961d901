"""End to end through the real Dagster webserver and daemon, driven over GraphQL.

Starts `dagster dev -w workspace.yaml` headless on loopback with a temporary DAGSTER_HOME and
the bundled emulators as sources, then: loads the code location, launches the full sync and
sees it succeed, launches a partition backfill of file drops and sees it complete, and turns on
the file sensor and sees one dropped file produce exactly one run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from dagster_graphql import DagsterGraphQLClient

from connectors.emulators import EmulatorSet
from connectors.emulators.fleet import generate_fleet

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
LOCATION = "itam"
DONE = {"SUCCESS", "FAILURE", "CANCELED"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dagster:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/graphql"
        self.client = DagsterGraphQLClient("127.0.0.1", port_number=port)

    def query(self, text: str, **variables: object) -> dict:
        response = requests.post(self.url, json={"query": text, "variables": variables}, timeout=60)
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_run(self, run_id: str, timeout: float = 420) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.client.get_run_status(run_id).value
            if status in DONE:
                return status
            time.sleep(1)
        raise AssertionError(f"run {run_id} did not finish in {timeout}s")

    def runs(self, tag_key: str, tag_value: str) -> list[dict]:
        data = self.query(
            """query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) {
                 ... on Runs { results { runId status tags { key value } } } } }""",
            tags=[{"key": tag_key, "value": tag_value}],
        )
        return data["runsOrError"]["results"]


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    base = tmp_path_factory.mktemp("e2e")
    fleet = generate_fleet(120, seed=7)
    drops = base / "drops"
    fleet.write_drops(drops, feed="procurement")
    with EmulatorSet(fleet=fleet, state_dir=base / "emulators") as emulators:
        env = {
            **os.environ,
            **emulators.env(),
            "ITAM_HOME": str(base / "itam"),
            "ITAM_DROP_DIR": str(drops),
            "DAGSTER_HOME": str(base / "dagster"),
            # One process per run: the graph and checks are what is under test, not process spawning.
            "ITAM_EXECUTOR": "in_process",
            # The procurement export disposes of ~5% of this small fleet in one go; the 2% default
            # would (rightly) hold that write for review, which is not what these tests are about.
            "ITAM_MAX_RETIRE_FRACTION": "0.10",
        }
        env.pop("ITAM_DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "-m", "itam_pipeline.cli", "init-instance"], env=env, cwd=ROOT, check=True
        )
        subprocess.run(
            [sys.executable, "-m", "itam_pipeline.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True
        )
        yield env | {"_base": str(base)}


@pytest.fixture(scope="module")
def dagster(environment: dict[str, str]) -> Iterator[Dagster]:
    port = _free_port()
    env = {k: v for k, v in environment.items() if not k.startswith("_")}
    dagster_bin = Path(sys.executable).with_name("dagster")
    log = open(Path(environment["_base"]) / "dagster-dev.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(dagster_bin), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: webserver, daemon and code server die together
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, (Path(environment["_base"]) / "dagster-dev.log").read_text()[-4000:]
            time.sleep(1)
        else:
            raise AssertionError("dagster dev did not start")
        yield Dagster(port)
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=15)
                break
            except subprocess.TimeoutExpired:
                continue  # SIGTERM can be ignored in sandboxes; escalate
        log.close()


def test_code_location_loads(dagster: Dagster) -> None:
    data = dagster.query(
        """{ workspaceOrError { ... on Workspace { locationEntries {
               name locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
    )
    entries = {e["name"]: e["locationOrLoadError"] for e in data["workspaceOrError"]["locationEntries"]}
    assert entries[LOCATION]["__typename"] == "RepositoryLocation", entries


def test_full_sync_succeeds(dagster: Dagster) -> None:
    extract = dagster.client.submit_job_execution("extract_all", repository_location_name=LOCATION)
    assert dagster.wait_run(extract) == "SUCCESS"
    reconcile = dagster.client.submit_job_execution("reconcile_all", repository_location_name=LOCATION)
    assert dagster.wait_run(reconcile) == "SUCCESS"
    data = dagster.query(
        """{ assetNodes(assetKeys: [{path: ["repository", "assets"]}]) {
               assetMaterializations(limit: 1) { runId metadataEntries { label
                 ... on IntMetadataEntry { intValue } } } } }"""
    )
    latest = data["assetNodes"][0]["assetMaterializations"][0]
    assert latest["runId"] == reconcile
    values = {e["label"]: e.get("intValue") for e in latest["metadataEntries"]}
    assert values["new"] > 0
    assert values["dagster/row_count"] > 0


def test_file_partition_backfill_completes(dagster: Dagster, environment: dict[str, str]) -> None:
    feed = Path(environment["ITAM_DROP_DIR"]) / "procurement"
    names = sorted(p.name for p in feed.glob("*.csv"))
    assert names, "the fleet generator wrote no procurement file"
    keys = [f"procurement/{n}" for n in names]
    for key in keys:
        dagster.query(
            """mutation($key: String!) { addDynamicPartition(partitionsDefName: "file_drops", partitionKey: $key,
                 repositorySelector: {repositoryLocationName: "itam", repositoryName: "__repository__"}) {
                 __typename } }""",
            key=key,
        )
    launched = dagster.query(
        """mutation($names: [String!]) { launchPartitionBackfill(backfillParams: {
             assetSelection: [{path: ["raw", "file_drops"]}], partitionNames: $names, fromFailure: false}) {
             __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }""",
        names=keys,
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    deadline = time.monotonic() + 420
    status = None
    while time.monotonic() < deadline:
        status = dagster.query(
            """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
                 ... on PartitionBackfill { status } } }""",
            id=launched["backfillId"],
        )["partitionBackfillOrError"]["status"]
        if status in {"COMPLETED", "COMPLETED_SUCCESS", "FAILED", "COMPLETED_FAILED", "CANCELED"}:
            break
        time.sleep(2)
    assert status in {"COMPLETED", "COMPLETED_SUCCESS"}, status
    runs = dagster.runs("dagster/backfill", launched["backfillId"])
    assert len(runs) == len(keys)
    assert all(r["status"] == "SUCCESS" for r in runs)


def test_file_sensor_turns_one_drop_into_one_run(dagster: Dagster, environment: dict[str, str]) -> None:
    started = dagster.query(
        """mutation { startSensor(sensorSelector: {repositoryLocationName: "itam",
             repositoryName: "__repository__", sensorName: "file_drop_sensor"}) {
             __typename ... on Sensor { sensorState { status } } ... on PythonError { message } } }"""
    )["startSensor"]
    assert started["__typename"] == "Sensor", started
    feed = Path(environment["ITAM_DROP_DIR"]) / "procurement"
    header = (
        "asset_tag,serial_number,hostname,asset_type,manufacturer,model,primary_user,status,location,"
        "cost_center,purchase_date,purchase_cost,currency,warranty_end,supplier,order_number\n"
    )
    (feed / "late-delivery.csv").write_text(
        header + "AT-E2E-1,E2E0000001,e2e-lt-1,laptop,Dell,Latitude 5440,e2e@contoso.example,in_stock,"
        "Helsinki,CC-100,2026-11-01,1234.50,EUR,2029-11-01,Reseller Oy,PO-E2E-1\n",
        encoding="utf-8",
    )
    deadline = time.monotonic() + 420
    runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = dagster.runs("dagster/sensor_name", "file_drop_sensor")
        if runs and all(r["status"] in DONE for r in runs):
            break
        time.sleep(2)
    assert len(runs) == 1, runs
    assert runs[0]["status"] == "SUCCESS"
    tags = {t["key"]: t["value"] for t in runs[0]["tags"]}
    assert tags["dagster/partition"] == "procurement/late-delivery.csv"
    time.sleep(35)  # at least one more sensor tick: the same file must not start a second run
    assert len(dagster.runs("dagster/sensor_name", "file_drop_sensor")) == 1

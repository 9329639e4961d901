"""Scale-out: the sync runs on Dagster's Celery executor, its steps executed by a real worker.

The test builds the documented deployment in miniature: a Dagster instance on a throwaway
PostgreSQL database (``itam_pipeline/deploy/dagster.celery.yaml``), one worker started exactly as
the operations guide says (``dagster-celery worker start -A dagster_celery.app -y
itam_pipeline/deploy/celery-worker.yaml``), the bundled source emulators as sources and a
PostgreSQL repository. Runs are launched with ``dagster job execute``: a real run whose executor
submits every step to the broker (``execute_in_process`` would bypass Celery altogether). The
instance's event log must then show each step executed by *this* worker.

Isolation: the Redis test claims a private Redis database, so concurrent sessions never consume
each other's tasks. RabbitMQ has one shared ``dagster`` queue on its default vhost, so its test
holds a lock (in Redis) while it runs and purges the queue first.

Services: Redis at ``ITAM_TEST_REDIS_URL`` and PostgreSQL at ``ITAM_TEST_POSTGRES_URL`` (skipped
locally when unreachable, a failure when ``CI=true``); RabbitMQ at ``ITAM_TEST_RABBITMQ_URL``
(skipped when unreachable unless that variable is set in CI).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import dagster as dg
import pytest
import redis
import sqlalchemy as sa
from kombu import Connection, Exchange, Queue

from connectors.emulators import EmulatorSet
from connectors.emulators.fleet import generate_fleet

# Marks of the tests that start a worker; the template check at the end needs no service.
needs_celery_stack = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "itam_pipeline" / "deploy"
BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("ITAM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("ITAM_TEST_RABBITMQ_URL", "pyamqp://guest:guest@127.0.0.1:5672//")
API_SOURCES = ("intune", "device42", "miradore")
FLEET_SIZE = 100
# Keys Celery and kombu leave in a broker/backend database; anything else is somebody's data.
CELERY_KEY_PREFIXES = (b"_kombu", b"celery", b"unacked", b"dagster")
CLAIM_SECONDS = 600  # outlives any test; a crashed session's claim expires by itself
RUN_SECONDS = 150


# ---- services ------------------------------------------------------------------------------------
def _unavailable(what: str, *, required: bool) -> NoReturn:
    if required:
        pytest.fail(f"{what} is required in CI but unreachable")
    pytest.skip(f"{what} unreachable")


def _masked(url: str) -> str:
    """``url`` with its password replaced, for messages (CI brokers may carry real credentials)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def _with_db(url: str, db: int) -> str:
    """The same Redis server with another database number."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def _database_count(client: redis.Redis) -> int:
    try:
        return int(client.config_get("databases")["databases"])
    except (redis.RedisError, KeyError, ValueError):
        return 16  # the Redis default; managed services often forbid CONFIG


@pytest.fixture(scope="session")
def celery_redis() -> Iterator[redis.Redis]:
    """A client of the test Redis (the database of ITAM_TEST_REDIS_URL holds only claim keys)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        _unavailable(f"Redis at {_masked(REDIS_URL)} ({exc})", required=IN_CI)
    yield client
    client.close()


def _holds_foreign_data(client: redis.Redis) -> bool:
    return any(not key.startswith(CELERY_KEY_PREFIXES) for key in client.scan_iter(count=500))


@contextmanager
def _claim(client: redis.Redis, key: str) -> Iterator[bool]:
    """Hold ``key`` for this session if nobody else does; yields whether the claim succeeded."""
    token = uuid.uuid4().hex
    claimed = bool(client.set(key, token, nx=True, ex=CLAIM_SECONDS))
    try:
        yield claimed
    finally:
        if claimed and client.get(key) == token.encode():
            client.delete(key)


@pytest.fixture
def celery_redis_url(celery_redis: redis.Redis) -> Iterator[str]:
    """URL of a Redis database no other session uses while this test runs (empty before and after)."""
    base_db = celery_redis.connection_pool.connection_kwargs.get("db", 0)
    for db in range(_database_count(celery_redis)):
        if db == base_db:
            continue
        with _claim(celery_redis, f"itam-test:celery-db:{db}") as claimed:
            if not claimed:
                continue
            private = redis.Redis.from_url(_with_db(REDIS_URL, db))
            if _holds_foreign_data(private):
                private.close()
                continue  # never flush a database something else uses
            private.flushdb()  # leftovers of a crashed session would be consumed by our worker
            try:
                yield _with_db(REDIS_URL, db)
            finally:
                private.flushdb()
                private.close()
            return
    pytest.fail("every Redis database is claimed by another test session")


@pytest.fixture
def celery_rabbitmq_url(celery_redis: redis.Redis) -> Iterator[str]:
    """The RabbitMQ broker, held exclusively (its ``dagster`` queue is shared) and purged."""
    try:
        with Connection(RABBITMQ_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # any transport error means "not reachable"
        _unavailable(
            f"RabbitMQ at {_masked(RABBITMQ_URL)} ({exc})",
            required=IN_CI and "ITAM_TEST_RABBITMQ_URL" in os.environ,
        )
    deadline = time.monotonic() + RUN_SECONDS
    while True:
        with _claim(celery_redis, "itam-test:celery-rabbitmq") as claimed:
            if claimed:
                _purge_dagster_queue(RABBITMQ_URL)
                yield RABBITMQ_URL
                return
        if time.monotonic() > deadline:
            _unavailable("RabbitMQ (another session held the test lock for too long)", required=IN_CI)
        time.sleep(2)


def _purge_dagster_queue(url: str) -> None:
    # Declared exactly as dagster_celery.make_app declares it; other arguments would be refused.
    queue = Queue(
        "dagster",
        Exchange("dagster", "direct"),
        routing_key="dagster.#",
        queue_arguments={"x-max-priority": 10},
    )
    with Connection(url, connect_timeout=3) as conn:
        bound = queue(conn.default_channel)
        bound.declare()
        bound.purge()


@pytest.fixture
def celery_instance_database(postgres_admin_url: str) -> Iterator[sa.URL]:
    """A fresh PostgreSQL database for the Dagster instance (runs, event log); dropped afterwards."""
    name = f"itam_dagster_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(postgres_admin_url).set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---- the deployment ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CeleryDeployment:
    """Environment shared by launcher and worker, the Dagster home, and the worker's name and log."""

    env: dict[str, str]
    workdir: Path
    dagster_home: Path
    worker: subprocess.Popen
    worker_name: str
    worker_log: Path
    repository_url: str
    expected_records: dict[str, int]


def _instance_env(url: sa.URL) -> dict[str, str]:
    """The DAGSTER_PG_* variables the celery instance template reads."""
    return {
        "DAGSTER_PG_USERNAME": url.username or "postgres",
        "DAGSTER_PG_PASSWORD": url.password or "",
        "DAGSTER_PG_HOST": url.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_DB": str(url.database),
    }


def _clean_environ() -> dict[str, str]:
    # The developer's own ITAM_*/DAGSTER_* settings must not leak into the deployment.
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ITAM_", "DAGSTER_")) and k != "REQUESTS_CA_BUNDLE"
    }


def _worker_command(name: str) -> list[str]:
    return [
        str(BIN / "dagster-celery"),
        "worker",
        "start",
        "-A",
        "dagster_celery.app",
        "-y",
        str(DEPLOY / "celery-worker.yaml"),
        "-n",
        name,
        "--loglevel",
        "INFO",
        # Import the code location before the pool forks: steps start at once, broken code fails here.
        "-i",
        "itam_pipeline.definitions",
        "--",  # the rest goes to `celery worker` itself
        "--concurrency=2",
        # No neighbour discovery: faster start, and no chatter with workers of other sessions.
        "--without-mingle",
        "--without-gossip",
    ]


def _stop_process_group(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue  # SIGTERM can be ignored in sandboxes; escalate


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


@contextmanager
def _celery_worker(env: dict[str, str], workdir: Path) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    """A Celery worker in its own process group (dagster-celery starts `celery` as a child).

    Not awaited: the first launch imports the code location while the worker starts, and tasks
    wait in the broker until it is ready.
    """
    name = f"itam-test-{uuid.uuid4().hex[:8]}"
    log = workdir / "celery-worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            _worker_command(name),
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield name, log, proc
        finally:
            _stop_process_group(proc)


@pytest.fixture
def celery_broker(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(broker, result backend) of the requested kind: ``redis`` or ``rabbitmq``."""
    if request.param == "redis":
        url = request.getfixturevalue("celery_redis_url")
        return url, url
    # The classic RabbitMQ pairing: results travel back over RabbitMQ as well.
    return request.getfixturevalue("celery_rabbitmq_url"), "rpc://"


@pytest.fixture
def celery_deployment(
    tmp_path: Path,
    celery_broker: tuple[str, str],
    celery_instance_database: sa.URL,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[CeleryDeployment]:
    """Emulators, instance, repository and a running worker, wired as the operations guide says."""
    from itam_pipeline.repository import upgrade

    broker, backend = celery_broker
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    shutil.copyfile(DEPLOY / "dagster.celery.yaml", dagster_home / "dagster.yaml")
    drops = tmp_path / "drops"
    drops.mkdir()
    upgrade(postgres_url)
    instance_env = _instance_env(celery_instance_database)
    for key, value in instance_env.items():  # this process reads the instance afterwards
        monkeypatch.setenv(key, value)
    fleet = generate_fleet(FLEET_SIZE, seed=3)
    with EmulatorSet(fleet=fleet, state_dir=tmp_path / "emulators") as emulators:
        env = {
            **_clean_environ(),
            **emulators.env(),
            **instance_env,
            # dagster-celery starts the `celery` command found on PATH.
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "DAGSTER_HOME": str(dagster_home),
            "ITAM_HOME": str(tmp_path / "itam"),
            "ITAM_DROP_DIR": str(drops),
            "ITAM_DATABASE_URL": postgres_url,
            "ITAM_EXECUTOR": "celery",
            "ITAM_CELERY_BROKER": broker,
            "ITAM_CELERY_BACKEND": backend,
        }
        with _celery_worker(env, tmp_path) as (worker_name, worker_log, worker):
            yield CeleryDeployment(
                env=env,
                workdir=tmp_path,
                dagster_home=dagster_home,
                worker=worker,
                worker_name=worker_name,
                worker_log=worker_log,
                repository_url=postgres_url,
                expected_records={s: n for s, n in fleet.record_counts().items() if s in API_SOURCES},
            )


# ---- launching and reading runs ------------------------------------------------------------------
def _launch(deployment: CeleryDeployment, job: str) -> tuple[int, str]:
    """One real run of ``job`` through the job's executor (Celery), as an operator would start it.

    Returns the launcher's exit code and output; fails at once if the worker dies meanwhile.
    """
    command = [
        str(BIN / "dagster"),
        "job",
        "execute",
        "-m",
        "itam_pipeline.definitions",
        "-a",
        "defs",
        "-j",
        job,
    ]
    output = deployment.workdir / f"launch-{job}.log"
    with output.open("w") as out:
        launcher = subprocess.Popen(
            command,
            env=deployment.env,
            cwd=deployment.workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + RUN_SECONDS
        try:
            while launcher.poll() is None:
                assert deployment.worker.poll() is None, (
                    f"the Celery worker exited:\n{_tail(deployment.worker_log)}"
                )
                assert time.monotonic() < deadline, (
                    f"{job} did not finish in {RUN_SECONDS}s:\n{_tail(output)}\nworker:\n{_tail(deployment.worker_log)}"
                )
                time.sleep(0.5)
        finally:
            if launcher.poll() is None:
                _stop_process_group(launcher)
    return launcher.returncode, _tail(output)


def _latest_run(instance: dg.DagsterInstance, job: str) -> dg.DagsterRun | None:
    runs = instance.get_runs(dg.RunsFilter(job_name=job), limit=1)
    return runs[0] if runs else None


def _succeeded_steps(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    return {e.step_key for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)}


def _celery_worker_by_step(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """Step key -> the Celery worker that reported executing it (its engine event)."""
    workers = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        worker = entry.dagster_event.engine_event_data.metadata.get("Celery worker")
        if worker is not None:
            workers[entry.step_key] = worker.value
    return workers


@dataclass(frozen=True)
class CeleryRun:
    run_id: str
    steps: set[str]


def _run_on_celery(deployment: CeleryDeployment, instance: dg.DagsterInstance, job: str) -> CeleryRun:
    """Launch ``job`` and assert it succeeded with every step executed by our worker."""
    exit_code, output = _launch(deployment, job)
    diagnostics = f"launcher exit {exit_code}:\n{output}\nworker log:\n{_tail(deployment.worker_log)}"
    run = _latest_run(instance, job)
    assert run is not None, f"no {job} run was recorded in the PostgreSQL instance; {diagnostics}"
    assert run.status == dg.DagsterRunStatus.SUCCESS, diagnostics
    steps = _succeeded_steps(instance, run.run_id)
    workers = _celery_worker_by_step(instance, run.run_id)
    assert steps, diagnostics
    assert set(workers) >= steps, f"steps not executed by a Celery worker: {sorted(steps - set(workers))}"
    assert {w.split("@")[0] for w in workers.values()} == {deployment.worker_name}
    # The worker's own log confirms it: the worker process logged each step's success in this run.
    logged = set(re.findall(rf"{run.run_id} - \d+ - (\S+) - STEP_SUCCESS", deployment.worker_log.read_text()))
    assert logged == steps
    return CeleryRun(run.run_id, steps)


@pytest.fixture
def celery_instance(celery_deployment: CeleryDeployment) -> Iterator[dg.DagsterInstance]:
    """The deployment's Dagster instance (PostgreSQL storage), as the test reads it."""
    instance = dg.DagsterInstance.from_config(str(celery_deployment.dagster_home))
    try:
        yield instance
    finally:
        instance.dispose()


def _extractions(repository_url: str) -> dict[str, tuple[bool, int]]:
    engine = sa.create_engine(repository_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("select source, completed, record_count from extractions")).all()
    finally:
        engine.dispose()
    return {source: (completed, count) for source, completed, count in rows}


def _assets_by_creating_run(repository_url: str) -> dict[str, int]:
    engine = sa.create_engine(repository_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("select created_run_id, count(*) from assets group by created_run_id")
            )
            return {run_id: count for run_id, count in rows}
    finally:
        engine.dispose()


def _reported_new_assets(instance: dg.DagsterInstance, run_id: str) -> int:
    """The ``new`` count the repository write reported in its materialization."""
    event = instance.get_latest_materialization_event(dg.AssetKey(["repository", "assets"]))
    assert event is not None and event.run_id == run_id
    return event.asset_materialization.metadata["new"].value


# ---- tests ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("celery_broker", [pytest.param("redis", marks=needs_celery_stack)], indirect=True)
def test_full_sync_runs_on_the_celery_worker(
    celery_deployment: CeleryDeployment, celery_instance: dg.DagsterInstance
) -> None:
    extracted = _run_on_celery(celery_deployment, celery_instance, "extract_all")
    assert extracted.steps >= {f"raw__{s}" for s in API_SOURCES}
    # Every record of every source landed, through the worker, and the extraction was bookkept.
    assert _extractions(celery_deployment.repository_url) == {
        s: (True, n) for s, n in celery_deployment.expected_records.items()
    }

    reconciled = _run_on_celery(celery_deployment, celery_instance, "reconcile_all")
    assert reconciled.steps >= {"reconciled__plan", "repository__assets"}
    # The golden assets in the repository are exactly the ones that run wrote and reported.
    new = _reported_new_assets(celery_instance, reconciled.run_id)
    assert new > 0
    assert _assets_by_creating_run(celery_deployment.repository_url) == {reconciled.run_id: new}


@pytest.mark.parametrize("celery_broker", [pytest.param("rabbitmq", marks=needs_celery_stack)], indirect=True)
def test_extraction_runs_on_a_celery_worker_fed_by_rabbitmq(
    celery_deployment: CeleryDeployment, celery_instance: dg.DagsterInstance
) -> None:
    extracted = _run_on_celery(celery_deployment, celery_instance, "extract_all")
    assert extracted.steps >= {f"raw__{s}" for s in API_SOURCES}
    assert _extractions(celery_deployment.repository_url) == {
        s: (True, n) for s, n in celery_deployment.expected_records.items()
    }


def test_worker_template_is_the_executor_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # dagster-celery reads `execution: config:`; a misplaced level only fails when a worker starts.
    from dagster_celery.cli import get_validated_config

    monkeypatch.setenv("ITAM_CELERY_BROKER", "pyamqp://itam:secret@broker.example:5672//")
    monkeypatch.setenv("ITAM_CELERY_BACKEND", "rpc://")
    config = get_validated_config(str(DEPLOY / "celery-worker.yaml"))
    assert config["broker"] == "pyamqp://itam:secret@broker.example:5672//"
    assert config["backend"] == "rpc://"

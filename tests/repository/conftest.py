"""Fixtures for repository tests: a migrated, empty repository on SQLite and on PostgreSQL.

Creating and migrating a database per test costs about a second on PostgreSQL, so
``engine`` migrates once per session and empties every table before each test (SQLite:
copies a migrated file). Tests that change the schema itself (triggers, migrations) use
``fresh_engine``, a new database per test from the shared ``database_url`` fixture.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from itam_pipeline.repository import create_engine, upgrade
from itam_pipeline.repository.tables import metadata


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("repository") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_repository(postgres_admin_url: str) -> Iterator[str]:
    name = f"itam_repo_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _emptied(url: str) -> Engine:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(metadata.tables)} RESTART IDENTITY CASCADE")
    return engine


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty repository; each test runs once per dialect."""
    if request.param == "sqlite":
        path = tmp_path / "itam.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        engine = create_engine(f"sqlite:///{path}")
    else:
        engine = _emptied(request.getfixturevalue("_postgres_repository"))
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_engine(database_url: str) -> Iterator[Engine]:
    """A newly created and migrated database (per test, per dialect) that a test may alter."""
    upgrade(database_url)
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated, empty PostgreSQL repository (for PostgreSQL-only behaviour)."""
    engine = _emptied(request.getfixturevalue("_postgres_repository"))
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_pg_engine(postgres_url: str) -> Iterator[Engine]:
    """A newly created and migrated PostgreSQL database that a test may alter."""
    upgrade(postgres_url)
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()

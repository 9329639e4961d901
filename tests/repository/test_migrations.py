"""Migrations build the whole schema on both databases, match the SQLAlchemy metadata, and
re-running them is harmless; an unreachable database fails with one clear line."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from itam_pipeline.repository import (
    RepositoryUnavailable,
    apply_plan,
    create_engine,
    current_revision,
    indexes,
    upgrade,
)
from itam_pipeline.repository.migrations import alembic_config
from itam_pipeline.repository.tables import metadata
from itam_pipeline.repository.views import VIEWS, view_names

from .builders import fleet_plan, next_run

HEAD = "0003"


def test_upgrade_creates_every_table_and_view(fresh_engine: Engine) -> None:
    engine = fresh_engine
    inspector = sa.inspect(engine)
    assert set(metadata.tables) <= set(inspector.get_table_names())
    assert set(VIEWS) == set(inspector.get_view_names())
    assert current_revision(engine) == HEAD
    with engine.connect() as conn:
        for view in VIEWS:  # every view compiles and runs on an empty repository
            assert conn.execute(sa.text(f"SELECT * FROM {view}")).fetchall() == []


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_the_view_files_create_exactly_the_catalogued_views(dialect: str) -> None:
    # Migrations drop the views a revision created by these names.
    assert view_names("0002", dialect) == list(VIEWS)


def test_view_migrations_downgrade_and_upgrade_again(fresh_engine: Engine) -> None:
    with fresh_engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert current_revision(fresh_engine) == "0001"
    assert sa.inspect(fresh_engine).get_view_names() == []
    assert upgrade(fresh_engine) == HEAD
    assert set(sa.inspect(fresh_engine).get_view_names()) == set(VIEWS)


def test_migrated_schema_matches_the_metadata(fresh_engine: Engine) -> None:
    engine = fresh_engine
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_upgrade_is_idempotent(database_url: str) -> None:
    assert upgrade(database_url) == HEAD
    assert upgrade(database_url) == HEAD


def test_column_comments_reach_postgresql(pg_engine: Engine) -> None:
    columns = {c["name"]: c for c in sa.inspect(pg_engine).get_columns("assets")}
    assert columns["serial_number"]["comment"] == "hardware serial number"
    assert columns["row_hash"]["comment"].startswith("hash of the row's values")


def test_unreachable_postgres_is_one_clear_line() -> None:
    with pytest.raises(RepositoryUnavailable) as error:
        upgrade("postgresql://itam:secret@127.0.0.1:1/itam")
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(
        "cannot reach the repository database postgresql+psycopg://itam:***@127.0.0.1:1/itam"
    )
    assert "secret" not in message


def test_sqlite_in_a_missing_folder_is_one_clear_line(tmp_path) -> None:
    with pytest.raises(RepositoryUnavailable, match="unable to open database file"):
        upgrade(f"sqlite:///{tmp_path / 'missing' / 'itam.db'}")


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_urls_are_rejected(url: str) -> None:
    with pytest.raises(RepositoryUnavailable):
        create_engine(url)


def test_bulk_load_rebuilds_every_index_and_key(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Large initial loads drop and rebuild indexes; make this small plan count as large.
    monkeypatch.setattr(indexes, "DEFERRED_INDEX_MIN_ROWS", 1)
    plan = fleet_plan(20)
    apply_plan(engine, plan)

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    assert apply_plan(engine, next_run(plan, "run-2")).rows_written["asset_identifiers"] == 0
    duplicate = next_run(plan, "run-3")
    twin = duplicate.links.iloc[[0]].assign(record_key="intune|twin")  # same source record id
    duplicate.links = pd.concat([duplicate.links, twin], ignore_index=True)
    with pytest.raises(sa.exc.IntegrityError):  # the rebuilt unique constraint is enforced
        apply_plan(engine, duplicate)


def test_key_columns_compare_bytewise_on_postgresql(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn:
        collations = dict(
            conn.exec_driver_sql(
                "SELECT table_name || '.' || column_name, collation_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND data_type = 'text'"
            ).all()
        )
    assert collations["assets.asset_id"] == "C"
    assert collations["asset_identifiers.id_value"] == "C"
    assert collations["incident_links.incident_id"] == "C"
    assert collations["assets.model"] is None  # prose-like values keep the database default

"""``itam-pipeline``: sync, demo, database, sources, configuration, explain and export.

Runs go through the same Dagster ``Definitions`` the UI loads and are recorded in the
instance at ``DAGSTER_HOME``, so a sync started here shows up in the UI. Errors a user can
cause (bad URL, missing folder, unreachable source) print one clear line and exit non-zero.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

from connectors.records import API_SOURCES
from itam_pipeline import settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """An error the user can fix; printed as one line, no traceback."""


# ---- helpers -----------------------------------------------------------------------------------
def say(message: str) -> None:
    print(message, flush=True)


def step(label: str) -> Callable[[], None]:
    """Print a progress line now and its duration when the returned callable is called."""
    started = time.monotonic()
    say(f"-> {label} ...")

    def done() -> None:
        say(f"   {label}: done in {time.monotonic() - started:.1f}s")

    return done


def init_instance() -> Path:
    """Create DAGSTER_HOME with the bundled dagster.yaml so CLI runs land in the UI's instance."""
    home = settings.paths().dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        template = resources.files("itam_pipeline") / "deploy" / "dagster.yaml"
        config.write_text(template.read_text())
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def database_ready() -> str:
    """Migrate the repository to the newest schema; one-line error when unreachable."""
    from itam_pipeline.repository import RepositoryUnavailable, upgrade

    url = settings.paths().database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(url)
    except RepositoryUnavailable as exc:
        raise UserError(str(exc)) from None
    return url


def check_drop_dir() -> None:
    if os.environ.get("ITAM_DROP_DIR") and not settings.paths().drop_dir.is_dir():
        raise UserError(
            f"ITAM_DROP_DIR={os.environ['ITAM_DROP_DIR']} does not exist or is not a folder "
            "(create it, or unset ITAM_DROP_DIR to use ./drops)"
        )


# ---- sync ----------------------------------------------------------------------------------------
def run_sync(*, dry_run: bool = False, force: bool = False, replay: bool = False) -> int:
    """One full sync through Dagster: extract every source, land new files, reconcile and write."""
    check_drop_dir()
    init_instance()
    database_ready()

    import dagster as dg

    from itam_pipeline.cli_report import print_run_report
    from itam_pipeline.definitions import build_definitions

    defs = build_definitions()
    instance = dg.DagsterInstance.get()
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    ok = True

    done = step("extracting API sources (Intune, Device42, Miradore)")
    # INFO on this run shows the connectors' progress ("intune: 50,000 records landed").
    progress = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    extract = defs.resolve_job_def("extract_all").execute_in_process(
        instance=instance, raise_on_error=False, run_config=progress
    )
    done()
    ok &= print_run_report(extract, say)

    drops = defs.resources["file_drop"].connector()  # type: ignore[union-attr]
    pending = drops.pending_files() if drops.drop_dir.exists() else []
    if pending:
        instance.add_dynamic_partitions("file_drops", sorted({f.partition_key for f in pending}))
    for dropped in pending:
        done = step(f"landing file {dropped.partition_key}")
        landed = defs.resolve_job_def("land_file_drop").execute_in_process(
            instance=instance, partition_key=dropped.partition_key, raise_on_error=False, run_config=quiet
        )
        done()
        ok &= print_run_report(landed, say)

    done = step(
        "normalizing, checking and reconciling" + (" (dry run: nothing is written)" if dry_run else "")
    )
    run_config: dict = {
        **quiet,
        "ops": {f"normalized__{s}": {"config": {"replay": replay}} for s in (*API_SOURCES, "file_drops")},
    }
    selection = None
    if dry_run:
        selection = [dg.AssetKey(["reconciled", "plan"])] + [
            dg.AssetKey(["normalized", s]) for s in (*API_SOURCES, "file_drops")
        ]
    else:
        run_config["ops"]["repository__assets"] = {"config": {"force": force}}
    reconcile = defs.resolve_job_def("reconcile_all").execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config=run_config,
        asset_selection=selection,
        tags={"itam/force": "true"} if force else None,
    )
    done()
    ok &= print_run_report(reconcile, say, show_plan=dry_run, summary=not dry_run)
    say("sync finished" if ok else "sync finished with failures (see above)")
    return EXIT_OK if ok else EXIT_FAILED


# ---- commands ------------------------------------------------------------------------------------
def cmd_sync(args: argparse.Namespace) -> int:
    return run_sync(dry_run=args.dry_run, force=args.force, replay=args.replay)


def cmd_demo(args: argparse.Namespace) -> int:
    from itam_pipeline.demo import run_demo

    return run_demo(size=args.size, seed=args.seed, sync=run_sync, say=say)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    url = database_ready()
    say(f"repository schema is up to date ({settings._mask_url_password(url)})")
    return EXIT_OK


def cmd_sources_check(args: argparse.Namespace) -> int:
    from connectors.errors import ConnectorError, NotConfiguredError
    from itam_pipeline.definitions import build_resources

    resources_ = build_resources()
    failed = False
    for name in API_SOURCES:
        resource = resources_[name]
        try:
            resource = resource.process_config_and_initialize()  # resolves EnvVar values
            message = resource.connector().check()
            say(f"{name:<9} OK       {message}")
        except NotConfiguredError as exc:
            say(f"{name:<9} skipped  {exc.hint or exc.message}")
        except ConnectorError as exc:
            failed = True
            say(f"{name:<9} FAILED   {exc}")
    drop_dir = settings.paths().drop_dir
    if drop_dir.is_dir():
        from connectors.file_drop import FileDropConnector

        feeds = FileDropConnector(drop_dir).feeds()
        say(f"{'files':<9} OK       {drop_dir} ({len(feeds)} feeds: {', '.join(feeds) or 'none yet'})")
    elif os.environ.get("ITAM_DROP_DIR"):
        failed = True
        say(f"{'files':<9} FAILED   ITAM_DROP_DIR={drop_dir} does not exist")
    else:
        say(f"{'files':<9} skipped  no drop folder at {drop_dir}")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_config_show(args: argparse.Namespace) -> int:
    rows = settings.effective_settings()
    width = max(len(r[0]) for r in rows)
    for env, value, meaning in rows:
        say(f"{env:<{width}}  {value}")
        if args.verbose:
            say(f"{'':<{width}}  {meaning}")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from itam_pipeline.explain import explain

    database_ready()
    from itam_pipeline.repository import create_engine

    engine = create_engine(settings.paths().database_url)
    try:
        text = explain(engine, args.query)
    finally:
        engine.dispose()
    if text is None:
        raise UserError(f"no asset matches {args.query!r} (try an asset id, serial number or host name)")
    say(text)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from itam_pipeline.repository import create_engine, export_tables

    database_ready()
    engine = create_engine(settings.paths().database_url)
    try:
        written = export_tables(engine, Path(args.out), fmt=args.format)
    finally:
        engine.dispose()
    for path in written:
        say(f"wrote {path}")
    return EXIT_OK


def cmd_init_instance(args: argparse.Namespace) -> int:
    say(f"DAGSTER_HOME={init_instance()}")
    return EXIT_OK


# ---- parser --------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="itam-pipeline",
        description="Discovery-integration ETL for IT Asset Management. Settings come from ITAM_* "
        "environment variables or a .env file (see `itam-pipeline config show -v`).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log connector progress")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    p = sub.add_parser("sync", help="one full sync of every configured source", description=run_sync.__doc__)
    p.add_argument("--dry-run", action="store_true", help="compute and print the plan; write nothing")
    p.add_argument("--force", action="store_true", help="write even when a safety threshold is exceeded")
    p.add_argument(
        "--replay", action="store_true", help="re-normalize the landed snapshots (after a rule change)"
    )
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser(
        "demo",
        help="start the bundled source emulators and sync a synthetic estate into ./.itam",
        description="Starts Intune/Entra, Device42 and Miradore emulators on 127.0.0.1 with a seeded synthetic "
        "fleet, drops a procurement file, and runs a full sync into the local SQLite repository.",
    )
    p.add_argument("--size", type=int, default=500, help="number of physical devices (default 500)")
    p.add_argument("--seed", type=int, default=42, help="random seed of the synthetic fleet")
    p.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="repository database commands").add_subparsers(
        dest="db_command", required=True
    )
    p = db.add_parser("upgrade", help="create or migrate the repository schema")
    p.set_defaults(func=cmd_db_upgrade)

    src = sub.add_parser("sources", help="source commands").add_subparsers(
        dest="sources_command", required=True
    )
    p = src.add_parser(
        "check", help="reach each configured source and report OK, skipped or the reason it failed"
    )
    p.set_defaults(func=cmd_sources_check)

    cfg = sub.add_parser("config", help="configuration commands").add_subparsers(
        dest="config_command", required=True
    )
    p = cfg.add_parser("show", help="print the effective settings (secrets masked)")
    p.add_argument("-v", "--verbose", action="store_true", help="also print what each setting means")
    p.set_defaults(func=cmd_config_show)

    p = sub.add_parser(
        "explain", help="why an asset looks the way it does: links, provenance, status history"
    )
    p.add_argument("query", help="asset id, serial number or host name")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("export", help="export the reconciled tables and views to Parquet or CSV")
    p.add_argument("--out", default="export", help="output folder (default ./export)")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("init-instance", help="create DAGSTER_HOME with the bundled dagster.yaml")
    p.set_defaults(func=cmd_init_instance)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    settings.load_env_file()
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args))
    except (UserError, settings.ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

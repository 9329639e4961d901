"""``python -m connectors.emulators serve [--size N] [--seed S] [--state-dir DIR]``

Starts the Entra+Graph, Device42 and Miradore emulators with a synthetic fleet, prints the
environment variables that reach them (``export`` lines, ready for ``eval``) and runs until
interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import shlex
import signal
import sys
import threading
from typing import Any

from connectors.emulators import EmulatorSet


def load_fleet(size: int, seed: int) -> Any:
    """The seeded fleet from ``connectors.emulators.fleet`` or None when it is not available."""
    try:
        from connectors.emulators.fleet import generate_fleet  # lazy: optional module
    except ImportError:
        return None
    try:
        return generate_fleet(size=size, seed=seed)
    except TypeError:
        return generate_fleet(size, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m connectors.emulators",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start all emulators and print the environment to reach them")
    serve.add_argument("--size", type=int, default=1000, help="devices per source (default 1000)")
    serve.add_argument("--seed", type=int, default=0, help="fleet and credential seed (default 0)")
    serve.add_argument("--state-dir", default=None, help="folder for the throwaway CA and certificates")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--intune-port", type=int, default=0)
    serve.add_argument("--device42-port", type=int, default=0)
    serve.add_argument("--miradore-port", type=int, default=0)
    serve.add_argument(
        "--sample", action="store_true", help="use the built-in sample, not the fleet generator"
    )
    serve.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    fleet = None if args.sample else load_fleet(args.size, args.seed)
    if fleet is None:
        print("# fleet generator not available: serving the built-in sample fleet", file=sys.stderr)
    emulators = EmulatorSet(
        fleet=fleet,
        size=args.size,
        seed=args.seed,
        state_dir=args.state_dir,
        host=args.host,
        ports=(args.intune_port, args.device42_port, args.miradore_port),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with emulators:
        for key, value in emulators.env().items():
            print(f"export {key}={shlex.quote(value)}")
        print(f"# serving {args.size} devices per source; Ctrl-C to stop", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`lorapan stop PATH RUN`: SIGINT to the trainer's process group, then SIGTERM, then SIGKILL."""

from __future__ import annotations

import argparse
from pathlib import Path

from lorapan.core.commands_hint import hint
from lorapan.support import EXIT_FINDINGS, EXIT_OK, fail, print_json

NAME = "stop"
ORDER = 63
HELP = "stop a training run (Ctrl-C to the whole process group, escalating)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME,
        help=HELP,
        description=HELP,
        epilog="examples:\n  lorapan stop ~/data/goblin latest\n"
        "  lorapan stop ~/data/goblin 20261127-001500 --grace 10 5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument("run", nargs="?", default="latest", help="run id or prefix (default: latest)")
    p.add_argument(
        "--grace",
        nargs=2,
        type=float,
        default=[30.0, 15.0],
        metavar=("INT_S", "TERM_S"),
        help="seconds to wait after SIGINT, then after SIGTERM (default 30 15)",
    )
    p.add_argument("--no-wait", action="store_true", help="return at once; the stop goes on")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lorapan.core.training.runs import RunError, find_run, stop_run

    try:
        info = find_run(Path(args.path).expanduser(), args.run)
    except RunError as exc:
        return fail(str(exc), hint("runs", args.path))
    if not info.active:
        msg = f"run {info.id} is not running ({info.status})"
        if args.json:
            print_json(
                {"run": info.id, "status": info.status, "reasons": info.state.get("reasons", [])}
            )
        else:
            print(msg)
            for reason in info.state.get("reasons", []):
                print(f"  {reason}")
        return EXIT_OK
    after = stop_run(info, grace=(args.grace[0], args.grace[1]), wait=not args.no_wait)
    if args.json:
        print_json({"run": after.id, "status": after.status, "state": after.state})
    else:
        print(f"run {after.id}: {after.status}")
        for reason in after.state.get("reasons", []):
            print(f"  {reason}")
    return EXIT_OK if not after.active or args.no_wait else EXIT_FINDINGS

"""`lorapan logs PATH RUN [--follow]`: a run's log, progress redraws collapsed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lorapan.core.commands_hint import hint
from lorapan.support import EXIT_FINDINGS, EXIT_OK, fail

NAME = "logs"
ORDER = 62
HELP = "show a training run's log (--follow re-attaches until it ends)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME,
        help=HELP,
        description=HELP,
        epilog="examples:\n  lorapan logs ~/data/goblin latest --follow\n"
        "  lorapan logs ~/data/goblin 20261127-001500 --raw > run.log",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument("run", nargs="?", default="latest", help="run id or prefix (default: latest)")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing until the run ends")
    p.add_argument("--raw", action="store_true", help="bytes as written, \\r redraws kept")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lorapan.core.training.logparse import LogParser
    from lorapan.core.training.runs import RunError, find_run, follow, list_runs

    root = Path(args.path).expanduser()
    if not root.is_dir():
        return fail(f"{args.path} is not a folder", "give the dataset folder")
    if not list_runs(root):
        return fail(
            f"no training runs yet in {args.path}",
            f"start one: `{hint('train', args.path, '--dry-run')}` to see the plan, "
            f"then `{hint('train', args.path)}`",
            code=EXIT_FINDINGS,
        )
    try:
        info = find_run(root, args.run)
    except RunError as exc:
        return fail(str(exc), f"list the runs with `{hint('runs', args.path)}`")
    parser = LogParser()
    out = sys.stdout
    try:
        for chunk in follow(info, stop=None if args.follow else (lambda: True)):
            if args.raw:
                out.write(chunk)
            else:
                for line in parser.feed(chunk):
                    out.write(line + "\n")
            out.flush()
        if not args.raw:
            for line in parser.flush():
                out.write(line + "\n")
    except KeyboardInterrupt:
        print(f"\nstopped following; run {info.id} goes on", file=sys.stderr)
    except BrokenPipeError:
        return EXIT_OK
    return EXIT_OK

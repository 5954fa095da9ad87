"""`lorapan demo [DIR]`: write the goblin demo dataset and open it."""

from __future__ import annotations

import argparse
from pathlib import Path

from lorapan.support import EXIT_OK, fail

NAME = "demo"
ORDER = 1
HELP = "write the demo dataset (a three-eyed goblin) and open it in the app"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME,
        help=HELP,
        description="Write a small dataset drawn by code, with the usual mistakes in its "
        "captions for the rules to find, and open it in the app.",
        epilog="examples:\n  lorapan demo                 ./lorapan-demo, then the app\n"
        "  lorapan demo /tmp/gob --no-open",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "dir", nargs="?", default="lorapan-demo", help="where to write it (default ./lorapan-demo)"
    )
    p.add_argument("--no-open", action="store_true", help="only write the files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lorapan.core.demo import write_demo

    target = Path(args.dir).expanduser()
    if target.exists() and any(target.iterdir()):
        if not (target / "lorapan.toml").exists():
            return fail(
                f"{target} exists and is not empty", "give a new folder: lorapan demo /tmp/gob"
            )
        print(f"{target} already holds a dataset" + ("" if args.no_open else "; opening it"))
    else:
        write_demo(target)
        print(f"wrote the demo dataset to {target}")
    if args.no_open:
        print(f"open it with: lorapan {target}")
        return EXIT_OK
    from lorapan.tui.app import run_app  # textual is imported only to open the app

    return run_app(target)

"""The `lorapan` command: subcommands are discovered from `lorapan.commands`.

Each module in `cli/commands/` defines ``NAME`` (the subcommand), ``ORDER`` (its place
in ``--help``), ``HELP`` (one line) and ``register(subparsers)`` which adds a parser
whose ``func(args) -> int`` runs it (``one_pass=True`` among its defaults: a command that
reads the dataset once and ends, which runs without the cyclic garbage collector). Keeping one module per command lets each be
owned and tested on its own. This module never imports textual: only the ``open``
command does, lazily, when the app is actually started.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import gc
import importlib
import os
import pkgutil
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType

from lorapan import __version__, commands
from lorapan.support import EXIT_USAGE, fail, run_command

EPILOG = """\
examples:
  lorapan demo                         write the demo dataset and open it in the app
  lorapan ~/data/goblin                open a dataset folder in the app
  lorapan info ~/data/goblin           images, captions, orphans, kohya folders
  lorapan check ~/data/goblin          the method's rules; exit 1 while errors remain
  lorapan fix ~/data/goblin --dry-run  what the one-key fixes would change
  lorapan edit DIR --query 'solo AND NOT smile' --add 'closed mouth'
  lorapan undo DIR                     undo the last edit (works across restarts)
  lorapan scan DIR                     analyse images: unreadable, blurry, clones
  lorapan train DIR --dry-run          the kohya dataset TOML and exact command

Every command takes --help. Scripts: add --json. Exit codes: 0 done, 1 done with
findings, conflicts or unreadable files, 2 usage error, 3 another lorapan is
writing to the dataset (or a run of it is training), 4 lorapan's own state
(.lorapan/) is damaged or unwritable, 130 stopped by Ctrl-C.
"""


def _command_modules() -> list[ModuleType]:
    mods = []
    for info in pkgutil.iter_modules(commands.__path__):
        if info.name.startswith("_"):
            continue
        mods.append(importlib.import_module(f"lorapan.commands.{info.name}"))
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 100), m.NAME))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lorapan",
        description="Build LoRA training datasets and train on them, from the terminal.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lorapan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _command_modules():
        mod.register(sub)
    return parser


def _known_commands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:  # argparse offers no public accessor
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def _mistyped(word: str, commands: set[str]) -> int | None:
    """``lorapan chek DIR``: not a folder, and close to a command's name. It would open
    the app on a folder 'chek' that is not there; say what was meant instead."""
    if os.path.exists(word):
        return None
    close = difflib.get_close_matches(word, sorted(commands), n=1, cutoff=0.75)
    if not close:
        return None
    return fail(
        f"{word!r} is neither a command nor a folder",
        f"did you mean `lorapan {close[0]}`? (`lorapan --help` lists the commands)",
        EXIT_USAGE,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # `lorapan PATH` (no subcommand) opens the app on PATH.
    if (
        args_list
        and not args_list[0].startswith("-")
        and args_list[0] not in _known_commands(parser)
    ):
        if (typo := _mistyped(args_list[0], _known_commands(parser))) is not None:
            return typo
        args_list.insert(0, "open")
    if not args_list:
        parser.print_help()
        return EXIT_USAGE
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    with _collector_off(getattr(args, "one_pass", False)):
        return _run(args)


@contextlib.contextmanager
def _collector_off(off: bool) -> Iterator[None]:
    """One pass over the dataset, then the process ends: a bulk edit of 10,000 captions
    ran ~400 collections that found under 1,000 objects to free, for 0.1-0.15 s of CPU
    (issue 17). Long-running commands (the app, watch, train, scan, autotag) keep the
    collector, and it is back on after the command (``main`` runs in tests too).

    Turned back on as it was, the collector's first pass would walk every object the
    command made (all still in the youngest generation): 0.08 s at 10,000 captions,
    spent as the process ends. ``freeze`` + ``unfreeze`` moves them to the oldest
    generation first, which costs nothing and leaves them to a later full pass."""
    was_on = gc.isenabled()
    if off:
        gc.disable()
    try:
        yield
    finally:
        if off:
            gc.freeze()
            gc.unfreeze()
        if was_on:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    try:
        return run_command(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `lorapan check DIR | head`: the reader left; that is not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`lorapan undo|redo|history|recover PATH`: the edit journal from the command line."""

from __future__ import annotations

import argparse
import time

from lorapan.core.commands_hint import hint
from lorapan.support import (
    EXIT_FINDINGS,
    EXIT_OK,
    command_parser,
    fail,
    open_dataset,
    print_json,
)

NAME = "history"
ORDER = 40
HELP = "list the journaled edits (newest last)"


def register(sub: argparse._SubParsersAction) -> None:
    for name, helptext, func in (
        ("undo", "undo the last edit (works across restarts)", run_undo),
        ("redo", "redo the last undone edit", run_redo),
        (NAME, HELP, run_history),
    ):
        p = command_parser(
            sub,
            name,
            help=helptext,
            description=helptext[0].upper() + helptext[1:] + ".",
            epilog=f"example:\n  lorapan {name} ~/data/goblin",
        )
        p.add_argument("path", help="dataset folder")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
    p = command_parser(
        sub,
        "recover",
        help="finish or roll back an edit interrupted by a crash",
        description="An edit killed half-way leaves a pending journal entry. Finish it "
        "(write the remaining files) or roll it back (restore what it already wrote).",
        epilog="examples:\n  lorapan recover DIR --finish\n  lorapan recover DIR --rollback",
    )
    p.add_argument("path", help="dataset folder")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--finish", action="store_true", help="complete the interrupted edit")
    group.add_argument("--rollback", action="store_true", help="undo what it already wrote")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_recover)


def _print_result(args, result) -> int:
    if args.json:
        print_json(result.to_dict())
    else:
        n = len(result.applied)
        print(f"{result.label}: {n} file{'' if n == 1 else 's'} written")
        for rel, why in result.conflicts:
            print(f"  not touched: {rel}: {why}")
    return EXIT_OK if result.ok else EXIT_FINDINGS


def _blocked(ds) -> int | None:
    if ds.journal.incomplete():
        return fail(
            "an edit was interrupted before it finished",
            f"run `{hint('recover', ds.root, '--finish')}` or `--rollback` first",
            EXIT_FINDINGS,
        )
    return None


def _step(args: argparse.Namespace, which: str) -> int:
    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    if (blocked := _blocked(ds)) is not None:
        return blocked
    result = ds.undo() if which == "undo" else ds.redo()
    if result is None:
        print(f"nothing to {which}")
        return EXIT_OK
    return _print_result(args, result)


def run_undo(args: argparse.Namespace) -> int:
    return _step(args, "undo")


def run_redo(args: argparse.Namespace) -> int:
    return _step(args, "redo")


def run_history(args: argparse.Namespace) -> int:
    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    txns = ds.journal.transactions()
    if args.json:
        print_json(
            [
                {
                    "seq": t.seq,
                    "id": t.id,
                    "label": t.label,
                    "state": t.state,
                    "created": t.created,
                    "files": t.paths,
                }
                for t in txns
            ]
        )
        return EXIT_OK
    if not txns:
        print("no edits yet")
    for t in txns:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t.created))
        print(f"{t.seq:>4}  {when}  {t.state:<11} {len(t.ops):>5} files  {t.label}")
    return EXIT_OK


def run_recover(args: argparse.Namespace) -> int:
    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    results = ds.recover(finish=args.finish)
    if not results:
        print("nothing to recover: no interrupted edit")
        return EXIT_OK
    codes = [_print_result(args, r) for r in results]
    return max(codes)

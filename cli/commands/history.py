"""`lorapan undo|redo|history|recover PATH`: the edit journal from the command line."""

from __future__ import annotations

import argparse
import time

from lorapan.core.commands_hint import hint
from lorapan.core.words import plural
from lorapan.support import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    add_writer_flags,
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
        p.set_defaults(func=func, one_pass=True)
        if name == NAME:
            p.add_argument(
                "--broken",
                action="store_true",
                help="list only the entries that cannot be used (damaged or unsafe)",
            )
        else:
            add_writer_flags(p)
    p = command_parser(
        sub,
        "recover",
        help="finish or roll back an edit interrupted by a crash",
        description="An edit killed half-way leaves a pending journal entry. Finish it "
        "(write the remaining files) or roll it back (restore what it already wrote). "
        "A damaged journal entry can be set aside with --skip (no file is touched; "
        "undo stops there). Refused while another lorapan is writing to the dataset: "
        "its edit is running, not interrupted.",
        epilog="examples:\n  lorapan recover DIR --finish\n  lorapan recover DIR --rollback\n"
        "  lorapan history DIR --broken\n  lorapan recover DIR --skip 3fa9c0d1e2",
    )
    p.add_argument("path", help="dataset folder")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--finish", action="store_true", help="complete the interrupted edit")
    group.add_argument("--rollback", action="store_true", help="undo what it already wrote")
    group.add_argument(
        "--skip", metavar="ID", help="set a journal entry aside (by id or number), files untouched"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_recover, one_pass=True)
    add_writer_flags(p, can_wait=False)


def _print_result(args, result) -> int:
    if args.json:
        print_json(result.to_dict())
    else:
        # images, not files (a set-aside moves an image and its caption); lorapan.toml
        # for a checklist tick
        n = len(result.applied)
        what = "lorapan.toml" if result.settings and not n else plural(n, "image")
        print(f"{result.label}: {what} changed")
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
        if args.json:
            print_json({"label": None, "applied": [], "message": f"nothing to {which}"})
        else:
            print(f"nothing to {which}")
        return EXIT_OK
    code = _print_result(args, result)
    if result.conflicts and not result.applied and not args.json:
        state = "applied" if which == "undo" else "undone"
        print(
            f"  the edit stays {state}: {which} tries it again once those files hold what "
            "lorapan wrote (to keep their new text, leave it)"
        )
    return code


def run_undo(args: argparse.Namespace) -> int:
    return _step(args, "undo")


def run_redo(args: argparse.Namespace) -> int:
    return _step(args, "redo")


def _rows(ds, check: bool) -> list[dict]:  # noqa: ANN001
    """Every entry, oldest first, as `history` shows them.

    ``check`` also tries each entry's file list and pack (``broken`` says why one
    cannot be used); without it only the small state files are read.
    """
    from lorapan.core.journal import BrokenEntry

    rows = [{**r, "folded": True, "broken": None} for r in ds.journal.history()]
    for e in ds.journal.entries():
        if isinstance(e, BrokenEntry):
            row = {"seq": e.seq, "id": e.id, "label": "", "state": "broken", "created": None}
            rows.append({**row, "files": 0, "folded": False, "broken": e.reason})
            continue
        broken = ds.journal.check(e) if check and e.state != "skipped" else None
        row = {"seq": e.seq, "id": e.id, "label": e.label, "state": e.state, "created": e.created}
        rows.append({**row, "files": e.files, "folded": False, "broken": broken})
    # in the order the edits were made: folding keeps an undone edit live while
    # later ones fold, and the journal's files are not named in that order
    return sorted(rows, key=lambda r: r["seq"])


def _paths(ds, row: dict) -> list[str]:  # noqa: ANN001
    """The files an entry changed (none for folded or unusable ones)."""
    from lorapan.core.errors import LorapanError

    entry = None if row["folded"] or row["state"] == "broken" else ds.journal.find(row["id"])
    try:
        return entry.paths if entry is not None and hasattr(entry, "paths") else []
    except LorapanError:
        return []


def run_history(args: argparse.Namespace) -> int:
    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    rows = _rows(ds, check=args.broken)
    if args.broken:
        rows = [r for r in rows if r["broken"]]
    if args.json:
        print_json([{**r, "file_count": r["files"], "files": _paths(ds, r)} for r in rows])
        return EXIT_OK
    if not rows:
        print("no broken journal entries" if args.broken else "no edits yet")
    for r in rows:
        when = r["created"]
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when)) if when else "?" * 19
        state = "folded" if r["folded"] else r["state"]
        print(
            f"{r['seq']:>4}  {when}  {state:<11} {r['files']:>5} files  {r['label']}  [{r['id']}]"
        )
        if r["broken"]:
            print(f"        {r['broken']}")
    if args.broken and rows:
        print(f"set one aside with: {hint('recover', ds.root, '--skip')} ID")
    return EXIT_OK


def _skip(args: argparse.Namespace, ds) -> int:  # noqa: ANN001
    entry = ds.journal.find(args.skip)
    if entry is None:
        return fail(
            f"no single journal entry {args.skip!r}",
            f"`{hint('history', ds.root)}` lists them with their ids",
            EXIT_USAGE,
        )
    where = ds.journal.skip(entry)
    if args.json:
        print_json({"skipped": entry.id, "seq": entry.seq, "kept_in": str(where)})
    else:
        print(
            f"set aside journal entry #{entry.seq} ({entry.id}); its files are in {where}. "
            "No dataset file was touched; undo stops at it."
        )
    return EXIT_OK


def run_recover(args: argparse.Namespace) -> int:
    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    if args.skip:
        return _skip(args, ds)
    results = ds.recover(finish=args.finish)
    if not results:
        print("nothing to recover: no interrupted edit")
        return EXIT_OK
    codes = [_print_result(args, r) for r in results]
    return max(codes)

"""`lorapan edit PATH`: bulk tag edits over all images or a query, journaled."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial

from lorapan.core import edits
from lorapan.core.commands_hint import hint
from lorapan.core.method import edit_plan
from lorapan.core.method.edit_plan import EditPlan, TagFn
from lorapan.core.words import plural
from lorapan.support import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_writer_flags,
    command_parser,
    fail,
    open_dataset,
    print_json_rows,
    refuse_if_interrupted,
    select_or_fail,
)

NAME = "edit"
ORDER = 30
HELP = "add, remove, rename, move tags on many captions (undoable)"

EPILOG = """\
The edits run in this order: replace, remove, add, front, dedupe, sort, tag style.
Every edit is journaled: `lorapan undo PATH` reverts it, even after a restart.

The dataset's anchor (its core tag, or the tag every caption starts with) stays the
first tag, which keep_tokens = 1 holds: --add --at 0, --front and --sort put tags
right after it, and --tag-style never respells it, a trigger or a kaomoji. Removing
or renaming the anchor itself is done as asked.

queries (--query):
  long hair                      images tagged "long hair" (or long_hair)
  solo AND NOT smile             AND, OR, NOT (upper case) or & | !
  (red hair OR blue hair) AND 1girl
  *hair*                         wildcards
  tags>30  tags<=5  tags=0       tag-count comparisons
  has:caption  lacks:caption     caption file present / missing
  folder:10_gob*  name:*.png     folder / file name, with wildcards

examples:
  lorapan edit DIR --add "anime screencap" --dry-run
  lorapan edit DIR --query "solo AND NOT smile" --add "closed mouth"
  lorapan edit DIR --replace "green hair=green_gob_hair" --remove "short hair"
  lorapan edit DIR --front "gob goblin with third eye focus" --dedupe
  lorapan edit DIR --tag-style spaces          long_hair -> long hair (kaomoji kept)
"""


#: Above this many changed captions the text report groups them by what changed (10,000
#: lines are a wait of their own over a slow SSH link); ``--list`` or ``--json`` has all.
LIST_ALL_UP_TO = 50
PER_KIND = 5  # captions named under each kind of change
KINDS = 20  # kinds of change shown


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description="Edit the tags of many captions at once.",
        epilog=EPILOG,
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument("--query", "-q", help="only images matching this query")
    p.add_argument("--add", action="append", default=[], metavar="TAG", help="add TAG (repeatable)")
    p.add_argument(
        "--at", type=int, default=None, metavar="N", help="position for --add (0 = first)"
    )
    p.add_argument("--remove", action="append", default=[], metavar="TAG", help="remove TAG")
    p.add_argument(
        "--replace", action="append", default=[], metavar="OLD=NEW", help="rename OLD to NEW"
    )
    p.add_argument(
        "--front", action="append", default=[], metavar="TAG", help="move TAG to the front"
    )
    p.add_argument("--dedupe", action="store_true", help="drop repeated tags")
    p.add_argument("--sort", action="store_true", help="sort tags, keeping the first tag in place")
    p.add_argument(
        "--tag-style", choices=("underscores", "spaces"), help="rewrite tags in this style"
    )
    p.add_argument(
        "--dry-run", "-n", action="store_true", help="show what would change, write nothing"
    )
    p.add_argument(
        "--list",
        action="store_true",
        help=f"list every changed caption (above {LIST_ALL_UP_TO}, one line per kind of change)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run, one_pass=True)
    add_writer_flags(p)


def build_ops(
    args: argparse.Namespace, restyle: Callable[[str], TagFn] | None = None
) -> list[TagFn] | str:
    """The edit functions in order, or an error message.

    ``restyle(style)`` makes the ``--tag-style`` function (one that knows the
    dataset's anchor and triggers); without it the style step is left out, which
    is enough to check the arguments before the dataset is opened.
    """
    ops: list[TagFn] = []
    for pair in args.replace:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip():
            return f"--replace takes OLD=NEW, got {pair!r}"
        ops.append(partial(edits.replace_tag, old=old.strip(), new=new.strip()))
    ops += [partial(edits.remove_tag, tag=t) for t in args.remove]
    for i, tag in enumerate(args.add):
        pos = None if args.at is None else args.at + i
        ops.append(partial(edits.add_tag, tag=tag, position=pos))
    ops += [partial(edits.move_to_front, tag=t) for t in reversed(args.front)]
    if args.dedupe:
        ops.append(edits.dedupe)
    if args.sort:
        ops.append(edits.sort_tags)
    if args.tag_style and restyle is not None:
        ops.append(restyle(args.tag_style))
    return ops


def describe(change: edits.TagChange) -> str:
    """One line for a changed caption: ``+added -removed old→new 2 repeats dropped reordered``.

    Linear in the caption's tag count (a 1 MB caption is one line of output).
    """
    return f"{change.relpath}: {change_words(change)}"


def change_words(change: edits.TagChange) -> str:
    """What changed in one caption, without its name (the key the grouped report uses)."""
    diff = change.diff
    parts = [f"+{t}" for t in diff.added] + [f"-{t}" for t in diff.removed]
    parts += [f"{a}→{b}" for a, b in diff.renamed]
    if diff.repeats:
        n = abs(diff.repeats)
        parts.append(f"{n} repeat{'s' * (n != 1)} {'dropped' if diff.repeats < 0 else 'added'}")
    if not parts or diff.reordered:
        parts.append("reordered")
    return " ".join(parts)


def print_grouped(changes: list[edits.TagChange]) -> None:
    """The changes one line per kind of change, largest first, a few captions named each."""
    groups: dict[str, list[str]] = {}
    for ch in changes:
        groups.setdefault(change_words(ch), []).append(ch.relpath)
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))
    for words, rels in ranked[:KINDS]:
        print(f"{words}  ({plural(len(rels), 'caption')})")
        print("".join(f"    {rel}\n" for rel in rels[:PER_KIND]), end="")
        if len(rels) > PER_KIND:
            print(f"    ... and {len(rels) - PER_KIND} more")
    rest = ranked[KINDS:]
    if rest:
        n = sum(len(rels) for _w, rels in rest)
        print(f"... and {plural(len(rest), 'other kind')} of change in {plural(n, 'caption')}")
    print("(`--list` names every caption; `--json` gives each change in full)")


def label_for(args: argparse.Namespace) -> str:
    bits = (
        [f"+{t}" for t in args.add]
        + [f"-{t}" for t in args.remove]
        + [f"{p}" for p in args.replace]
    )
    bits += [f"front {t}" for t in args.front]
    bits += ["dedupe"] * args.dedupe + ["sort"] * args.sort
    bits += [f"style {args.tag_style}"] if args.tag_style else []
    where = f" where {args.query}" if args.query else ""
    return "edit " + " ".join(bits) + where


def run(args: argparse.Namespace) -> int:
    ops = build_ops(args)
    if isinstance(ops, str):
        return fail(ops, "see `lorapan edit --help`")
    if not ops and not args.tag_style:
        return fail(
            "no edit given",
            "add --add, --remove, --replace, --front, --dedupe, --sort or --tag-style",
        )
    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    rels, code = select_or_fail(ds, args.query)
    if rels is None:
        return code
    rels = [r for r in rels if ds.items[r].has_caption or args.add]
    ops = build_ops(args, lambda style: edit_plan.restyler(ds, style))
    assert not isinstance(ops, str)  # the same arguments were checked above
    planned = edit_plan.plan_edit(ds, rels, edits.chain(*ops))
    if args.dry_run:
        return _report(args, planned, None, len(rels))
    if (refused := refuse_if_interrupted(ds)) is not None:
        return refused
    # the process ends after the report: the written captions need not be read back
    result = ds.apply_changes(planned.changes, label_for(args), keep_in_step=False)
    return _report(args, planned, result, len(rels))


def _report(args, planned: EditPlan, result, matched: int) -> int:
    changes = planned.changes
    if args.json:
        out = {
            "matched": matched,
            "dry_run": result is None,
            "anchor_held": planned.held,
            "changes": [c.to_dict() for c in changes],
        }
        if result is not None:
            out["result"] = result.to_dict()
        print_json_rows(out, "changes")
    else:
        if len(changes) <= LIST_ALL_UP_TO or args.list:
            sys.stdout.writelines(describe(ch) + "\n" for ch in changes)
        else:
            print_grouped(changes)
        if planned.held:
            print(planned.held_note())
        verb = "would change" if result is None else "changed"
        n = len(changes) if result is None else len(result.applied)
        print(f"{verb} {n} of {matched} captions")
        if result is not None:
            for rel, why in result.conflicts:
                print(f"  not written: {rel}: {why} (reload it and run the edit again)")
            for rel, why in result.unreadable:
                print(f"  not written: {rel}: {why}")
            if result.applied:
                print(f"undo with: {hint('undo', args.path)}")
    if result is not None and not result.ok:
        return EXIT_FINDINGS
    return EXIT_OK

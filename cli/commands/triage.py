"""`lorapan set-aside|trash|restore DIR IMAGE...`: take images out of the dataset, undoably."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from lorapan.core.commands_hint import hint
from lorapan.support import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    add_writer_flags,
    command_parser,
    fail,
    open_dataset,
    print_json,
    refuse_if_interrupted,
)

NAME = "set-aside"
ORDER = 36
HELP = "move images (with their captions) out of the dataset, to .lorapan/excluded"

WHERE = """\
Set-aside images go to DIR/.lorapan/excluded/<their path>, trashed ones to
DIR/.lorapan/trash/<their path>, each with its caption file(s). kohya never reads
there and lorapan's scan skips it, so they leave the training set; nothing is
deleted. Every run is one journal entry: `lorapan undo DIR` puts them back too.
"""


def register(sub: argparse._SubParsersAction) -> None:
    for name, helptext, example in (
        (NAME, HELP, "lorapan set-aside ~/data/goblin 10_goblin/img003.png 10_goblin/img017.png"),
        (
            "trash",
            "delete images (with their captions) to .lorapan/trash, restorable",
            "lorapan trash ~/data/goblin 10_goblin/blurry.png",
        ),
    ):
        p = command_parser(
            sub,
            name,
            help=helptext,
            description=helptext[0].upper() + helptext[1:] + ".\n\n" + WHERE,
            epilog=f"examples:\n  {example}\n  lorapan restore ~/data/goblin   "
            "lists what is set aside\n  lorapan undo ~/data/goblin",
        )
        p.add_argument("path", help="dataset folder")
        p.add_argument("images", nargs="+", metavar="IMAGE", help="image path (in DIR or here)")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=run_take_out, place=name, one_pass=True)
        add_writer_flags(p)
    p = command_parser(
        sub,
        "restore",
        help="put set-aside or trashed images back where they were",
        description="Put images set aside or trashed back where they were, with their\n"
        "captions. Without IMAGE, list them.\n\n" + WHERE,
        epilog="examples:\n  lorapan restore ~/data/goblin                      list them\n"
        "  lorapan restore ~/data/goblin 10_goblin/img003.png\n"
        "  lorapan restore ~/data/goblin --all",
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument("images", nargs="*", metavar="IMAGE", help="image path as it was in DIR")
    p.add_argument("--all", action="store_true", help="restore every image set aside or trashed")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_restore, one_pass=True)
    add_writer_flags(p)


def _relpath(root: Path, text: str, known) -> str | None:  # noqa: ANN001
    """``text`` as a dataset relpath: as given, or a path (here or in DIR) inside it."""
    candidate = text.replace(os.sep, "/").strip()
    if candidate in known:
        return candidate
    for base in (Path.cwd(), root):
        path = (base / Path(text).expanduser()).resolve()
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            continue
        for prefix in (".lorapan/excluded/", ".lorapan/trash/", ""):
            if rel.startswith(prefix) and rel[len(prefix) :] in known:
                return rel[len(prefix) :]
    return None


def _report(args: argparse.Namespace, result, verb: str) -> int:  # noqa: ANN001
    if args.json:
        print_json(result.to_dict())
    else:
        for rel in result.applied:
            print(f"{verb}: {rel}")
        for rel, why in result.conflicts:
            print(f"  not moved: {rel}: {why}")
        n = len(result.applied)
        print(f"{verb} {n} image{'' if n == 1 else 's'}")
        if result.applied:
            print(f"undo with: {hint('undo', args.path)}")
    return EXIT_OK if result.ok else EXIT_FINDINGS


def run_take_out(args: argparse.Namespace) -> int:
    from lorapan.core import triage

    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    if (refused := refuse_if_interrupted(ds)) is not None:
        return refused
    rels = [_relpath(ds.root, t, ds.items) for t in args.images]
    missing = [t for t, r in zip(args.images, rels, strict=True) if r is None]
    if missing:
        return fail(
            f"not an image of {ds.root}: {', '.join(missing)}",
            f"give paths inside the dataset; `{hint('info', args.path)}` counts them",
        )
    take = triage.set_aside if args.place == NAME else triage.trash
    return _report(
        args,
        take(ds, [r for r in rels if r]),
        "set aside" if take is triage.set_aside else "trashed",
    )


def run_restore(args: argparse.Namespace) -> int:
    from lorapan.core import triage

    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    entries = triage.list_set_aside(ds)
    if not args.images and not args.all:
        if args.json:
            print_json(
                [{"image": e.image, "place": e.place, "files": list(e.files)} for e in entries]
            )
            return EXIT_OK
        for e in entries:
            print(f"{e.place:<9} {e.image}")
        print(
            f"{len(entries)} image(s) out of the dataset"
            + (
                f"; restore with: {hint('restore', args.path)} IMAGE... (or --all)"
                if entries
                else ""
            )
        )
        return EXIT_OK
    if (refused := refuse_if_interrupted(ds)) is not None:
        return refused
    known = {e.image for e in entries}
    rels = [_relpath(ds.root, t, known) for t in args.images]
    missing = [t for t, r in zip(args.images, rels, strict=True) if r is None]
    if missing:
        return fail(
            f"not set aside or in the trash: {', '.join(missing)}",
            f"`{hint('restore', args.path)}` lists what can be restored",
            EXIT_USAGE,
        )
    return _report(
        args, triage.restore(ds, None if args.all else [r for r in rels if r]), "restored"
    )

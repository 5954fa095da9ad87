"""`lorapan collage PATH IMAGE IMAGE [IMAGE...]`: a couple/group image from solos."""

from __future__ import annotations

import argparse

from lorapan.core.commands_hint import hint
from lorapan.support import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_writer_flags,
    command_parser,
    fail,
    open_with_sources,
    print_json,
    refuse_if_interrupted,
)

NAME = "collage"
ORDER = 51
HELP = "put two to four solo images side by side for a couple/group dataset (undoable)"

EPILOG = """\
The guide builds couple and group datasets from solos "saved as 1 image next to
each other". The solos are scaled to one height (the smallest: nothing is
enlarged) and padded with a background colour to the training-bucket shape
nearest their row (1:2 .. 2:1). The caption merges the solo captions under the
couple/group core tag and drops 1girl, 1boy, 2boys, 2girls, solo (the couple rules
forbid them). The core tag is, in order: --core; the dataset's core tag; the first
tag the captions of a training folder share (the group images'); one built from
the solos' first tags when each is a name:
  2 images: "gob goblin and ana elf couple focus"
  3-4:      "gob goblin and ana elf and rex_1girl_2boys focus"
else the dataset's trigger. A tagger's word (1girl) is never the core tag: with
none of these, give one with --core ("a and b and c and d_4girls focus").
Without --out the collage goes where kohya trains it: beside the solos when their
folder is trained, else into the kohya folder of the group images (a solos/
folder beside N_name folders is ignored by kohya). It says which and why.

examples:
  lorapan collage DIR gob/01.png ana/07.png --dry-run
  lorapan collage DIR a.png b.png c.png --out collages/trio --background "#202020"
  lorapan collage DIR a.png b.png --core "gob and ana couple focus"
  lorapan undo DIR                      removes the collage again
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description="Make one couple/group image from two to four solo images.",
        epilog=EPILOG,
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="2 to 4 solo images, left to right")
    p.add_argument("--out", metavar="NAME", help="file name (in the dataset) for the collage")
    p.add_argument("--background", default="#ffffff", metavar="#RRGGBB", help="padding colour")
    p.add_argument("--gap", type=int, default=0, metavar="PX", help="space between the images")
    p.add_argument("--core", metavar="TAG", help="the core tag to use instead of the built one")
    p.add_argument(
        "--dry-run", "-n", action="store_true", help="show what would be made, write nothing"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
    add_writer_flags(p, whole=False)  # holds the lock only to write


def run(args: argparse.Namespace) -> int:
    # Imported here: they pull in numpy, which every other command would pay for.
    from lorapan.core.augment.alter import parse_colour
    from lorapan.core.augment.collage import DEFAULT_BACKGROUND, CollageError, plan_collage
    from lorapan.core.augment.crops import SpecError
    from lorapan.core.augment.writer import write_outputs

    ds, relpaths, code = open_with_sources(args.path, args.images)
    if ds is None:
        return code
    if args.gap < 0:
        return fail("--gap must be 0 or more pixels")
    try:
        background = parse_colour(args.background) if args.background else DEFAULT_BACKGROUND
        out = plan_collage(ds, relpaths, args.out, background, args.gap, args.core)
    except (CollageError, SpecError) as exc:
        return fail(str(exc), f"see `lorapan {NAME} --help`")
    result = None
    if not args.dry_run:
        if (blocked := refuse_if_interrupted(ds)) is not None:
            return blocked
        result = write_outputs(ds, [out], f"collage {' + '.join(relpaths)}")
    if args.json:
        doc = {"dry_run": args.dry_run, "collage": out.to_dict()}
        if result is not None:
            doc["result"] = result.to_dict()
        print_json(doc)
    else:
        print(f"{out.relpath}  {out.size[0]}x{out.size[1]}  from {', '.join(relpaths)}")
        print(f"    caption: {', '.join(out.tags)}")
        for note in out.notes:
            print(f"    {note}")
        if args.dry_run:
            print("dry run: nothing written")
        elif result is not None and result.images:
            print(f"made {out.relpath}; undo with `{hint('undo', args.path)}`")
        elif result is not None:
            for path, why in result.conflicts + result.errors:
                print(f"  not made: {path}: {why}")
    return EXIT_OK if result is None or result.ok else EXIT_FINDINGS

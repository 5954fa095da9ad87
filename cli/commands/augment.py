"""`lorapan augment PATH IMAGE...`: crops and altered clones for a limited dataset."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lorapan.core.augment import ALL_ALTERATIONS, CROP_CLONES, EACH_ALL, EACH_ONE
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

if TYPE_CHECKING:  # the planner and writer pull in numpy: imported when the command runs
    from lorapan.core.augment.plan import AugmentPlan, Options
    from lorapan.core.augment.writer import WriteResult

NAME = "augment"
ORDER = 50
HELP = "crops, altered clones and grayscale copies for a limited dataset (undoable)"

EPILOG = """\
The guide's limited-dataset recipe: crop the source for each element, clone
every crop and alter each clone (aspect ratio, angle, orientation, colour), with
at least one grayscale copy per source. New files never overwrite anything
(<stem>__crop-g2x2-1.png, <stem>__gray.png, a -2 is added when a name is taken).
Captions start from the source's tags, core and style tags first; a grayscale
copy adds `monochrome, greyscale`, a low-resolution copy `low quality, blurry,
worst quality`. A crop's caption leaves out the source's framing tags (full body,
cowboy shot, upper body...: data/crop_framing.toml), which a part cannot show.
A crop is as sharp as its source: it is judged by the source's resolution, not
tagged low quality for having fewer pixels. How each file was made is kept in
.lorapan/augment.json. Then tag each new image by hand, as the guide asks.

How many (the guide's single-image goal is 15-20 images in all):
  --crops without --alter   each crop gets ONE altered clone, taken in turn from
                            rotate, aspect, flip, tint, grayscale, and the source
                            its grayscale copy: 2 x crops + 2 images with the
                            source (7 to 9 crops make 16 to 20)
  --alter LIST              every alteration of the source and of each crop
                            (--each one: one per crop, in turn from LIST)
  neither                   every alteration of the source

crops (--crops, items separated by ';'):
  grid, grid:3x3          equal cells (columns x rows)
  pizza, pizza:6          wedges from the centre, each cut to its bounding box
  centre, centre:0.5      the middle part
  0,0,0.5,0.5             a box as fractions x0,y0,x1,y1
alterations (--alter, comma-separated; default without --crops: all of them):
  aspect[:3/4[:pad]]  rotate[:-10[:fill]]  flip[:v]  colour (= tint + enhance)
  tint[:#3366ff[:0.3]]  enhance[:1.6]  grayscale  quality (= jpeg + lowres)
  jpeg[:30]  lowres[:0.33]

examples:
  lorapan augment DIR gob.png --dry-run
  lorapan augment DIR gob.png --crops "grid:3x3;centre" --alter grayscale,flip
  lorapan augment DIR street.png --crops pizza:8 --crossover
  lorapan augment DIR gob.png --crops "0.2,0,0.8,0.5" --min-size 384
  lorapan undo DIR                      removes every file the last augment made
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description="Make crops and altered copies of source images (the limited-dataset workflow).",
        epilog=EPILOG,
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument(
        "images", nargs="+", metavar="IMAGE", help="source images (paths in the dataset)"
    )
    p.add_argument(
        "--crops", action="append", default=[], metavar="SPEC", help="crops to make (repeatable)"
    )
    p.add_argument(
        "--alter",
        metavar="LIST",
        help=f"alterations (default: {CROP_CLONES} with --crops, else {ALL_ALTERATIONS})",
    )
    p.add_argument(
        "--min-size",
        type=int,
        metavar="PX",
        help="skip results whose short side is under PX (default: [augment] min_size or 256)",
    )
    p.add_argument("--crossover", action="store_true", help="add `crossover` (constant background)")
    p.add_argument(
        "--each",
        choices=(EACH_ONE, EACH_ALL),
        help=f"one altered clone per crop, or every alteration of each (default: {EACH_ONE} "
        f"with --crops and no --alter, else {EACH_ALL})",
    )
    p.add_argument(
        "--source-only",
        action="store_true",
        help="alter the source images only, not each crop",
    )
    p.add_argument(
        "--dry-run", "-n", action="store_true", help="show what would be made, write nothing"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
    add_writer_flags(p, whole=False)  # holds the lock only to write


def options_from(args: argparse.Namespace, default_min: int) -> Options:
    from lorapan.core.augment.plan import Options

    crops = ";".join(c for c in args.crops if c.strip())
    alter = args.alter if args.alter is not None else (CROP_CLONES if crops else ALL_ALTERATIONS)
    guided = crops and args.alter is None  # the guide's recipe: one clone per crop
    return Options(
        crops=crops,
        alter=alter,
        min_size=args.min_size if args.min_size is not None else default_min,
        crossover=args.crossover,
        alter_crops=not args.source_only,
        each=args.each or (EACH_ONE if guided else EACH_ALL),
    )


def print_plan(plan: AugmentPlan) -> None:
    by_source: dict[str, list] = {}
    for out in plan.outputs:
        by_source.setdefault(out.sources[0], []).append(out)
    before = plan.images_before
    print(f"{before} image(s) now, {before + len(plan.outputs)} after")
    for source, outs in by_source.items():
        print(f"{source}: {len(outs)} new image(s)")
        last_caption = None
        for out in outs:
            print(f"  {out.relpath}  {out.size[0]}x{out.size[1]}  {out.description}")
            caption = ", ".join(out.tags)
            if caption != last_caption:
                print(f"      caption: {caption}")
                last_caption = caption
    for skip in plan.skipped:
        print(f"  skipped {skip.name} ({skip.source}): {skip.reason}")
    for rel, message in plan.problems:
        print(f"  cannot use {rel}: {message}")
    for advice in plan.hints:
        print(f"hint: {advice}")


def print_result(result: WriteResult, root: str) -> None:
    print(
        f"made {len(result.images)} image(s) with captions; "
        f"undo with `{hint('undo', root)}`; tag each one by hand (the guide's step 4)"
    )
    for path, why in result.conflicts:
        print(f"  not written: {path}: {why}")
    for path, why in result.errors:
        print(f"  not made: {path}: {why}")


def run(args: argparse.Namespace) -> int:
    from lorapan.core.augment.crops import SpecError
    from lorapan.core.augment.plan import min_size_setting, plan_augment
    from lorapan.core.augment.writer import write_outputs

    ds, relpaths, code = open_with_sources(args.path, args.images)
    if ds is None:
        return code
    try:
        options = options_from(args, min_size_setting(ds))
        plan = plan_augment(ds, relpaths, options)
    except SpecError as exc:
        return fail(str(exc), f"see `lorapan {NAME} --help` for the forms")
    result = None
    if not args.dry_run and plan.outputs:
        if (blocked := refuse_if_interrupted(ds)) is not None:
            return blocked
        result = write_outputs(ds, plan.outputs, f"augment {', '.join(relpaths)}")
    if args.json:
        doc = {"dry_run": args.dry_run, "plan": plan.to_dict()}
        if result is not None:
            doc["result"] = result.to_dict()
        print_json(doc)
    else:
        print_plan(plan)
        if args.dry_run:
            print(f"dry run: {len(plan.outputs)} image(s) would be made; nothing written")
        elif result is not None:
            print_result(result, args.path)
        else:
            print("nothing to make")
    bad = plan.problems or (result is not None and not result.ok)
    return EXIT_FINDINGS if bad else EXIT_OK

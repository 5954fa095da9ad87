"""`lorapan info PATH`: what the folder holds, before anything else."""

from __future__ import annotations

import argparse

from lorapan.core.commands_hint import hint
from lorapan.core.words import plural
from lorapan.support import (
    EXIT_FINDINGS,
    EXIT_OK,
    command_parser,
    open_dataset,
    print_json,
    shorten,
)

NAME = "info"
ORDER = 10
HELP = "images, captions, orphans, kohya folders; the kind, trigger and caption style it reads"


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description="Summarise a dataset folder without decoding any image.",
        epilog="examples:\n  lorapan info ~/data/goblin\n  lorapan info ~/data/goblin --json | jq .orphan_captions",
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run, one_pass=True)


def summary(ds) -> dict:
    return {**_files(ds), **method_summary(ds)}


def method_summary(ds) -> dict:
    """What the method reads (kind, trigger, caption style and files) with its evidence."""
    from lorapan.core.method.describe import describe_dataset

    return describe_dataset(ds)


def _files(ds) -> dict:
    s = ds.settings
    return {
        "root": str(ds.root),
        "name": s.name,
        "core_tag": s.core_tag,
        "style_tag": s.style_tag,
        "caption_extension": s.caption_extension,
        "images": len(ds.items),
        "captions": sum(1 for it in ds.items.values() if it.has_caption),
        "tags": ds.index.distinct(),
        "images_without_caption": ds.images_without_caption,
        "orphan_captions": ds.orphan_captions,
        "unreadable_captions": [{"image": r, "reason": why} for r, why in ds.unreadable_captions],
        "read_only_captions": [{"image": r, "reason": why} for r, why in ds.read_only_captions],
        "multiline_captions": ds.multiline_captions,
        "wildcards": bool(ds.settings.section("training").get("enable_wildcard")),
        "shared_captions": [{"images": [a, b], "caption": cap} for a, b, cap in ds.stem_collisions],
        "folders": [
            {"path": f.path, "repeats": f.repeats, "name": f.name, "images": f.image_count}
            for f in ds.folders
        ],
        "reg_folders": [f.to_dict() for f in ds.reg_folders],
        "ignored_by_kohya": [
            {"path": f.path, "images": f.image_count, "reason": f.reason}
            for f in ds.ignored_folders
        ],
        "interrupted_edits": [t.label for t in ds.journal.incomplete()],
        "config_problems": config_problems(ds),
    }


def config_problems(ds) -> list[str]:
    """What the user config and the dataset's [analysis] hold that lorapan cannot use."""
    from lorapan.core.settings_problems import config_problems as problems

    return problems(ds)


def _print_human(info: dict) -> None:
    from lorapan.core.dataset.reg import reg_lines
    from lorapan.core.method.describe import summary_lines

    print(f"{info['root']}")
    for line in summary_lines(info):
        print(f"  {line}")
    core, style = (repr(info[k]) if info[k] else "(not set)" for k in ("core_tag", "style_tag"))
    print(f"  core tag {core}, style tag {style}")
    print(
        f"  {plural(info['images'], 'image')}, {plural(info['captions'], 'caption')}, "
        f"{plural(info['tags'], 'distinct tag')}"
    )
    for f in info["folders"]:
        print(
            f"  folder {f['path'] or '.'}: {plural(f['images'], 'image')} x "
            f"{plural(f['repeats'], 'repeat')} ({f['name']})"
        )
    for line in reg_lines(info["reg_folders"], info["images"]):
        print(f"  {line}")
    for f in info["ignored_by_kohya"]:
        print(f"  ! {f['reason']}")
    if info["images_without_caption"]:
        print(
            f"  ! {plural(len(info['images_without_caption']), 'image')} without caption: "
            f"{shorten(info['images_without_caption'])}"
        )
    if info["orphan_captions"]:
        print(
            f"  ! {plural(len(info['orphan_captions']), 'caption')} without image: "
            f"{shorten(info['orphan_captions'])}"
        )
    for u in info["unreadable_captions"]:
        print(f"  ! {u['image']}: caption {u['reason']}")
    for u in info["read_only_captions"]:
        print(f"  ! {u['image']}: read-only caption: it {u['reason']}")
    for shared in info["shared_captions"]:
        a, b = shared["images"]
        print(
            f"  ! {a} and {b} share the caption {shared['caption']}: kohya trains both with it; "
            "rename one of them if they need different tags"
        )
    if info["multiline_captions"] and info.get("wildcards"):
        print(
            f"  · {plural(len(info['multiline_captions']), 'caption')} with more than one line, each a "
            "caption of its own ([training] enable_wildcard: kohya picks one per step); "
            "lorapan's rules check the first line of each"
        )
    elif info["multiline_captions"]:
        print(
            f"  ! {plural(len(info['multiline_captions']), 'caption')} with more than one line; kohya reads only "
            f"the first: {shorten(info['multiline_captions'])}; "
            f"`{hint('fix', info['root'], '--rule', 'caption.multiline')}` joins their lines "
            "(or set [training] enable_wildcard = true if each line is a caption)"
        )
    for problem in info["config_problems"]:
        print(f"  ! {problem}")
    for label in info["interrupted_edits"]:
        print(
            f"  ! interrupted edit {label!r}: "
            f"run `{hint('recover', info['root'], '--finish')}` or `--rollback`"
        )


def run(args: argparse.Namespace) -> int:
    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    info = summary(ds)
    if args.json:
        print_json(info)
    else:
        _print_human(info)
    problems = (
        info["unreadable_captions"] or info["orphan_captions"] or info["images_without_caption"]
    )
    return EXIT_FINDINGS if problems else EXIT_OK

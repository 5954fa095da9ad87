"""`lorapan scan PATH`: analyse every image; report unreadable, blurry, small, clones."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from lorapan.core.progress import ProgressBar
from lorapan.support import EXIT_FINDINGS, EXIT_OK, fail, print_json

if TYPE_CHECKING:  # the analysis pulls in numpy: imported when the command runs
    from lorapan.core.analysis.analyzer import Analyzer
    from lorapan.core.analysis.clones import CloneGroup
    from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts

NAME = "scan"
ORDER = 42
HELP = "analyse images: unreadable, grayscale, low resolution, blurry, clones"

EPILOG = """\
examples:
  lorapan scan ~/data/goblin            summary; the second run reads the cache
  lorapan scan ~/data/goblin --force    analyse every image again
  lorapan scan ~/data/goblin --json     summary, per-image table and clone groups
  lorapan scan ~/data/goblin --resolution 768   judge sizes against 768 px training

Blurry: edges at least 7 px wide at the 512 px analysis size, or at least 4 px
and 2.5x the dataset's sharper quarter. Low resolution: a short side under half
the training resolution ([analysis] training_resolution, else [training]
resolution, else 1024). Thresholds come from the [analysis] table of
lorapan.toml (blur_edge_px, blur_relative, blur_relative_min_px,
training_resolution, low_res_fraction). Results are cached in .lorapan/.
Exit 0 when every image decodes, 1 when some are unreadable, 2 on usage errors.
"""
_LIST_LIMIT = 20


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=HELP,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", metavar="PATH", help="dataset folder")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument("--force", action="store_true", help="ignore the cache")
    parser.add_argument(
        "--resolution",
        type=int,
        metavar="PX",
        help="training resolution the sizes are judged against (default: the dataset's, or 1024)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lorapan.core.analysis.analyzer import Analyzer
    from lorapan.core.analysis.clones import find_groups

    root = Path(args.path).expanduser()
    if not root.is_dir():
        return fail(f"{root} is not a folder", "give the dataset folder that holds the images")
    if args.resolution is not None and args.resolution <= 0:
        return fail("--resolution must be a positive number of pixels", "for example 1024")
    try:
        relpaths, config, state_dir, problems = _dataset(root)
    except (OSError, ValueError) as exc:
        return fail(f"cannot open {root}: {exc}", "fix lorapan.toml or the folder's permissions")
    if args.resolution:
        config = replace(config, training_resolution=args.resolution)
    analyzer = Analyzer(root, state_dir, config)
    started = time.perf_counter()
    # A redrawn bar on a terminal; into a log, a plain line every few seconds.
    bar = None if args.json else ProgressBar("scanning")
    try:
        facts = analyzer.run(relpaths, progress=bar.update if bar else None, force=args.force)
    finally:
        if bar:
            bar.close()
    for notice in analyzer.cache.notices:  # a damaged cache was set aside and rebuilt
        print(f"lorapan: notice: {notice}", file=sys.stderr)
    # pixel-checks hash matches; groups and verdicts are cached in the state folder
    groups = find_groups(facts, analyzer.config, root=root, state_dir=analyzer.state_dir)
    elapsed = time.perf_counter() - started
    summary = _summary(facts, groups, analyzer, elapsed)
    if args.json:
        print_json(
            {
                "root": str(root.resolve()),
                "summary": summary,
                "analysis_problems": problems,
                "images": [f.to_dict() for f in facts.values()],
                "groups": [g.to_dict() for g in groups],
            }
        )
    else:
        _print_report(facts, groups, summary, analyzer.config)
        for problem in problems:  # a threshold the user set that is not used, and why
            print(f"! {problem}")
    return EXIT_FINDINGS if summary["unreadable"] else EXIT_OK


def _dataset(root: Path) -> tuple[list[str], AnalysisConfig, Path, list[str]]:
    """Image paths, the analysis settings, the state folder of ``root`` and what in its
    ``[analysis]`` table is not used as given (``settings_problems``).

    Images are listed the way ``Dataset.open`` finds them, without reading their
    captions: a cached scan of 10,000 images would spend most of its time there.
    """
    from lorapan.core.analysis.facts import AnalysisConfig
    from lorapan.core.settings import load_settings, state_dir
    from lorapan.core.settings_problems import analysis_problems

    settings = load_settings(root)
    config = AnalysisConfig.from_settings(
        settings.section("analysis"), settings.section("training")
    )
    where = str(settings.path or root / "lorapan.toml")
    problems = analysis_problems(settings.raw.get("analysis"), where)
    return image_paths(root), config, state_dir(root), problems


def image_paths(root: Path) -> list[str]:
    """Every image under ``root`` as ``Dataset.open`` lists them (natural order)."""
    from lorapan.core.dataset.scan import walk
    from lorapan.core.naming import IMAGE_EXTS, natural_key
    from lorapan.core.safe_write import TEMP_PREFIX

    rels = []
    for rel_dir, files in walk(root):
        for name in files:
            stem, ext = os.path.splitext(name)
            if stem and ext.lower() in IMAGE_EXTS and not name.startswith(TEMP_PREFIX):
                rels.append(f"{rel_dir}/{name}" if rel_dir else name)
    return sorted(rels, key=natural_key)


def _summary(
    facts: dict[str, ImageFacts], groups: list[CloneGroup], analyzer: Analyzer, elapsed: float
) -> dict:
    from lorapan.core.analysis.clones import clone_count

    readable = [f for f in facts.values() if f.ok]
    clones = clone_count(groups)
    return {
        "images": len(facts),
        "from_cache": analyzer.last_run.from_cache,
        "analysed": len(analyzer.last_run.analysed),
        "seconds": round(elapsed, 3),
        "unreadable": sum(1 for f in facts.values() if not f.ok),
        "grayscale": sum(1 for f in readable if f.grayscale),
        "low_res": sum(1 for f in readable if f.low_res),
        "blurry": sum(1 for f in readable if f.blurry),
        "clone_groups": len(groups),
        "clones": clones,
        "clone_ratio": round(clones / len(facts), 4) if facts else 0.0,
        "altered": sum(len(g.altered) for g in groups),
    }


def _print_report(
    facts: dict[str, ImageFacts], groups: list[CloneGroup], summary: dict, config: AnalysisConfig
) -> None:
    print(
        f"{summary['images']} images: {summary['analysed']} analysed, "
        f"{summary['from_cache']} from cache ({summary['seconds']:.2f} s)"
    )
    bad = [f for f in facts.values() if not f.ok]
    _section(
        f"Unreadable ({len(bad)})", [f"{f.relpath}: {f.error_kind}: {f.error_message}" for f in bad]
    )
    readable = [f for f in facts.values() if f.ok]
    _section(f"Grayscale ({summary['grayscale']})", [f.relpath for f in readable if f.grayscale])
    _section(
        f"Low resolution, short side under {config.low_res_side}px "
        f"(half of {config.training_resolution}px training) ({summary['low_res']})",
        [f"{f.relpath} ({f.width}x{f.height})" for f in readable if f.low_res],
    )
    _section(
        f"Blurry, edges {_blur_rule(readable)} ({summary['blurry']})",
        [f"{f.relpath} (edges {f.edge_width:.1f} px)" for f in readable if f.blurry],
    )
    lines = []
    for g in groups:
        lines.append(f"{g.original} (original)")
        lines.extend(f"  {label:<15} {rel}" for rel, label in g.members)
    _section(f"Clone groups ({len(groups)})", lines, limit=_LIST_LIMIT * 5)
    # from the counts, not the JSON's rounded ratio: 1 of 29 is 3.4%, as `check` says
    pct = 100.0 * summary["clones"] / summary["images"] if summary["images"] else 0.0
    print(
        f"\nClones (identical, resized, recompressed): {summary['clones']} ({pct:.1f}%); "
        f"altered copies: {summary['altered']}"
    )


def _blur_rule(readable: list[ImageFacts]) -> str:
    """How wide edges had to be, in words (every readable image shares the limit)."""
    if not readable:
        return ""
    f = readable[0]
    text = f"at least {f.blur_limit:.1f} px wide at 512 px"
    if f.blur_reference:
        text += f"; this dataset's sharper quarter: {f.blur_reference:.1f} px"
    return text


def _section(title: str, lines: list[str], limit: int = _LIST_LIMIT) -> None:
    if not lines:
        return
    print(f"\n{title}")
    for line in lines[:limit]:
        print(f"  {line}")
    if len(lines) > limit:
        print(f"  ... and {len(lines) - limit} more (see --json)")

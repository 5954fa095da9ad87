"""`lorapan scan PATH`: analyse every image; report unreadable, blurry, small, clones."""

from __future__ import annotations

import argparse
import sys
import time
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

Thresholds come from the [analysis] table of lorapan.toml (blur_threshold,
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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lorapan.core.analysis.analyzer import Analyzer
    from lorapan.core.analysis.clones import find_groups
    from lorapan.core.analysis.facts import AnalysisConfig

    root = Path(args.path).expanduser()
    if not root.is_dir():
        return fail(f"{root} is not a folder", "give the dataset folder that holds the images")
    try:
        relpaths, section, state_dir = _dataset(root)
    except (OSError, ValueError) as exc:
        return fail(f"cannot open {root}: {exc}", "fix lorapan.toml or the folder's permissions")
    analyzer = Analyzer(root, state_dir, AnalysisConfig.from_settings(section))
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
    groups = find_groups(facts, analyzer.config, root=root)  # pixel-checks hash matches
    elapsed = time.perf_counter() - started
    summary = _summary(facts, groups, analyzer, elapsed)
    if args.json:
        print_json(
            {
                "root": str(root.resolve()),
                "summary": summary,
                "images": [f.to_dict() for f in facts.values()],
                "groups": [g.to_dict() for g in groups],
            }
        )
    else:
        _print_report(facts, groups, summary, analyzer.config)
    return EXIT_FINDINGS if summary["unreadable"] else EXIT_OK


def _dataset(root: Path) -> tuple[list[str], dict, Path]:
    """Image paths, the [analysis] settings table and the state folder of ``root``."""
    from lorapan.core.dataset import Dataset

    ds = Dataset.open(root)
    return list(ds.items), ds.settings.section("analysis"), ds.state_dir


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
        f"Low resolution, short side under {config.low_res_side}px ({summary['low_res']})",
        [f"{f.relpath} ({f.width}x{f.height})" for f in readable if f.low_res],
    )
    _section(
        f"Blurry, sharpness under {config.blur_threshold:g} ({summary['blurry']})",
        [f"{f.relpath} (sharpness {f.sharpness:.0f})" for f in readable if f.blurry],
    )
    lines = []
    for g in groups:
        lines.append(f"{g.original} (original)")
        lines.extend(f"  {label:<15} {rel}" for rel, label in g.members)
    _section(f"Clone groups ({len(groups)})", lines, limit=_LIST_LIMIT * 5)
    pct = 100.0 * summary["clone_ratio"]
    print(
        f"\nClones (identical, resized, recompressed): {summary['clones']} ({pct:.1f}%); "
        f"altered copies: {summary['altered']}"
    )


def _section(title: str, lines: list[str], limit: int = _LIST_LIMIT) -> None:
    if not lines:
        return
    print(f"\n{title}")
    for line in lines[:limit]:
        print(f"  {line}")
    if len(lines) > limit:
        print(f"  ... and {len(lines) - limit} more (see --json)")

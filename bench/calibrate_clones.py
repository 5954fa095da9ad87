"""Calibrate clone labels: real datasets as they are, and copies of their images.

    python bench/calibrate_clones.py [--real ../shared/fixtures/real] [--per-set 12]

1. Each real dataset (``../shared/fixtures/real``, read in place; analysis
   state in a temp folder) is grouped as ``lorapan scan`` groups it, and the
   label distribution is printed.
2. Up to ``--per-set`` images of each real dataset and of the demo are copied
   to a temp folder with derived copies beside them: clones (JPEG re-encodes,
   shrunken copies) and copies that are not the same picture (zoomed 2-10 %,
   shifted 2 %, a region painted over, a zoomed crop with a region changed,
   a blur), plus the altered kinds (flip, grayscale, colour). Each is grouped
   with the real code, and the labels each kind of copy got are printed.
3. The strict same-picture measures (``same_picture``) per kind of copy.

docs/calibration.md holds a run's output.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.clones import CLONE_LABELS, find_groups, label_copy
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.analysis.measure import is_grayscale
from lorapan.core.analysis.pixel_match import Thumbs
from lorapan.core.analysis.same_picture import compare_side, difference
from lorapan.core.naming import IMAGE_EXTS
from PIL import Image, ImageDraw, ImageFilter, ImageOps

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "fixtures" / "real"
CLONES = ("jpeg95", "jpeg75", "jpeg40", "shrink50", "shrink30", "shrink50jpeg60")
NOT_CLONES = ("zoom2", "zoom3", "zoom5", "zoom10", "shift2", "edit1", "edit2", "zoom5edit1")
ALTERED = ("blur1.5", "flip", "gray", "colour")
EXAMPLES: dict[str, list[str]] = defaultdict(list)  # kind -> sources whose copy was misjudged


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _zoom(img: Image.Image, f: float) -> Image.Image:
    w, h = img.size
    box = (round(w * f), round(h * f), round(w * (1 - f)), round(h * (1 - f)))
    return img.crop(box).resize((w, h), Image.Resampling.LANCZOS)


def _shift(img: Image.Image, f: float) -> Image.Image:
    w, h = img.size
    return img.crop((round(w * f), 0, w, h)).resize((w, h), Image.Resampling.LANCZOS)


def _edit(img: Image.Image, area: float, seed: int) -> Image.Image:
    """A region painted over in the picture's inverse mean colour (a changed eye or mouth)."""
    rng = np.random.default_rng(seed)
    w, h = img.size
    out = img.copy()
    side = np.sqrt(area * w * h)
    cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
    mean = np.asarray(img.resize((1, 1), Image.Resampling.BOX))[0, 0]
    ImageDraw.Draw(out).ellipse(
        (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2),
        fill=tuple(int(255 - c) for c in mean),
    )
    return out


def _shrink(img: Image.Image, f: float) -> Image.Image:
    size = (max(1, round(img.width * f)), max(1, round(img.height * f)))
    return img.resize(size, Image.Resampling.LANCZOS)


VARIANTS = {
    "jpeg95": lambda im: _jpeg(im, 95),
    "jpeg75": lambda im: _jpeg(im, 75),
    "jpeg40": lambda im: _jpeg(im, 40),
    "shrink50": lambda im: _shrink(im, 0.5),
    "shrink30": lambda im: _shrink(im, 0.3),
    "shrink50jpeg60": lambda im: _jpeg(_shrink(im, 0.5), 60),
    "zoom2": lambda im: _zoom(im, 0.02),
    "zoom3": lambda im: _zoom(im, 0.03),
    "zoom5": lambda im: _zoom(im, 0.05),
    "zoom10": lambda im: _zoom(im, 0.10),
    "shift2": lambda im: _shift(im, 0.02),
    "edit1": lambda im: _edit(im, 0.01, 2),
    "edit2": lambda im: _edit(im, 0.02, 3),
    "zoom5edit1": lambda im: _edit(_zoom(im, 0.05), 0.01, 4),
    "blur1.5": lambda im: im.filter(ImageFilter.GaussianBlur(1.5)),
    "flip": ImageOps.mirror,
    "gray": lambda im: im.convert("L"),
    "colour": lambda im: Image.fromarray(
        np.clip(np.asarray(im, np.float32) * (1.25, 0.9, 0.7), 0, 255).astype(np.uint8)
    ),
}


def _images(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_EXTS and ".lorapan" not in p.parts
    )


def _groups(root: Path, state: Path) -> list:
    facts = Analyzer(root, state, AnalysisConfig()).run(_images(root))
    return find_groups(facts, AnalysisConfig(), root=root)


def real_labels(real: Path, tmp: Path) -> None:
    print("\n1. Real datasets as published: groups and labels")
    print("| dataset | images | groups | labels |")
    print("|---|---|---|---|")
    for folder in sorted(p for p in real.iterdir() if p.is_dir()):
        groups = _groups(folder, tmp / f"state-{folder.name}")
        labels = Counter(label for g in groups for _rel, label in g.members)
        shown = ", ".join(f"{k} {v}" for k, v in sorted(labels.items())) or "-"
        print(f"| {folder.name} | {len(_images(folder))} | {len(groups)} | {shown} |")
        for g in groups:
            for rel, label in g.members:
                print(f"|  | | {g.original} | {label}: {rel} |")


def sources(real: Path, demo: Path, per_set: int) -> list[tuple[str, Path, str]]:
    out = []
    for folder in [*sorted(p for p in real.iterdir() if p.is_dir()), demo]:
        rels = _images(folder)
        step = max(1, len(rels) // per_set)
        out += [(folder.name, folder, rel) for rel in rels[::step][:per_set]]
    return out


def derived_labels(picked: list[tuple[str, Path, str]], tmp: Path) -> dict[str, Counter]:
    """Write each source (fitted into 1024 px) and its copies; group; tally labels per kind."""
    work = tmp / "derived"
    expected: dict[str, tuple[str, str]] = {}  # copy relpath -> (kind, source relpath)
    picked_names = {f"s{i:03d}/orig.png": f"{n}/{rel}" for i, (n, _f, rel) in enumerate(picked)}
    gray_sources: set[str] = set()
    for i, (_name, folder, rel) in enumerate(picked):
        with Image.open(folder / rel) as img:
            base = ImageOps.exif_transpose(img).convert("RGB")
        base.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
        src = f"s{i:03d}/orig.png"
        (work / f"s{i:03d}").mkdir(parents=True)
        base.save(work / src)
        if is_grayscale(base):
            gray_sources.add(src)
        for kind, make in VARIANTS.items():
            copy = f"s{i:03d}/{kind}.png"
            make(base).save(work / copy)
            expected[copy] = (kind, src)
    facts = Analyzer(work, tmp / "state-derived", AnalysisConfig()).run(_images(work))
    config = AnalysisConfig()
    groups = find_groups(facts, config, root=work)
    group_of = {rel: i for i, g in enumerate(groups) for rel in (g.original, *dict(g.members))}
    thumbs = Thumbs(work, {rel: f.sha256 for rel, f in facts.items()})
    tally: dict[str, Counter] = defaultdict(Counter)
    for copy, (kind, src) in expected.items():
        if copy not in group_of:
            label = "no group"
        elif group_of[copy] != group_of.get(src):
            label = "other group"
        else:
            label = label_copy(facts[src], facts[copy], config, thumbs)
            if kind == "gray" and src in gray_sources and label in CLONE_LABELS:
                label += " (source already gray)"
            if kind in VARIANTS and (label in CLONE_LABELS) != (kind in CLONES):
                EXAMPLES[kind].append(f"{picked_names[src]} -> {label}")
        tally[kind][label] += 1
    return tally


def print_tally(tally: dict[str, Counter]) -> int:
    print("\n2. Derived copies: the label of each copy against its source (label_copy), when")
    print("the two are in one group; wrong = a clone not labelled a clone, or the other way round")
    print("| kind | expected | labels | wrong |")
    print("|---|---|---|---|")
    wrong_total = 0
    for kind in VARIANTS:
        counts = tally[kind]
        if kind in CLONES:
            expect = "clone"
            wrong = sum(v for k, v in counts.items() if k not in CLONE_LABELS)
        else:
            expect = "not a clone"
            wrong = sum(v for k, v in counts.items() if k in CLONE_LABELS)
        if kind not in CLONES:
            wrong_total += wrong
        shown = ", ".join(f"{k} {v}" for k, v in counts.most_common())
        print(f"| {kind} | {expect} | {shown} | {wrong} |")
    for kind, names in EXAMPLES.items():
        print(f"  {kind}: " + "; ".join(names[:8]))
    return wrong_total


def measures(picked: list[tuple[str, Path, str]]) -> None:
    """The two same-picture measures per kind of copy (no hashing, no linking)."""
    rows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for _name, folder, rel in picked:
        with Image.open(folder / rel) as img:
            base = ImageOps.exif_transpose(img).convert("RGB")
        base.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
        for kind in (*CLONES, *NOT_CLONES, "blur1.5"):
            copy = VARIANTS[kind](base)
            side = compare_side(min(base.size), min(copy.size))
            rows[kind].append(difference(base, copy, side))
    print("\n3. Same-picture measures (min / median / max)")
    print("| kind | detail change | local change |")
    print("|---|---|---|")
    for kind, values in rows.items():
        d = np.array([v[0] for v in values])
        c = np.array([v[1] for v in values])
        print(
            f"| {kind} | {d.min():.3f} / {np.median(d):.3f} / {d.max():.3f} "
            f"| {c.min():.1f} / {np.median(c):.1f} / {c.max():.1f} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REAL, help="folder of real datasets")
    parser.add_argument("--per-set", type=int, default=12, help="sources per dataset")
    args = parser.parse_args()
    if not args.real.is_dir():
        print(f"no real datasets at {args.real}", file=sys.stderr)
        return 2
    from lorapan.core.demo import write_demo

    tmp = Path(tempfile.mkdtemp(prefix="lorapan-clones-"))
    try:
        real_labels(args.real, tmp)
        demo = write_demo(tmp / "demo")
        picked = sources(args.real, demo, args.per_set)
        print(f"\n{len(picked)} source images, {len(VARIANTS)} copies of each")
        wrong = print_tally(derived_labels(picked, tmp))
        measures(picked)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ncopies that are not the same picture but were labelled clones: {wrong}")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())

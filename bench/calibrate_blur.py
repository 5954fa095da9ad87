"""Calibrate the blur verdict on real datasets, their degraded copies and flat art.

    python bench/calibrate_blur.py [--real ../shared/fixtures/real] [--workers 2]

Ground truth: every image of the real datasets (``../shared/fixtures/real``,
read in place, nothing written there) and of the demo dataset (flat-colour
art, written to a temp folder) is sharp, except the demo's one blurred image.
Degraded copies of each are made here: the picture fitted into 1024 px, then
Gaussian blur (sigma 1-5 px), shrink-and-enlarge (to 1/2, 1/4, 1/8 and back)
and heavy JPEG (quality 10). Each copy goes through a lossless PNG and the same
decode and measurement path as ``lorapan scan``.

Printed: the edge width (``core/analysis/edges.py``, pixels at the 512 px
analysis size) per dataset and degradation, the old 0..100 Crete-Roffet score
for comparison, and the confusion of the shipped verdict (``verdicts``), each
degraded copy judged against its own dataset's originals. docs/calibration.md
holds a run's output and the reasons for the thresholds.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from lorapan.core.analysis import verdicts
from lorapan.core.analysis.edges import edge_width
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.analysis.imaging import decode_reduced
from lorapan.core.analysis.measure import ANALYSIS_SIDE, _analysis_copy
from lorapan.core.naming import IMAGE_EXTS
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "fixtures" / "real"
DEMO_BLURRED = "gob_006"  # the demo's deliberately blurred image
DEGRADATIONS = (
    "blur1",
    "blur2",
    "blur3",
    "blur4",
    "blur5",
    "shrink2",
    "shrink4",
    "shrink8",
    "jpeg10",
)
MUST_FLAG = ("blur3", "blur4", "blur5", "shrink8")  # clearly blurry at the training size


def degrade(img: Image.Image, kind: str) -> Image.Image:
    """One degraded copy of ``img`` (already fitted into 1024 px)."""
    if kind.startswith("blur"):
        return img.filter(ImageFilter.GaussianBlur(float(kind[4:])))
    if kind.startswith("shrink"):
        f = int(kind[6:])
        small = img.resize((max(1, img.width // f), max(1, img.height // f)), Image.Resampling.BOX)
        return small.resize(img.size, Image.Resampling.BILINEAR)
    if kind.startswith("jpeg"):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(kind[4:]))
        return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    raise ValueError(kind)


def measured(data: bytes) -> tuple[float, float]:
    """(edge width, old Crete-Roffet score) of an encoded image, as a scan measures it."""
    _header, img = decode_reduced(data, (ANALYSIS_SIDE, ANALYSIS_SIDE))
    gray = np.asarray(_analysis_copy(img).convert("L"))
    return edge_width(gray), crete_roffet(gray)


def crete_roffet(gray: np.ndarray, span: int = 9) -> float:
    """The score lorapan used before (0..100): detail a strong box blur removes."""
    arr = gray.astype(np.float32)
    kept = []
    for a in (arr, arr.T):
        steps = np.abs(np.diff(a, axis=1))
        total = steps.sum()
        if total == 0:
            return 100.0
        pad = np.pad(a, ((0, 0), (span // 2, span // 2)), mode="edge")
        n = a.shape[1]
        blurred = np.abs(pad[:, span : span + n - 1] - pad[:, : n - 1]) / span
        kept.append(float(np.minimum(steps, blurred).sum() / total))
    return round(100.0 * (1.0 - max(kept)), 2)


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def job(args: tuple[str, str]) -> list[tuple[str, str, str, float, float]]:
    """Rows (dataset, image, kind, edge width, old score) for one image and its copies."""
    group, path = args
    data = Path(path).read_bytes()
    rows = [(group, path, "orig", *measured(data))]
    if group == "demo" and DEMO_BLURRED in path:
        return rows
    _header, full = decode_reduced(data, (1024, 1024))
    full.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
    base = full.convert("RGB")
    for kind in DEGRADATIONS:
        rows.append((group, path, kind, *measured(png(degrade(base, kind)))))
    return rows


def images(real: Path, demo: Path) -> list[tuple[str, str]]:
    out = []
    for folder in sorted(p for p in real.iterdir() if p.is_dir()):
        out += [(folder.name, str(p)) for p in sorted(folder.rglob("*")) if _is_image(p)]
    out += [("demo", str(p)) for p in sorted(demo.rglob("*")) if _is_image(p)]
    return out


def _is_image(p: Path) -> bool:
    return p.is_file() and p.suffix.lower() in IMAGE_EXTS and ".lorapan" not in p.parts


def _stats(values: list[float]) -> str:
    v = np.asarray(values)
    return f"{v.min():.1f} / {np.median(v):.1f} / {v.max():.1f}"


def report(rows: list[tuple[str, str, str, float, float]], config: AnalysisConfig) -> int:
    by = defaultdict(list)
    for group, path, kind, width, old in rows:
        by[(group, kind)].append((path, width, old))
    groups = sorted({r[0] for r in rows})
    kinds = ["orig", *DEGRADATIONS]
    print("\nEdge width, px at 512 (min / median / max); orig excludes the demo's blurred image")
    print("| dataset | n | " + " | ".join(kinds) + " |")
    print("|---|---|" + "---|" * len(kinds))
    for g in groups:
        cells = [_stats([w for p, w, _ in by[(g, k)] if DEMO_BLURRED not in p]) for k in kinds]
        print(f"| {g} | {len(by[(g, 'orig')])} | " + " | ".join(cells) + " |")
    print("\nOld score (Crete-Roffet 0..100, higher = sharper; blurry was < 70)")
    print("| dataset | orig | blur3 | blur5 | shrink8 | old verdict: real images called blurry |")
    print("|---|---|---|---|---|---|")
    for g in groups:
        orig = [(p, o) for p, _, o in by[(g, "orig")] if DEMO_BLURRED not in p]
        cells = [_stats([o for _, _, o in by[(g, k)]]) for k in ("blur3", "blur5", "shrink8")]
        flagged = sum(1 for _, o in orig if o < 70)
        print(f"| {g} | {_stats([o for _, o in orig])} | " + " | ".join(cells), end="")
        print(f" | {flagged} of {len(orig)} |")
    return confusion(by, groups, config)


def confusion(by: dict, groups: list[str], config: AnalysisConfig) -> int:
    """Print the shipped verdict's confusion; return the number of sharp images flagged."""
    print(
        f"\nVerdict: blurry when edges >= {config.blur_edge_px} px, or >= "
        f"{config.blur_relative_min_px} px and {config.blur_relative}x the dataset's "
        f"{verdicts.REFERENCE_QUANTILE:.0f}th-percentile width"
    )
    print("| dataset | reference px | limit px | sharp flagged | " + " | ".join(DEGRADATIONS))
    print("|---|---|---|---|" + "---|" * len(DEGRADATIONS))
    false_alarms = 0
    totals = defaultdict(lambda: [0, 0])
    for g in groups:
        orig = by[(g, "orig")]
        sharp = [w for p, w, _ in orig if DEMO_BLURRED not in p]
        reference = verdicts.blur_reference([_Facts(w) for _, w, _ in orig], config)
        limit = verdicts.blur_limit(reference, config)
        flagged = [p for p, w, _ in orig if w >= limit and DEMO_BLURRED not in p]
        false_alarms += len(flagged)
        cells = []
        for k in DEGRADATIONS:
            hits = sum(1 for _, w, _ in by[(g, k)] if w >= limit)
            totals[k][0] += hits
            totals[k][1] += len(by[(g, k)])
            cells.append(f"{hits}/{len(by[(g, k)])}")
        demo_hit = [p for p, w, _ in orig if DEMO_BLURRED in p and w >= limit]
        note = f" (+ blurred {Path(demo_hit[0]).name} flagged)" if demo_hit else ""
        print(
            f"| {g} | {reference:.2f} | {limit:.2f} | {len(flagged)}/{len(sharp)}{note} | "
            + " | ".join(cells)
            + " |"
        )
    cells = [
        f"{totals[k][0]}/{totals[k][1]} ({100 * totals[k][0] / totals[k][1]:.0f}%)"
        for k in DEGRADATIONS
    ]
    print(f"| **all** | | | {false_alarms} | " + " | ".join(cells) + " |")
    missed = {k: totals[k][1] - totals[k][0] for k in MUST_FLAG}
    print(f"\nmust-flag degradations missed: {missed}; sharp images flagged: {false_alarms}")
    nearest(by, groups, config)
    return false_alarms


def nearest(by: dict, groups: list[str], config: AnalysisConfig) -> None:
    """The real images closest to being called blurry (how much margin the limits leave)."""
    rows = []
    for g in groups:
        orig = by[(g, "orig")]
        reference = verdicts.blur_reference([_Facts(w) for _, w, _ in orig], config)
        limit = verdicts.blur_limit(reference, config)
        rows += [(w / limit, w, limit, p) for p, w, _ in orig if DEMO_BLURRED not in p]
    print("\nSharp images nearest their limit (width / limit):")
    for share, w, limit, p in sorted(rows, reverse=True)[:5]:
        print(
            f"  {share:.2f}  {w:.2f} px of {limit:.2f}  {Path(p).relative_to(Path(p).parents[2])}"
        )


class _Facts:
    """The two fields ``verdicts.blur_reference`` reads."""

    ok = True

    def __init__(self, width: float) -> None:
        self.edge_width = width


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REAL, help="folder of real datasets")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not args.real.is_dir():
        print(f"no real datasets at {args.real}", file=sys.stderr)
        return 2
    from lorapan.core.demo import write_demo

    with tempfile.TemporaryDirectory(prefix="lorapan-calib-") as tmp:
        demo = write_demo(Path(tmp) / "demo")
        todo = images(args.real, demo)
        print(f"{len(todo)} images; {len(DEGRADATIONS)} degraded copies of each")
        with ProcessPoolExecutor(max(1, args.workers)) as pool:
            rows = [r for part in pool.map(job, todo, chunksize=4) for r in part]
    return 1 if report(rows, AnalysisConfig()) else 0


if __name__ == "__main__":
    raise SystemExit(main())

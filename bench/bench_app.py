"""Reviewer app timings, headless: start to first full paint on 10,000 images, and
key-to-repaint latency moving through the list (with the preview following).

Run: ``python bench/bench_app.py [--images 10000] [--keep DIR]``. The dataset is
synthetic (small PNGs with 12-tag captions), written once into a temp folder.
Analysis and the folder watcher are off (they run in workers and do not hold the
first paint); the rules engine is on (it starts on its own thread after the first paint).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def write_dataset(root: Path, n: int) -> Path:
    folder = root / "10_bench subject"
    if folder.is_dir() and len(list(folder.glob("*.png"))) == n:
        return root
    folder.mkdir(parents=True, exist_ok=True)
    vocab = [f"tag {i}" for i in range(300)]
    for i in range(n):
        Image.new("RGB", (128, 96), (i % 256, (i * 7) % 256, (i * 13) % 256)).save(
            folder / f"img_{i}.png"
        )
        tags = ["bench subject"] + [vocab[(i * 31 + k * 17) % 300] for k in range(11)]
        (folder / f"img_{i}.txt").write_text(", ".join(tags) + "\n")
    return root


def _first_frame_probe() -> tuple[list[float], object]:
    """Record when the main screen's first full frame with file rows is composed."""
    from lorapan.tui.screens.main import MainScreen
    from textual.screen import Screen

    seen: list[float] = []
    original = Screen._compositor_refresh

    def probe(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        out = original(self, *args, **kwargs)
        if not seen and isinstance(self, MainScreen) and self.is_mounted:
            files = self.query("#files")
            if files and files.first().rows:
                seen.append(time.perf_counter())
                seen.append(time.process_time())
        return out

    Screen._compositor_refresh = probe
    return seen, original


async def first_paint(root: Path, config_dir: Path) -> dict[str, float]:
    """Start to first frame (rows and layout drawn), then to settled (rules report in)."""
    from lorapan.tui.app import make_app
    from lorapan.tui.widgets.file_list import FileList
    from textual.screen import Screen

    seen, original = _first_frame_probe()
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        app = make_app(root, config_dir=config_dir, analyse=False, watch=False)
        t_open = time.perf_counter() - t0
        async with app.run_test(size=(120, 40)) as pilot:
            while not seen:
                await asyncio.sleep(0.005)
            t_frame, c_frame = seen[0] - t0, seen[1] - c0
            while app.screen.report is None:
                await asyncio.sleep(0.005)
            await pilot.pause()
            t_settled = time.perf_counter() - t0
            files = app.screen.query_one(FileList)
            strips = app.screen._compositor.render_strips()
            assert files.rows and any("img_" in s.text for s in strips)
    finally:
        Screen._compositor_refresh = original
    return {
        "open_dataset_s": t_open,
        "first_paint_s": t_frame,
        "first_paint_cpu_s": c_frame,
        "settled_s": t_settled,
        "rows": len(files.rows),
    }


async def key_latency(root: Path, config_dir: Path, presses: int = 40) -> dict[str, float]:
    from lorapan.tui.app import make_app
    from lorapan.tui.widgets.file_list import FileList
    from lorapan.tui.widgets.preview import Preview

    app = make_app(root, config_dir=config_dir, analyse=False, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(1.0)
        files = app.screen.query_one(FileList)
        preview = app.screen.query_one(Preview)

        async def timed(key: str) -> tuple[float, float]:
            start = time.perf_counter()
            await pilot.press(key)
            moved = time.perf_counter() - start
            target = files.current
            # wait until the decoded picture for target is on screen
            while not (preview.thumb and preview.current == target and _shown(preview)):
                await asyncio.sleep(0.002)
            return moved, time.perf_counter() - start

        floor = []
        for _ in range(10):
            start = time.perf_counter()
            await pilot.press("f12")  # unbound: the Pilot's own round trip
            floor.append(time.perf_counter() - start)
        moves, previews = [], []
        for _ in range(presses):
            m, p = await timed("j")
            moves.append(m)
            previews.append(p)
        # a burst: 20 presses without waiting, then the preview of where it stopped
        start = time.perf_counter()
        for _ in range(20):
            await pilot.press("j")
        target = files.current
        while not (preview.current == target and preview.thumb and _shown(preview)):
            await asyncio.sleep(0.002)
        burst = time.perf_counter() - start
    return {
        "pilot_floor_ms": statistics.median(floor) * 1000,
        "move_median_ms": statistics.median(moves) * 1000,
        "move_p90_ms": sorted(moves)[int(len(moves) * 0.9)] * 1000,
        "preview_median_ms": statistics.median(previews) * 1000,
        "preview_p90_ms": sorted(previews)[int(len(previews) * 0.9)] * 1000,
        "burst20_to_preview_ms": burst * 1000,
    }


def _shown(preview) -> bool:
    return preview.image_widget.showing_picture


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep the dataset here")
    ap.add_argument("--runs", type=int, default=3, help="first-paint runs (median shown)")
    ap.add_argument("--paint-only", action="store_true", help="skip the key latency runs")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.gettempdir()) / f"lorapan-bench-{args.images}"
    t = time.perf_counter()
    root = write_dataset(base, args.images)
    print(f"dataset: {args.images} images at {root} ({time.perf_counter() - t:.1f} s to write)")
    cfg = Path(tempfile.mkdtemp(prefix="lorapan-bench-cfg-"))
    runs = [asyncio.run(first_paint(root, cfg)) for _ in range(args.runs)]
    paint = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"open dataset (read {args.images} captions): {paint['open_dataset_s']:.2f} s")
    print(f"start to first full paint ({paint['rows']} rows): {paint['first_paint_s']:.2f} s")
    print(f"  CPU time of this process to that paint: {paint['first_paint_cpu_s']:.2f} s")
    print(f"start to settled (rules report shown, idle): {paint['settled_s']:.2f} s")
    if args.paint_only:
        return
    lat = asyncio.run(key_latency(root, cfg))
    for key, value in lat.items():
        print(f"{key}: {value:.0f}")


if __name__ == "__main__":
    main()

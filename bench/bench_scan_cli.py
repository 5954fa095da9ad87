"""Benchmark `lorapan scan` as a user waits for it: whole processes, floor in the same run.

    python bench/bench_scan_cli.py [--n 10000] [--dir D --reuse] [--repeat 5]
                                   [--scale 2000,5000,10000]

Generates ``--n`` realistic 1024 px images in one kohya folder (half photo-like
JPEG, half flat-art PNG; 1 % of them re-encoded, flipped or grayscale copies of
others, so there are real clone groups) with 15-45-tag captions, then, with
every subprocess under a timeout (a benchmark that cannot finish fails):

1. a cold ``lorapan scan`` (fills the caches);
2. ``--repeat`` rounds, alternated so a busy machine weighs on both alike, of
   ``lorapan info`` (the floor: open the dataset, read every caption) and a
   cached ``lorapan scan`` (nothing changed), and the same scan with the clone
   cache deleted (what every scan cost before it existed);
3. ``--repeat`` rounds where one image is re-encoded before the scan (one file
   analysed, only its pairs pixel-checked);
4. in-process ``find_groups`` on the first k images for each ``--scale`` k:
   hashes only, with the pixel check (no cache), and read back from the cache.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import imagegen as gen  # noqa: E402
from as_installed import byte_compile  # noqa: E402
from gen_dataset import caption, vocabulary  # noqa: E402
from lorapan.core.analysis.analyzer import Analyzer  # noqa: E402
from lorapan.core.analysis.clone_cache import CLONE_CACHE_NAME  # noqa: E402
from lorapan.core.analysis.clones import find_groups  # noqa: E402
from lorapan.core.analysis.facts import AnalysisConfig  # noqa: E402

FOLDER = "10_bench subject"
COLD_TIMEOUT = 3600.0
RUN_TIMEOUT = 300.0
COPY_EVERY = 100  # one image in this many is a copy of another (re-encoded, flipped, gray)


def _name(i: int) -> str:
    return f"{FOLDER}/img_{i:05d}.{'jpg' if i % 2 else 'png'}"


def _picture(i: int):
    size = (1024, 768) if i % 3 else (768, 1024)
    return gen.photo_like(size, seed=i) if i % 2 else gen.flat_art(size, seed=i)


def _make_one(args: tuple[str, int]) -> None:
    root, i = Path(args[0]), args[1]
    path = root / _name(i)
    if i % COPY_EVERY == COPY_EVERY - 1:  # a copy of the image before it
        src = _picture(i - 1)
        kind = (i // COPY_EVERY) % 3
        img = src if kind == 0 else gen.flipped(src) if kind == 1 else gen.grayscale(src)
    else:
        img = _picture(i)
    if path.suffix == ".jpg":
        gen.save(img.convert("RGB"), path, quality=90)
    else:
        gen.save(img, path)
    rng = random.Random(i)
    path.with_suffix(".txt").write_text(caption(rng, vocabulary()))


def generate(root: Path, n: int, reuse: bool) -> None:
    todo = [i for i in range(n) if not (reuse and (root / _name(i)).is_file())]
    (root / FOLDER).mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor() as pool:
        list(pool.map(_make_one, [(str(root), i) for i in todo], chunksize=32))


def _run(*args: str, timeout: float = RUN_TIMEOUT) -> float:
    """Wall seconds of one whole ``lorapan`` process; fails on error or timeout."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "lorapan", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, NO_COLOR="1"),
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"lorapan {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return elapsed


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def whole_process(root: Path, repeat: int) -> None:
    clone_cache = root / ".lorapan" / CLONE_CACHE_NAME
    info, cached, uncached = [], [], []
    for _ in range(repeat):
        info.append(_run("info", str(root)))
        cached.append(_run("scan", str(root)))
        shutil.copyfile(clone_cache, clone_cache.with_suffix(".keep"))
        clone_cache.unlink()
        uncached.append(_run("scan", str(root)))
        os.replace(clone_cache.with_suffix(".keep"), clone_cache)
    floor = statistics.median(info)
    print(f"lorapan info (floor):                {_median(info)}")
    print(
        f"lorapan scan, cached:                {_median(cached)}  "
        f"= {statistics.median(cached) / floor:.2f}x the floor"
    )
    print(f"lorapan scan, no clone cache:        {_median(uncached)}")


def one_changed(root: Path, repeat: int) -> None:
    """Re-encode one image (a new file, the same picture) before each scan."""
    times = []
    for k in range(repeat):
        i = 2 * (k + 1) + 1  # JPEGs: re-encode at another quality
        path = root / _name(i)
        gen.save(_picture(i).convert("RGB"), path, quality=80 + k % 10)
        times.append(_run("scan", str(root)))
    print(f"lorapan scan, one image re-encoded:  {_median(times)}")


def scaling(root: Path, sizes: list[int]) -> None:
    rels = sorted(p.relative_to(root).as_posix() for p in (root / FOLDER).iterdir())
    rels = [r for r in rels if not r.endswith(".txt")]
    facts_all = Analyzer(root, root / ".lorapan").cached(rels)
    print("\nfind_groups on the first k images (in-process):")
    print("| k | hashes only | with pixel check, no cache | cached | groups |")
    print("|---|---|---|---|---|")
    previous = None
    for k in sizes:
        facts = {r: facts_all[r] for r in rels[:k] if r in facts_all}
        t = time.perf_counter()
        find_groups(facts, AnalysisConfig())
        hashes = time.perf_counter() - t
        t = time.perf_counter()
        groups = find_groups(facts, AnalysisConfig(), root=root)
        pixels = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as state:
            find_groups(facts, AnalysisConfig(), root=root, state_dir=state)
            t = time.perf_counter()
            find_groups(facts, AnalysisConfig(), root=root, state_dir=state)
            cached = time.perf_counter() - t
        growth = ""
        if previous:
            import math

            growth = f" (n^{math.log(pixels / previous[1]) / math.log(k / previous[0]):.2f})"
        print(
            f"| {len(facts)} | {hashes:.2f} s | {pixels:.2f} s{growth} | {cached:.3f} s "
            f"| {len(groups)} |"
        )
        previous = (k, pixels)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="images (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of each measurement")
    parser.add_argument("--scale", default="2000,5000,10000", help="sizes for find_groups")
    parser.add_argument("--dir", type=Path, help="work folder (kept); default a temp folder")
    parser.add_argument("--reuse", action="store_true", help="keep images from an earlier run")
    args = parser.parse_args()
    byte_compile()  # as pip install does: no process compiles lorapan first
    root = args.dir or Path(tempfile.mkdtemp(prefix="lorapan-scan-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {args.n} images")
        t = time.perf_counter()
        generate(root, args.n, args.reuse and args.dir is not None)
        print(f"generated in {time.perf_counter() - t:.0f} s")
        cold = _run("scan", str(root), timeout=COLD_TIMEOUT)
        print(f"lorapan scan, cold (or after --reuse): {cold:.1f} s")
        whole_process(root, args.repeat)
        one_changed(root, args.repeat)
        sizes = [int(s) for s in args.scale.split(",") if s and int(s) <= args.n]
        scaling(root, sizes)
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark image analysis: cold and cached throughput against imagehash's phash loop.

    python bench/bench_analysis.py [--n 2000] [--cached-n 10000] [--workers 0]

Generates ``--n`` synthetic 1024px images (half photo-like JPEG, half flat-art
PNG), then times, in one run on the same files:

* imagehash: ``imagehash.phash(Image.open(path))`` in a plain loop (one process);
* lorapan cold: ``Analyzer.run`` on an empty cache (decode, sharpness, hashes,
  sha256, crop-window hashes; process pool sized to the machine);
* lorapan cached: the same run again (stat + sqlite only);
* a cached re-scan of ``--cached-n`` paths (hard links to the generated files,
  with their cache rows seeded), and ``find_groups`` over all facts.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import imagegen as gen  # noqa: E402
from lorapan.core.analysis.analyzer import Analyzer  # noqa: E402
from lorapan.core.analysis.cache import AnalysisCache  # noqa: E402
from lorapan.core.analysis.clones import find_groups  # noqa: E402
from lorapan.core.analysis.facts import AnalysisConfig  # noqa: E402


def _make_one(args: tuple[str, int]) -> str:
    root, i = args
    size = (1024, 768) if i % 3 else (768, 1024)
    rel = _rel(i)
    if i % 2:
        gen.save(gen.photo_like(size, seed=i), Path(root) / rel, quality=90)
    else:
        gen.save(gen.flat_art(size, seed=i), Path(root) / rel)
    return rel


def _rel(i: int) -> str:
    return f"photos/p{i:05d}.jpg" if i % 2 else f"art/a{i:05d}.png"


def generate(root: Path, n: int, reuse: bool = False) -> list[str]:
    """Write the images (``reuse``: keep those a previous run left in ``root``)."""
    todo = [i for i in range(n) if not (reuse and (root / _rel(i)).is_file())]
    with ProcessPoolExecutor() as pool:
        list(pool.map(_make_one, [(str(root), i) for i in todo], chunksize=16))
    return sorted(_rel(i) for i in range(n))


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the pool's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_imagehash(root: Path, rels: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of imagehash.phash over ``rels`` in a plain loop."""
    import imagehash
    from PIL import Image

    cpu, start = _cpu(), time.perf_counter()
    for rel in rels:
        with Image.open(root / rel) as img:
            imagehash.phash(img)
    return time.perf_counter() - start, _cpu() - cpu


def bench_cold(root: Path, rels: list[str], workers: int) -> tuple[float, float, dict]:
    """(wall, cpu, facts) of a full analysis on an empty cache."""
    state = root / ".lorapan"
    shutil.rmtree(state, ignore_errors=True)
    analyzer = Analyzer(root, state, AnalysisConfig(workers=workers))
    cpu, start = _cpu(), time.perf_counter()
    facts = analyzer.run(rels)
    return time.perf_counter() - start, _cpu() - cpu, facts


def bench_cached_rescan(root: Path, rels: list[str], facts: dict, total: int) -> tuple[float, int]:
    """Hard-link the files up to ``total`` paths, seed their cache rows, time a re-scan."""
    state = root / ".lorapan-big"
    links: list[str] = []
    rows = []
    for i in range(total):
        src = rels[i % len(rels)]
        rel = f"links/{i // 1000:02d}/{i:05d}{Path(src).suffix}"
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            os.link(root / src, dest)
        links.append(rel)
        rows.append(replace(facts[src], relpath=rel))
    AnalysisCache(state / "analysis.sqlite").store(rows)
    analyzer = Analyzer(root, state)
    start = time.perf_counter()
    result = analyzer.run(links)
    elapsed = time.perf_counter() - start
    assert analyzer.last_run.analysed == [] and len(result) == total
    return elapsed, analyzer.last_run.from_cache


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="generated images (default 2000)")
    parser.add_argument("--cached-n", type=int, default=10000, help="paths in the cached re-scan")
    parser.add_argument("--workers", type=int, default=0, help="analysis processes (0 = cores)")
    parser.add_argument("--repeat", type=int, default=1, help="alternate runs, best kept")
    parser.add_argument("--dir", type=Path, help="work folder (kept); default a temp folder")
    parser.add_argument(
        "--reuse", action="store_true", help="with --dir: keep images an earlier run made there"
    )
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="lorapan-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        print(f"machine: {os.cpu_count()} cores; images: {args.n} at 1024px (JPEG + PNG)")
        t = time.perf_counter()
        rels = generate(root, args.n, reuse=args.reuse and args.dir is not None)
        print(f"generated in {time.perf_counter() - t:.1f} s")
        # Alternate the two contenders so a busy machine weighs on both alike.
        runs = max(1, args.repeat)
        ih_wall = ih_cpu = cold = cold_cpu = float("inf")
        for _ in range(runs):
            wall, cpu = bench_imagehash(root, rels)
            ih_wall, ih_cpu = min(ih_wall, wall), min(ih_cpu, cpu)
            wall, cpu, facts = bench_cold(root, rels, args.workers)
            cold, cold_cpu = min(cold, wall), min(cold_cpu, cpu)
        analyzer = Analyzer(root, root / ".lorapan")
        t = time.perf_counter()
        analyzer.run(rels)
        cached = time.perf_counter() - t
        assert analyzer.last_run.analysed == []
        t = time.perf_counter()
        groups = find_groups(facts)
        grouping = time.perf_counter() - t
        n = len(rels)
        print(f"load average now: {os.getloadavg()[0]:.1f}")
        print(
            f"imagehash phash loop: {n / ih_wall:8.1f} img/s  ({ih_wall:.2f} s wall, "
            f"{1000 * ih_cpu / n:.1f} ms CPU per image)"
        )
        print(
            f"lorapan cold:         {n / cold:8.1f} img/s  ({cold:.2f} s wall, "
            f"{1000 * cold_cpu / n:.1f} ms CPU per image)"
        )
        print(f"  wall-clock ratio: {ih_wall / cold:.2f}x imagehash")
        print(f"  CPU-per-image ratio: {ih_cpu / cold_cpu:.2f}x (imagehash CPU / lorapan CPU)")
        cores = os.cpu_count() or 1
        print(
            f"  cores the pool got: {cold_cpu / cold:.2f} of {cores}; ceiling with every core "
            f"free: {cores * ih_cpu / cold_cpu:.2f}x (CPU ratio x cores)"
        )
        print(f"lorapan cached:       {n / cached:8.1f} img/s  ({cached:.3f} s)")
        print(f"find_groups ({n}): {grouping:.3f} s, {len(groups)} groups")
        big, hits = bench_cached_rescan(root, rels, facts, args.cached_n)
        print(f"cached re-scan of {args.cached_n}: {big:.3f} s ({hits} from cache)")
        link_facts = Analyzer(root, root / ".lorapan-big").cached(
            [
                f"links/{i // 1000:02d}/{i:05d}{Path(rels[i % n]).suffix}"
                for i in range(args.cached_n)
            ]
        )
        t = time.perf_counter()
        find_groups(link_facts)
        print(f"find_groups ({args.cached_n}): {time.perf_counter() - t:.2f} s")
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

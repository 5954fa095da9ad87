"""`lorapan info --json` as a user waits for it: whole processes, next to the floor.

    python bench/bench_info.py [--n 10000] [--edits 18] [--runs 7] [--root DIR]

Generates a dataset (or uses ``--root``, copied first), then times in the same run,
alternating so that load affects each alike:

- the floor: a Python process that reads every caption file and exits;
- ``python -m lorapan info --json`` on the dataset as generated;
- the same after ``--edits`` bulk edits (each adds a tag to every caption);
- the edited captions again without their journal (``.lorapan/`` left out): the
  captions grew by a tag per edit, so this is what the journal itself costs.

Prints medians (and min–max) in seconds, and the ratios to the floor.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from as_installed import byte_compile  # noqa: E402
from gen_dataset import generate  # noqa: E402

FLOOR = """
import os, sys
for d, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith(".txt"):
            with open(os.path.join(d, f), "rb") as fh:
                fh.read()
"""


def run_once(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=300)
    return time.perf_counter() - t0


def bulk_edits(root: Path, count: int) -> None:
    from lorapan.core import edits
    from lorapan.core.dataset import Dataset

    ds = Dataset.open(root)
    for n in range(count):
        tags = {r: it.tags for r, it in ds.items.items()}
        ds.apply_changes(
            edits.plan(tags, ds.items, lambda t, n=n: edits.add_tag(t, f"bench {n}")), f"b{n}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--edits", type=int, default=18)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--root", type=Path, help="an existing dataset (copied, never changed)")
    args = ap.parse_args()
    byte_compile()  # as pip install does: no process compiles lorapan first
    with tempfile.TemporaryDirectory() as tmp:
        fresh, edited = Path(tmp) / "fresh", Path(tmp) / "edited"
        if args.root:
            shutil.copytree(args.root, fresh, ignore=shutil.ignore_patterns(".lorapan"))
        else:
            generate(fresh, args.n)
        shutil.copytree(fresh, edited)
        t0 = time.perf_counter()
        bulk_edits(edited, args.edits)
        print(f"{args.edits} bulk edits made in {time.perf_counter() - t0:.0f} s")
        bare = Path(tmp) / "bare"
        shutil.copytree(edited, bare, ignore=shutil.ignore_patterns(".lorapan"))
        journal = sum(p.stat().st_size for p in (edited / ".lorapan").rglob("*") if p.is_file())
        print(f"journal after them: {journal / 1e6:.1f} MB")
        cases = {
            "floor: read every caption": [sys.executable, "-c", FLOOR, str(fresh)],
            "info --json": [sys.executable, "-m", "lorapan", "info", str(fresh), "--json"],
            f"info --json after {args.edits} bulk edits": [
                sys.executable,
                "-m",
                "lorapan",
                "info",
                str(edited),
                "--json",
            ],
            "the same captions, no journal": [
                sys.executable,
                "-m",
                "lorapan",
                "info",
                str(bare),
                "--json",
            ],
        }
        for cmd in cases.values():
            run_once(cmd)  # warm the page cache
        times: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for label, cmd in cases.items():
                times[label].append(run_once(cmd))
        floor = statistics.median(times["floor: read every caption"])
        for label, ts in times.items():
            med = statistics.median(ts)
            print(
                f"{label:<36} {med:6.3f} s  ({min(ts):.3f}–{max(ts):.3f})  "
                f"{med / floor:5.1f}× floor"
            )


if __name__ == "__main__":
    main()

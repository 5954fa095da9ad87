"""Foundation benchmark: open, tag frequencies and a bulk edit at 10,000 images.

    python bench/bench_foundation.py [--n 10000]

Prints the figures recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen_dataset import generate  # noqa: E402
from lorapan.core import edits  # noqa: E402
from lorapan.core.dataset import Dataset  # noqa: E402


def timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    print(f"{label:<42} {dt * 1000:9.1f} ms")
    return out, dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.n)
        print(f"{args.n} images with captions")
        ds, _ = timed("open (walk, pair, read captions, index)", lambda: Dataset.open(root))
        timed("open again (warm page cache)", lambda: Dataset.open(root))
        timed("tag frequencies", ds.index.frequencies)
        timed("query 'solo AND NOT smile'", lambda: ds.select("solo AND NOT smile"))
        current = {r: it.tags for r, it in ds.items.items()}
        changes, _ = timed(
            "plan: add a tag to every caption",
            lambda: edits.plan(current, ds.items, lambda t: edits.add_tag(t, "bench tag")),
        )
        res, _ = timed(
            "apply (journal + atomic write + fsync each)",
            lambda: ds.apply_changes(changes, "bench"),
        )
        assert len(res.applied) == args.n
        timed("undo the bulk edit", ds.undo)
        one = next(iter(ds.items))
        timed(
            "one single-tag edit (journaled)",
            lambda: ds.apply_changes(
                edits.plan(current, [one], lambda t: edits.add_tag(t, "x")), "one"
            ),
        )


if __name__ == "__main__":
    main()

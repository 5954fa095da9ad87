"""Whole-process bulk edit against its floor, side by side in one run.

    python bench/bench_edit_cli.py [--n 10000] [--rounds 3] [--root DIR] [--profile OUT]

What a user waits for: ``lorapan edit DIR --add TAG`` as a real process (start-up,
opening the dataset, planning, journal, writing every caption, the text report
written to a file), and the same with ``--json``. The floor, run as a process
right before each lorapan run on the same files: an atomic rewrite of every
caption the way the journal does it (a temp file beside each caption, one
``os.sync()``, ``os.replace`` each, one fsync per folder), with nothing else.
The goal (issue 17) is lorapan ≤ 1.5× the floor.

Each lorapan run starts from an empty journal (``.lorapan/journal`` is removed
before it), as a user's first bulk edit does; ``--keep-journal`` keeps the
history instead. Every process runs under ``--timeout`` seconds: a run that does
not finish fails the benchmark. ``--profile OUT`` also runs one text edit under
cProfile and prints where its time goes.
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
from gen_dataset import generate  # noqa: E402

FLOOR = r"""
import os, sys, tempfile
root, tag = sys.argv[1], sys.argv[2].encode()
paths = [
    os.path.join(d, f)
    for d, _, files in os.walk(root)
    if ".lorapan" not in d
    for f in files
    if f.endswith(".txt")
]
staged = []
for path in paths:
    with open(path, "rb") as fh:
        data = fh.read()
    fd, tmp = tempfile.mkstemp(prefix=".floor-", dir=os.path.dirname(path))
    with os.fdopen(fd, "wb") as fh:
        fh.write(data.rstrip(b"\n") + b", " + tag + b"\n")
    staged.append((tmp, path))
os.sync()
for tmp, path in staged:
    os.replace(tmp, path)
for folder in {os.path.dirname(p) for p in paths}:
    fd = os.open(folder, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
print(len(paths))
"""

# Where a bulk edit's time goes, as cProfile names it (cumulative seconds).
PHASES = [
    ("whole command", "cli/main.py", "main"),
    ("open the dataset (walk, read, index)", "core/dataset/dataset.py", "open"),
    ("plan the edit", "core/edits.py", "plan"),
    ("format the new captions", "core/dataset/changes.py", "plan_writes"),
    ("journal: record the transaction", "core/journal.py", "begin"),
    ("journal: read + hash each caption", "core/journal.py", "_current"),
    ("journal: write temp files", "core/journal.py", "_stage"),
    ("journal: one os.sync", "core/journal.py", "_make_durable"),
    ("journal: os.replace each", "core/journal.py", "_swap"),
    ("journal: save state, discard redo", "core/journal.py", "save"),
    ("dataset: re-read each written caption", "core/dataset/refresh.py", "reload_item"),
    ("text report", "cli/commands/edit.py", "_report"),
]


def run(cmd: list[str], timeout: float, out: Path) -> float:
    """Seconds ``cmd`` took as a process; fails the benchmark on error or timeout."""
    t0 = time.perf_counter()
    try:
        with out.open("wb") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"FAILED: {' '.join(cmd[:4])} … did not finish in {timeout} s") from None
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(cmd)}: exit {proc.returncode}\n{proc.stderr.decode()}")
    return dt


def lorapan(*args: str) -> list[str]:
    return [sys.executable, "-m", "lorapan", *args]


def fresh_journal(root: Path, keep: bool) -> None:
    if not keep:
        shutil.rmtree(root / ".lorapan" / "journal", ignore_errors=True)


def profile(root: Path, out: Path, timeout: float) -> None:
    import pstats

    fresh_journal(root, keep=False)
    run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "lorapan"]
        + ["edit", str(root), "--add", "bench profiled"],
        timeout,
        out.with_suffix(".txt"),
    )
    stats = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    print("\nwhere one text edit's time goes (cProfile, cumulative; profiling adds overhead):")
    for label, file, func in PHASES:
        total = sum(
            v[3] for (f, _line, name), v in stats.items() if f.endswith(file) and name == func
        )
        print(f"  {label:<40} {total:7.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--root", type=Path, help="dataset to use (generated there when missing)")
    ap.add_argument("--keep-journal", action="store_true")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per process")
    ap.add_argument("--profile", type=Path, help="also profile one edit into this .prof file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.root or Path(tmp) / "ds"
        if not (root / "10_bench").is_dir():
            generate(root, args.n)
        print(f"{args.n} captions in {root}; {args.rounds} rounds, each floor then lorapan")
        ratios: dict[str, list[float]] = {"text": [], "json": []}
        times: dict[str, list[float]] = {"floor": [], "text": [], "json": []}
        sink = Path(tmp) / "out"
        for r in range(args.rounds):
            for mode in ("text", "json"):
                floor = run(
                    [sys.executable, "-c", FLOOR, str(root), f"floor{r}{mode}"], args.timeout, sink
                )
                fresh_journal(root, args.keep_journal)
                extra = ["--json"] if mode == "json" else []
                cmd = lorapan("edit", str(root), "--add", f"bench {r} {mode}", *extra)
                took = run(cmd, args.timeout, sink)
                times["floor"].append(floor)
                times[mode].append(took)
                ratios[mode].append(took / floor)
                print(
                    f"round {r + 1} {mode:<4}  floor {floor:6.2f} s  lorapan {took:6.2f} s"
                    f"  ratio {took / floor:4.2f}×"
                )
        for mode in ("text", "json"):
            med = statistics.median(ratios[mode])
            verdict = "met" if med <= 1.5 else "NOT met"
            print(
                f"{mode:<4} median {statistics.median(times[mode]):6.2f} s, floor median "
                f"{statistics.median(times['floor']):6.2f} s, ratio median {med:4.2f}× "
                f"(goal ≤ 1.5×: {verdict})"
            )
        if args.profile:
            profile(root, args.profile, args.timeout)


if __name__ == "__main__":
    main()

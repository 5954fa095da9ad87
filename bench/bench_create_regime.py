"""Why the bulk-edit floor swings: the kernel's cost of creating a file, run by run.

    python bench/bench_create_regime.py [--dir DIR] [--n 10000] [--cycles 3] [--waits 0 5]

An atomic rewrite creates a temp file per caption and replaces the caption with it,
which frees the old file's inode. This script does exactly that cycle ``--n`` files at
a time in ``--dir`` (default: a new folder in the system temp dir; give a dataset's
folder to test its disk), waiting ``--waits`` seconds (after an ``os.sync()``) before
each cycle, and prints how long the creates and the replaces took, in wall and CPU
seconds. Nothing else runs, so every swing is the file system's.

On the development machine (ext4 without a journal, kernel 6.18) a cycle's 10,000
creates take 0.05–0.3 s or 0.7–1.6 s: the slow cycles spend their kernel time in
ext4's ``recently_deleted`` scan for a free inode (``perf record -g`` on this script
shows it), and they follow a pause of a few seconds more often than not. That is
the floor's swing in ``bench_edit_cli.py``, and it falls on the floor and on lorapan
alike: both create the same 10,000 files. Every cycle is a bounded loop; files are
removed at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cycle(folder: Path, targets: list[str], tag: str) -> tuple[float, float, float]:
    """Create a temp file per target, sync, replace each target: (create s, cpu, replace s)."""
    temps = [os.path.join(folder, f".lorapan-regime-{tag}-{i}") for i in range(len(targets))]
    cpu0, t0 = _cpu(), time.perf_counter()
    for tmp in temps:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, b"a caption, of tags\n")
        os.close(fd)
    created, cpu = time.perf_counter() - t0, _cpu() - cpu0
    os.sync()
    t0 = time.perf_counter()
    for tmp, target in zip(temps, targets, strict=True):
        os.replace(tmp, target)
    return created, cpu, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--dir", type=Path, help="folder to create the files in")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--cycles", type=int, default=3, help="cycles per wait")
    ap.add_argument("--waits", type=float, nargs="+", default=[0.0, 5.0])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) if args.dir is None else args.dir
        targets = [os.path.join(folder, f".lorapan-regime-target-{i}") for i in range(args.n)]
        try:
            for path in targets:
                with open(path, "wb") as fh:
                    fh.write(b"a caption\n")
            cycle(folder, targets, "warm")
            print(f"{args.n} files in {folder}: create each, os.sync(), replace each")
            for k in range(args.cycles):
                for wait in args.waits:
                    os.sync()
                    time.sleep(wait)
                    created, cpu, replaced = cycle(folder, targets, f"{k}-{wait:g}")
                    print(
                        f"after {wait:4.1f} s quiet: create {created:5.2f} s (cpu {cpu:4.2f}, "
                        f"{created / args.n * 1e6:5.1f} µs a file)   replace {replaced:5.2f} s"
                    )
        finally:
            for path in targets:
                if os.path.exists(path):
                    os.unlink(path)


if __name__ == "__main__":
    main()

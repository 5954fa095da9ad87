"""Fault-injection sweep: kill -9 lorapan writers at random moments, check nothing is lost.

    python bench/fault_sweep.py [--rounds 60] [--n 300] [--seed 1]

Each round copies a dataset of ``--n`` captions, starts a real ``lorapan`` writer
(an edit, an undo of one, a set-aside of every image, or a recovery of an edit
killed before), and SIGKILLs it after a random delay within the time it takes.
Then it checks, every wait bounded:

1. every file is its old or its new bytes, at its old or its new place, never torn,
   never both or neither;
2. ``lorapan recover --finish`` or ``--rollback`` (chosen at random) leaves every
   file all-old or all-new;
3. undo (after a finish) brings back the dataset byte for byte.

Prints how many kills landed before, during and after the writing, and any
failure. The figures are quoted in docs/safety.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen_dataset import generate  # noqa: E402

LORAPAN = [sys.executable, "-m", "lorapan"]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file but lorapan's journal, lock and staged temp files, by relative path."""
    out = {}
    for p in root.rglob("*"):
        rel = p.relative_to(root).as_posix()
        if p.name.startswith(".lorapan-tmp-"):
            continue  # a killed writer's staged copy: recover removes it
        if p.is_file() and not rel.startswith((".lorapan/journal", ".lorapan/lock")):
            out[rel] = p.read_bytes()
    return out


def lorapan(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([*LORAPAN, *map(str, args)], capture_output=True, timeout=600)


def kill_after(args: list[object], delay: float) -> int:
    proc = subprocess.Popen(
        [*LORAPAN, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        return proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=60)
        return -9


def timed(args: list[object]) -> float:
    t0 = time.perf_counter()
    assert lorapan(*args).returncode == 0
    return time.perf_counter() - t0


def classify(now: dict, old: dict, new: dict) -> str:
    """'old', 'new', 'mixed' (each file one or the other) or a failure message."""
    seen = set()
    for rel in set(old) | set(new) | set(now):
        here = now.get(rel)
        if here == old.get(rel) and here == new.get(rel):
            continue
        if here == old.get(rel):
            seen.add("old")
        elif here == new.get(rel):
            seen.add("new")
        else:
            return f"FAIL: {rel} is neither old nor new"
    return "mixed" if len(seen) > 1 else (seen.pop() if seen else "old")


def one_round(rng: random.Random, base: Path, work: Path, durations: dict) -> tuple[str, str]:
    root = work / "ds"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(base, root)
    original = snapshot(root)
    op = rng.choice(["edit", "undo", "set-aside", "recover"])
    if op == "undo":
        assert lorapan("edit", root, "--add", "first").returncode == 0
    old = snapshot(root)
    if op == "set-aside":
        images = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.png"))
        args: list[object] = ["set-aside", root, *images]
    elif op == "recover":
        kill_after(["edit", root, "--add", "new"], rng.uniform(0, durations["edit"]))
        args = ["recover", root, "--finish"]
    else:
        args = ["edit", root, "--add", "new"] if op == "edit" else ["undo", root]
    # What the op leaves when nothing stops it, from a twin copy.
    twin = work / "twin"
    shutil.copytree(root, twin)
    assert lorapan(*[twin if a == root else a for a in args]).returncode == 0
    new = snapshot(twin)
    if op == "recover":  # the killed edit may have been finished or not at all
        old = snapshot(root)
    delay = rng.uniform(0, durations[op])
    code = kill_after(args, delay)
    now = snapshot(root)
    landed = classify(now, old, new)
    if landed.startswith("FAIL"):
        return op, landed
    if len(now) != len(old):
        return op, "FAIL: a file is at both places or at neither"
    how = rng.choice(["--finish", "--rollback"])
    res = lorapan("recover", root, how)
    if res.returncode != 0:
        return op, f"FAIL: recover {how}: {res.stderr.decode()}"
    if [p for p in root.rglob(".lorapan-tmp-*") if ".lorapan/" not in p.as_posix()]:
        return op, "FAIL: temp files left after recover"
    now = snapshot(root)
    # A rolled-back recovery of a killed edit goes back to before that edit.
    if op == "recover" and now in (original, new):
        after = "old" if now == original else "new"
    else:
        after = classify(now, old, new)
    if after not in ("old", "new"):
        return op, f"FAIL: after recover {how} the files are {after}"
    # Back to the very start: undo whatever the journal holds, byte for byte.
    for _ in range(3):
        if lorapan("undo", root).returncode != 0:
            return op, "FAIL: undo"
    if snapshot(root) != original:
        return op, "FAIL: undo did not restore every byte"
    return op, f"{'exited' if code != -9 else 'killed'} {landed}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=60)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        generate(base, args.n)
        probe = Path(tmp) / "probe"
        shutil.copytree(base, probe)
        durations = {"edit": timed(["edit", probe, "--add", "x"]), "undo": timed(["undo", probe])}
        images = sorted(p.relative_to(probe).as_posix() for p in probe.rglob("*.png"))
        durations["set-aside"] = timed(["set-aside", probe, *images])
        durations["recover"] = durations["edit"]
        print("op durations (s):", {k: round(v, 2) for k, v in durations.items()})
        tally: dict[str, int] = {}
        failures = []
        for i in range(args.rounds):
            op, outcome = one_round(rng, base, Path(tmp) / "work", durations)
            tally[f"{op}: {outcome}"] = tally.get(f"{op}: {outcome}", 0) + 1
            if outcome.startswith("FAIL"):
                failures.append((i, op, outcome))
        for key, count in sorted(tally.items()):
            print(f"{count:4d}  {key}")
        print(f"{args.rounds} rounds, {len(failures)} failures")
        for f in failures:
            print("  ", f)


if __name__ == "__main__":
    main()

"""`lorapan runs PATH`: the dataset's training runs, newest last."""

from __future__ import annotations

import argparse
from pathlib import Path

from lorapan.core.commands_hint import hint
from lorapan.support import EXIT_OK, fail, print_json

NAME = "runs"
ORDER = 61
HELP = "list training runs: how they ended, or where a live one is (read from its log)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME,
        help=HELP,
        description=HELP,
        epilog="examples:\n  lorapan runs ~/data/goblin\n  lorapan runs ~/data/goblin --json\n"
        "  lorapan runs ~/data/goblin latest     checkpoints, samples, final model\n"
        "  lorapan runs ~/data/goblin --watch     re-attach after a dropped SSH session",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument(
        "run",
        nargs="?",
        help="one run (id, prefix or latest): its checkpoints, samples and final model",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--watch",
        action="store_true",
        help="re-attach to the newest running run with a progress bar (Ctrl-C detaches)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lorapan.core.training.runs import list_runs
    from lorapan.core.training.textview import run_row

    root = Path(args.path).expanduser()
    if not root.is_dir():
        return fail(f"{args.path} is not a folder")
    runs = list_runs(root)
    if args.run:
        return _one(args, root)
    if args.watch:
        from lorapan.commands.train import watch

        active = [r for r in runs if r.active]
        if not active:
            print("no run is active; lorapan logs PATH RUN shows a finished run's log")
            return EXIT_OK
        print(f"re-attached to run {active[-1].id} (Ctrl-C detaches; the run goes on)")
        return watch(active[-1])
    rows = [run_row(r) for r in runs]
    if args.json:
        print_json(rows)
        return EXIT_OK
    if not rows:
        print(f"no training runs yet; start one with: {hint('train', args.path)}")
        return EXIT_OK
    for r in rows:
        steps = f"{r['step'] or 0}/{r['total'] or '?'}"
        loss = f"loss {r['loss']:.4g}" if isinstance(r["loss"], float) else ""
        print(f"{r['id']}  {r['status']:<9} {steps:>11}  {loss}  {r['preset'] or ''}")
        for reason in r["reasons"][:2]:
            print(f"    {reason}")
        if r["note"]:
            print(f"    {r['note']}")
        if r["status"] in ("starting", "running", "stopping"):
            print(
                f"    re-attach: {hint('runs', args.path, '--watch')}  |  "
                f"{hint('logs', args.path, r['id'], '-f')}"
            )
    return EXIT_OK


def _one(args: argparse.Namespace, root: Path) -> int:
    """One run in full: how it went, every checkpoint with its samples, the final model."""
    from lorapan.core.training.checkpoints import checkpoints, find_checkpoint, table
    from lorapan.core.training.resume import saved_states
    from lorapan.core.training.runs import RunError, find_run
    from lorapan.core.training.textview import run_row

    try:
        run = find_run(root, args.run)
    except RunError as exc:
        return fail(str(exc), hint("runs", args.path))
    found = checkpoints(run)
    final = find_checkpoint([c for c in found if c.final], None)
    states = saved_states(run)
    if args.json:
        row = run_row(run)
        row["checkpoints"] = [
            {
                "step": c.step,
                "final": c.final,
                "path": str(c.path),
                "bytes": c.size,
                "mtime": c.mtime,
                "samples": [str(s) for s in c.samples],
            }
            for c in found
        ]
        row["final_model"] = str(final.path) if final else None
        row["saved_states"] = [{"step": s.step, "folder": str(s.folder)} for s in states]
        print_json(row)
        return EXIT_OK
    row = run_row(run)
    print(
        f"run {run.id}: {run.status}  step {row['step'] or 0}/{row['total'] or '?'}  {row['preset'] or ''}"
    )
    for reason in row["reasons"]:
        print(f"  {reason}")
    for attempt in run.state.get("attempts", []):
        print(f"  earlier attempt: {attempt.get('status')} at step {attempt.get('step')}")
    print(f"log: {run.log}")
    print(f"\ncheckpoints ({len(found)}):" if found else "\nno checkpoint on disk yet")
    for line, c in zip(table(found), found, strict=True):
        print(f"  {line}")
        if c.samples:
            print("      samples: " + "  ".join(p.name for p in c.samples))
    print(f"\nfinal model: {final.path}" if final else "\nfinal model: not written")
    if states and run.status in ("stopped", "failed", "lost"):
        print(
            f"resume: {hint('train', args.path, '--resume', run.id)}  (from step {states[-1].step})"
        )
    if found:
        print(f"export: {hint('export', args.path, run.id)} DEST [--checkpoint STEP]")
    return EXIT_OK

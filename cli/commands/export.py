"""`lorapan export PATH RUN DEST`: copy a run's model out with its metadata sidecar."""

from __future__ import annotations

import argparse
from pathlib import Path

from lorapan.core.commands_hint import hint
from lorapan.support import EXIT_FINDINGS, EXIT_OK, fail, print_json

NAME = "export"
ORDER = 64
HELP = "copy a run's final model (or a checkpoint) with a metadata sidecar, for upload"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME,
        help=HELP,
        description=HELP + ". The sidecar <model>.json holds the trigger, the base model "
        "family, the dataset, preset, steps, tags used and the file's SHA-256. DEST is a "
        "folder when it is one or ends with / (a missing one is made when its parent "
        "exists); otherwise the model's file name, whose folder must exist.",
        epilog="examples:\n  lorapan export ~/data/goblin latest ~/loras/\n"
        "  lorapan export ~/data/goblin 20261127-001500 ~/loras/goblin-v1.safetensors "
        "--checkpoint 560\n"
        "  lorapan export ~/data/goblin/.lorapan/runs/20261127-001500 ~/loras/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "where",
        nargs="+",
        metavar="PATH RUN DEST",
        help="the dataset folder, the run (id, prefix or latest) and where to copy to; "
        "or a run folder and DEST",
    )
    p.add_argument("--checkpoint", type=int, metavar="STEP", help="the checkpoint saved at STEP")
    p.add_argument("--force", action="store_true", help="replace files that exist")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def _find(where: list[str]):
    from lorapan.core.training.runs import RunError, find_run, load_run

    if len(where) == 2 and (Path(where[0]).expanduser() / "command.json").is_file():
        return load_run(Path(where[0]).expanduser()), where[1]  # str: a trailing / counts
    if len(where) != 3:
        raise RunError("give PATH RUN DEST (the dataset, the run, where to copy to)")
    root = Path(where[0]).expanduser()
    if not root.is_dir():
        raise RunError(f"{where[0]} is not a folder")
    return find_run(root, where[1]), where[2]


def run(args: argparse.Namespace) -> int:
    from lorapan.core.training.checkpoints import checkpoints, find_checkpoint
    from lorapan.core.training.export import export
    from lorapan.core.training.runs import RunError

    try:
        info, dest = _find(args.where)
    except RunError as exc:
        return fail(str(exc), "lorapan export --help")
    found = checkpoints(info)
    ckpt = find_checkpoint(found, args.checkpoint)
    if ckpt is None:
        steps = ", ".join(str(c.step) for c in found if not c.final) or "none"
        what = f"no checkpoint at step {args.checkpoint}" if args.checkpoint else "no final model"
        return fail(
            f"run {info.id}: {what} (checkpoints at steps: {steps})",
            hint("runs", args.where[0], info.id),
            code=EXIT_FINDINGS,
        )
    try:
        model, sidecar = export(info, ckpt, dest, force=args.force)
    except (RunError, OSError) as exc:
        return fail(f"cannot export: {exc}")
    if args.json:
        print_json(
            {"run": info.id, "model": str(model), "sidecar": str(sidecar), "step": ckpt.step}
        )
    else:
        print(f"exported {ckpt.label} of run {info.id}: {model}")
        print(f"  metadata: {sidecar}")
    return EXIT_OK

"""`lorapan train PATH`: kohya dataset TOML + exact command, pre-flight, detached start."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from lorapan.core.commands_hint import hint
from lorapan.core.settings import SettingsError
from lorapan.support import (
    EXIT_BUSY,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    command_parser,
    fail,
    print_json,
)

if TYPE_CHECKING:  # the engines load when the command runs, not for every --help
    from lorapan.core.training.runs import RunBusy
    from lorapan.core.workflows.training_start import StartOutcome, StartRequest

NAME = "train"
ORDER = 60
HELP = "train a LoRA with kohya sd-scripts (detached; survives a dropped SSH session)"

EPILOG = """\
examples:
  lorapan train ~/data/goblin --dry-run              the dataset TOML and exact command
  lorapan train ~/data/goblin --check                sd-scripts itself checks the run (no start)
  lorapan train ~/data/goblin --dry-run --json       {"dataset_config": ..., "argv": [...]}
  lorapan train ~/data/goblin --set targetSteps=600 --set resolution=512
  lorapan train ~/data/goblin --civitai params.json  the guide's JSON ("THIS WILL DIFFER" = compute)
  lorapan train ~/data/goblin --watch                start and show progress (Ctrl-C detaches)
  lorapan train ~/data/goblin --resume latest        continue a stopped run from its saved state

settings ([training] in lorapan.toml or $LORAPAN_CONFIG_DIR/config.toml; --set works too):
  where:     sd_scripts, python, launcher (accelerate|python), accelerate, base_model,
             model_family (sd15|sdxl), output_dir (unset: the run's own folder),
             output_name, extra_args
  offline:   tokenizer_cache_dir (the CLIP tokenizer files, for machines without hub
             access), offline (true: HF_HUB_OFFLINE=1 for the trainer)
  saving:    save_every_n_steps (auto = a quarter of the run | N | off), save_state
             (true: the trainer state lorapan train --resume continues from),
             mixed_precision, save_precision
  sampling:  sample_every_n_steps (auto = at each checkpoint | N | off),
             sample_sampler, prompt_count, seed; tensorboard (true: the logged lr)
  buckets:   min_bucket_reso, max_bucket_reso, bucket_reso_steps (0 = from resolution)
  captions:  max_token_length (150 | 225: CLIP tokens read of a caption, 75 unset),
             enable_wildcard (true: each caption line a caption of its own)
  GPUs:      num_processes (in all), multi_gpu, gpu_ids, num_machines, machine_rank,
             main_process_ip, main_process_port (accelerate launch's own options)
Civitai keys (targetSteps, unetLR, networkDim, ...) override the preset. Every value
is checked for its type and range (numRepeats: 1 or more, compute or folder;
targetSteps: 0 or more; ...): one that is not allowed stops with exit 2, the key and
what it takes.

where the model goes: each run writes its model, checkpoints and samples into its own
  folder, DIR/.lorapan/runs/<id>/output, unless output_dir is set; runs sharing an
  output_dir get output names of their own (gob, then gob-2 ...) so none writes over
  another's, and the plan says so.
one run of a dataset at a time: a start (or --resume) while another run is live is
  refused with exit 3; lorapan stop it, or follow it with lorapan runs DIR --watch.
exit status: 0 started (or a clean --dry-run/--check; under --watch, succeeded),
  1 not started: pre-flight errors (under --watch: the run did not succeed),
  2 usage error or a value not allowed, 3 another run of the dataset is live.
  Under --json a refused start prints {"started": false, "errors": [...], "next": ...}.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description=HELP,
        epilog=EPILOG,
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument("--preset", help="characters or concepts (default: from the dataset kind)")
    p.add_argument("--civitai", metavar="FILE", help="Civitai trainer params JSON to import")
    p.add_argument(
        "--export-civitai", metavar="FILE", help="write the params JSON with numRepeats filled in"
    )
    p.add_argument("--sdxl", action="store_true", help="train SDXL (sdxl_train_network.py)")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a preset value or setting for this run (repeatable)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print the TOML and command; start nothing"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="ask sd-scripts itself (its parser, checks and dataset build, no model load); "
        "start nothing",
    )
    p.add_argument(
        "--resume",
        metavar="RUN",
        help="continue a stopped, failed or interrupted run (id, prefix or latest) from the "
        "trainer state it saved last; the step count goes on",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--watch", action="store_true", help="show progress until the run ends")
    p.add_argument("--force", action="store_true", help="start despite error-level findings")
    p.set_defaults(func=run)


def _user_training() -> dict:
    """The user config's [training], its problems (if any) printed as warnings first."""
    from lorapan.core.user_config import load_user_config

    config = load_user_config()
    for problem in config.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return config.table("training")


def _request(args: argparse.Namespace) -> StartRequest:
    """The user's choices; raises PresetError for a bad --civitai file or --set item."""
    from lorapan.core.training import presets as P
    from lorapan.core.workflows.training_start import StartRequest

    civitai = None
    if args.civitai:
        text = Path(args.civitai).expanduser().read_text(encoding="utf-8", errors="replace")
        civitai = P.parse_civitai(text, Path(args.civitai).name)
    return StartRequest(
        Path(args.path).expanduser(),
        preset=args.preset,
        civitai=civitai,
        sdxl=True if args.sdxl else None,
        overrides=dict(P.parse_override(item) for item in args.sets),
        force=args.force,
        user_training=_user_training(),
    )


def _summary(plan) -> dict:
    st = plan.steps
    return {
        "images": st.images,
        "num_repeats": plan.num_repeats,
        "images_with_repeats": st.images_with_repeats,
        "steps_per_epoch": st.steps_per_epoch,
        "epochs": st.epochs,
        "total_steps": st.total_steps,
        "civitai_formula_steps": st.civitai_steps,
        "batches_per_epoch": st.batches_per_epoch,
        "reg_images": st.reg_images,
        "reg_images_with_repeats": st.reg_with_repeats,
    }


def run(args: argparse.Namespace) -> int:
    from lorapan.core.training.presets import PresetError
    from lorapan.core.training.runs import RunBusy, RunError
    from lorapan.core.workflows.training_start import start_training

    if not Path(args.path).expanduser().is_dir():
        return _refused(args, f"{args.path} is not a folder", "give the dataset folder")
    if args.check:
        return _check_only(args)
    if args.resume:
        return _resume(args)
    try:
        outcome = start_training(
            _request(args), dry_run=args.dry_run, on_checked=lambda o: _checked(args, o)
        )
    except RunBusy as exc:
        return _busy(args, exc)
    except RunError as exc:
        return _refused(args, f"cannot start the run: {exc}")
    except (PresetError, SettingsError, OSError) as exc:
        return _refused(args, str(exc), "see lorapan train --help for keys and presets")
    if args.dry_run:
        return _dry_run(args, outcome.plan, outcome.checks, outcome.errors)
    if outcome.run is None:
        return _not_started(args, outcome)
    return _started(args, outcome.plan, outcome.run)


def _refused(
    args: argparse.Namespace,
    message: str,
    next_step: str | None = None,
    code: int = EXIT_USAGE,
    **extra: object,
) -> int:
    """Nothing was started: say why on stderr and, under --json, as an object on stdout
    (a script reading stdout sees the refusal, not nothing)."""
    if args.json:
        key = "resumed" if getattr(args, "resume", None) else "started"
        errors = [{"level": "error", "message": message, "hint": next_step or ""}]
        print_json({key: False, "errors": errors, "next": next_step, **extra})
    return fail(message, next_step, code)


def _busy(args: argparse.Namespace, exc: RunBusy) -> int:
    """Another run of the dataset is live: exit 3, naming it and the ways on."""
    run = exc.run
    next_step = (
        f"stop it: `{hint('stop', args.path, run.id)}`; or follow it to its end: "
        f"`{hint('runs', args.path, '--watch')}`"
    )
    busy = {"run": run.id, "status": run.status, "log": str(run.log)}
    return _refused(args, f"not started: {exc}", next_step, EXIT_BUSY, busy=busy)


def _not_started(args: argparse.Namespace, outcome: StartOutcome) -> int:
    """The pre-flight checks refused the start (they were printed before this)."""
    errors = outcome.errors
    n = len(errors)
    print(f"lorapan: not started: {n} pre-flight error{'s' if n != 1 else ''}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "started": False,
                "errors": [_check_json(c) for c in errors],
                "next": next((c.hint for c in errors if c.hint), None)
                or hint("train", args.path, "--check"),
                "checks": [_check_json(c) for c in outcome.checks],
                "steps": _summary(outcome.plan),
            }
        )
    return EXIT_FINDINGS


def _resume(args: argparse.Namespace) -> int:
    from lorapan.core.training.resume import epoch_warning, resume_run
    from lorapan.core.training.runs import RunBusy, RunError, find_run

    root = Path(args.path).expanduser()
    try:
        run, state = resume_run(find_run(root, args.resume))
    except RunBusy as exc:
        return _busy(args, exc)
    except RunError as exc:
        return _refused(args, f"cannot resume: {exc}", hint("runs", args.path))
    total = run.command.get("total_steps")
    if args.json and not args.watch:
        print_json(
            {
                "resumed": True,
                "run": run.id,
                "status": run.status,
                "from_step": state.step,
                "total": total,
            }
        )
        return EXIT_OK
    print(f"resumed run {run.id} from step {state.step} of {total} ({state.folder.name})")
    if warning := epoch_warning(run, state.step):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"  follow: {hint('logs', args.path, run.id, '--follow')}")
    return watch(run) if args.watch else EXIT_OK


def _check_only(args: argparse.Namespace) -> int:
    from lorapan.core.training.presets import PresetError
    from lorapan.core.workflows.training_start import check_only

    try:
        outcome = check_only(_request(args))
    except (PresetError, SettingsError, OSError) as exc:
        return _refused(args, str(exc), "see lorapan train --help for keys and presets")
    if args.json:
        print_json(
            {"checks": [_check_json(c) for c in outcome.checks], "steps": _summary(outcome.plan)}
        )
    else:
        for c in outcome.checks:
            print(f"{c.level}: {c.message}" + (f"\n  next: {c.hint}" if c.hint else ""))
    return EXIT_FINDINGS if outcome.errors else EXIT_OK


def _check_json(c) -> dict:
    return {"level": c.level, "message": c.message, "hint": c.hint}


def _checked(args: argparse.Namespace, outcome: StartOutcome) -> None:
    """Before anything starts: write --export-civitai, and (unless a dry run) show the checks."""
    plan = outcome.plan
    if args.export_civitai:
        from lorapan.core.safe_write import atomic_write
        from lorapan.core.training.preflight import civitai_repeats
        from lorapan.core.training.presets import export_civitai

        repeats = civitai_repeats(plan)
        text = export_civitai(plan.params, repeats)
        atomic_write(Path(args.export_civitai).expanduser(), text.encode("utf-8"))
        if len(set(plan.num_repeats)) > 1:
            shown = "/".join(map(str, plan.num_repeats))
            print(
                f"warning: the folders train with repeats {shown}; Civitai's trainer takes "
                f"one numRepeats for all, so {args.export_civitai} has {repeats} (as many "
                "images trained in all, without the per-folder balance)",
                file=sys.stderr,
            )
    if args.dry_run:
        return  # the dry run prints them with the plan
    for c in outcome.checks:
        if c.level != "info" or not args.json:
            print(
                f"{c.level}: {c.message}" + (f"\n  next: {c.hint}" if c.hint else ""),
                file=sys.stderr,
            )


def _dry_run(args, plan, checks, errors) -> int:
    if args.json:
        print_json(
            {
                "dataset_config": plan.dataset_toml,
                "argv": plan.argv,
                "preset": plan.preset,
                "sdxl": plan.sdxl,
                "steps": _summary(plan),
                "prompts": plan.prompts,
                "checks": [_check_json(c) for c in checks],
            }
        )
    else:
        print(f"# preset: {plan.preset} ({'SDXL' if plan.sdxl else 'SD1.5'})")
        print(f"# dataset config ({plan.run_dir / 'dataset.toml'}):")
        print(plan.dataset_toml)
        print("# command:")
        print(shlex.join(plan.argv))
        print("\n# sample prompts:")
        print("\n".join(plan.prompts))
        print()
        for c in checks:
            print(f"{c.level}: {c.message}" + (f"  (next: {c.hint})" if c.hint else ""))
    return EXIT_FINDINGS if errors else EXIT_OK


def _started(args, plan, info) -> int:
    if args.json and not args.watch:
        print_json(
            {
                "started": True,
                "run": info.id,
                "status": info.status,
                "log": str(info.log),
                "final_model": str(plan.final_model),
                "argv": plan.argv,
                "steps": _summary(plan),
            }
        )
        return EXIT_OK
    print(f"started run {info.id} ({info.status}); log: {info.log}")
    print(f"  model:  {plan.final_model} (checkpoints and samples beside it)")
    print(f"  follow: {hint('logs', args.path, info.id, '--follow')}")
    print(f"  stop:   {hint('stop', args.path, info.id)}")
    if args.watch:
        return watch(info)
    return EXIT_OK


def watch(info) -> int:
    """Progress until the run ends; Ctrl-C detaches (the run goes on)."""
    from lorapan.core.training.logparse import LogParser
    from lorapan.core.training.lr import current_lr, lr_text
    from lorapan.core.training.runs import follow, load_run
    from lorapan.core.training.tbevents import EventReader, logging_dir_of
    from lorapan.core.training.textview import progress_line

    prompts = int(info.command.get("prompt_count") or 0)
    parser = LogParser(prompts)
    params = info.command.get("params")
    logs = logging_dir_of(info.command.get("argv") or [])
    events = EventReader(logs) if logs else None
    tty = sys.stdout.isatty()
    last_print = last_events = 0.0
    try:
        for chunk in follow(info):
            parser.feed(chunk)
            prog = parser.progress
            now = time.monotonic()
            if events is not None and now - last_events >= 1.0:
                events.poll()
                last_events = now
            logged = events.lr() if events is not None else None
            lr = lr_text(current_lr(params, prog.step, prog.total, logged), prog.step)
            line = progress_line(prog, lr, prompts)
            if tty:
                sys.stdout.write("\r\x1b[K" + line)
                sys.stdout.flush()
            elif now - last_print > 5:
                print(line, flush=True)
                last_print = now
    except KeyboardInterrupt:
        print(f"\ndetached; run {info.id} goes on (lorapan runs / logs / stop)")
        return EXIT_OK
    parser.flush()
    final = load_run(info.path)
    prog = parser.progress
    if events is not None:
        events.poll()
    logged = events.lr() if events is not None else None
    lr = lr_text(current_lr(params, prog.step, prog.total, logged), prog.step)
    print(("\n" if tty else "") + progress_line(prog, lr))
    print(f"run {final.id}: {final.status}")
    for reason in final.state.get("reasons", []):
        print(f"  {reason}")
    return EXIT_OK if final.status == "succeeded" else EXIT_FINDINGS

"""Run in the *trainer's* Python: sd-scripts' own checks on a run, without loading the model.

    python kohya_probe.py SD_SCRIPTS JOBS.json REPORT.json

``JOBS.json`` is a list of ``{"script": "train_network.py", "args": [...]}``. For each
job this does what ``train_network.py``'s ``train()`` does before it loads the model:
its argument parser (and ``--config_file``), ``verify_training_args``,
``prepare_dataset_args``, the tokenizer (from ``--tokenizer_cache_dir`` or the hub),
the dataset config through the sanitizer, the dataset build with its buckets, and the
trainer's ``assert_extra_args`` (bucket steps; SDXL's own checks); then it reads the
sample prompt file as the sampler would. The report says, per job, the first stage
that failed and its message, or the dataset's image and batch counts.

This file imports nothing from lorapan (the trainer's environment does not have it)
and is started by :mod:`lorapan.core.training.trainer_check`.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import math
import os
import sys
import traceback


def _last_error_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ": error: " in ln]
    return (errors or lines or ["(no message)"])[-1]


class Failed(Exception):
    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage, self.message = stage, message


def _stage(name: str, fn, *args):
    try:
        return fn(*args)
    except SystemExit as exc:  # argparse
        raise Failed(name, str(exc.code)) from None
    except Exception as exc:  # noqa: BLE001 - every trainer error is reported, in its words
        message = f"{type(exc).__name__}: {exc}".strip()
        if type(exc).__name__ == "MultipleInvalid":  # voluptuous, from the config sanitizer
            message = f"invalid dataset config: {exc}"
        raise Failed(name, message) from None


def check(job: dict) -> dict:
    script = job["script"]
    module = importlib.import_module(os.path.splitext(os.path.basename(script))[0])
    from library import config_util, strategy_base, train_util

    trainer_class = module.SdxlNetworkTrainer if "sdxl" in script else module.NetworkTrainer
    for kind in ("TokenizeStrategy", "LatentsCachingStrategy"):  # one process, many jobs
        getattr(strategy_base, kind)._strategy = None
    parser = module.setup_parser()
    parser.prog = os.path.basename(script)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            args = parser.parse_args(job["args"])
    except SystemExit:
        raise Failed("arguments", _last_error_line(err.getvalue())) from None
    args = _stage("arguments", train_util.read_config_from_file, args, parser)
    _stage("arguments", train_util.verify_training_args, args)
    _stage("arguments", train_util.prepare_dataset_args, args, True)
    trainer = trainer_class()
    tokenize = _stage("tokenizer", trainer.get_tokenize_strategy, args)
    strategy_base.TokenizeStrategy.set_strategy(tokenize)
    latents = trainer.get_latents_caching_strategy(args)
    strategy_base.LatentsCachingStrategy.set_strategy(latents)
    if args.dataset_config is None:
        raise Failed("dataset config", "no --dataset_config (lorapan always writes one)")
    sanitizer = config_util.ConfigSanitizer(True, True, args.masked_loss, True)
    blueprints = config_util.BlueprintGenerator(sanitizer)
    user_config = _stage("dataset config", config_util.load_user_config, args.dataset_config)
    blueprint = _stage("dataset config", blueprints.generate, user_config, args)
    train_group, val_group = _stage(
        "dataset", config_util.generate_dataset_group_by_blueprint, blueprint.dataset_group
    )
    if len(train_group) == 0:
        raise Failed("dataset", "No data found (sd-scripts found no images in the image folders)")
    _stage("trainer checks", trainer.assert_extra_args, args, train_group, val_group)
    prompts = 0
    if args.sample_prompts and args.sample_every_n_steps:
        prompts = _stage("sample prompts", _read_prompts, train_util, args.sample_prompts)
    batches = len(train_group)
    steps = args.max_train_steps
    if args.max_train_epochs is not None:  # as train_network.py overrides it (one process)
        steps = args.max_train_epochs * math.ceil(batches / args.gradient_accumulation_steps)
    return {
        "ok": True,
        "images_with_repeats": train_group.num_train_images,
        "reg_images": train_group.num_reg_images,  # with their own repeats, before raising
        "batches_per_epoch": batches,
        "total_steps": steps,
        "prompts": prompts,
    }


def _read_prompts(train_util, path: str) -> int:
    with open(path, encoding="utf-8") as fh:
        lines = [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]
    for line in lines:
        train_util.line_to_prompt_dict(line)
    return len(lines)


def main(argv: list[str]) -> int:
    checkout, jobs_path, report_path = (os.path.abspath(a) for a in argv)
    sys.path.insert(0, checkout)
    os.chdir(checkout)
    with open(jobs_path, encoding="utf-8") as fh:
        jobs = json.load(fh)
    report = []
    for job in jobs:
        try:
            report.append(check(job))
        except Failed as exc:
            report.append({"ok": False, "stage": exc.stage, "error": exc.message})
        except Exception as exc:  # noqa: BLE001 - e.g. sd-scripts itself cannot be imported
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            report.append({"ok": False, "stage": "import", "error": tb})
        with open(report_path, "w", encoding="utf-8") as fh:  # what is known so far
            json.dump(report, fh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The trainer's command line: launcher and script arguments, following kohya.md §2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lorapan.core.training.steps import StepPlan

OPTIMIZER_ARGS = {
    "adafactor": ["scale_parameter=False", "relative_step=False", "warmup_init=False"],
    "adamw8bit": ["weight_decay=0.1"],
    "prodigy": ["weight_decay=0.5", "decouple=True", "betas=0.9,0.99", "use_bias_correction=False"],
}


def fmt(value: float) -> str:
    """A number as an argument: ``0.0001`` stays as it is, ``16.0`` becomes ``16``."""
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def launcher_argv(settings: dict[str, Any], script: Path, run_dir: Path) -> list[str]:
    """``accelerate launch …`` (or plain ``python``) up to and including the script.

    With several processes, local processes other than the first are tee'd by
    torchrun with a ``[defaultN]:`` prefix on each line (``--tee N:3`` per process,
    their files under ``<run>/processes``), so their lines are told apart in the log
    while the first one's progress bar reaches the log live.
    """
    nproc = int(settings["num_processes"])
    machines = max(1, int(settings["num_machines"]))
    if settings["launcher"] == "python" and nproc <= 1:
        return [settings["python"], str(script)]
    argv = [settings["accelerate"], "launch", "--num_cpu_threads_per_process", "1"]
    if nproc > 1 and settings["multi_gpu"]:
        argv.append("--multi_gpu")
    # Always said: an accelerate config file's own process count would otherwise win,
    # and the step plan (which divides by the processes) would be wrong.
    argv += ["--num_processes", str(nproc), "--num_machines", str(machines)]
    if nproc > 1:
        if machines > 1:
            argv += [
                "--machine_rank",
                str(settings["machine_rank"]),
                "--main_process_ip",
                str(settings["main_process_ip"]),
                "--main_process_port",
                str(settings["main_process_port"]),
            ]
        if settings["gpu_ids"]:
            argv += ["--gpu_ids", str(settings["gpu_ids"])]
        local = max(1, nproc // machines)
        if local > 1:
            tee = ",".join(f"{rank}:3" for rank in range(1, local))
            argv += ["--tee", tee, "--log_dir", str(run_dir / "processes")]
    return [*argv, str(script)]


def train_args(
    plan_params: dict[str, Any],
    settings: dict[str, Any],
    run_dir: Path,
    sdxl: bool,
    steps: StepPlan,
    save_every: int | None = None,
    sample_every: int | None = None,
) -> list[str]:
    """The script's arguments, following kohya.md §2 (None: no intermediate saves / samples)."""
    p = plan_params
    opt = str(p.get("optimizerType", "AdamW8bit"))
    unet_lr = float(p.get("unetLR", 1e-4))
    te_lr = float(p.get("textEncoderLR", 0.0))
    sched = str(p.get("lrScheduler", "constant"))
    if opt.lower() == "prodigy":  # Civitai forces these for Prodigy
        unet_lr, te_lr = 1.0, (1.0 if te_lr else 0.0)
        sched = "cosine" if sched == "cosine_with_restarts" else sched
    a = [
        "--pretrained_model_name_or_path",
        settings["base_model"],
        "--dataset_config",
        str(run_dir / "dataset.toml"),
        "--output_dir",
        settings["output_dir"],
        "--output_name",
        settings["output_name"],
        "--save_model_as",
        "safetensors",
        "--network_module",
        "networks.lora",
        "--network_dim",
        str(int(p.get("networkDim", 16))),
        "--network_alpha",
        fmt(p.get("networkAlpha", 1)),
    ]
    if str(p.get("loraType", "lora")).lower() == "locon":
        a += ["--network_args", "conv_dim=4", "conv_alpha=1"]
    a += ["--optimizer_type", opt]
    if opt.lower() in OPTIMIZER_ARGS:
        a += ["--optimizer_args", *OPTIMIZER_ARGS[opt.lower()]]
    a += ["--learning_rate", fmt(unet_lr), "--unet_lr", fmt(unet_lr)]
    a += ["--network_train_unet_only"] if te_lr == 0 else ["--text_encoder_lr", fmt(te_lr)]
    a += ["--lr_scheduler", sched]
    if sched == "cosine_with_restarts":
        a += ["--lr_scheduler_num_cycles", str(int(p.get("lrSchedulerNumCycles", 1)))]
    if float(p.get("minSnrGamma", 0) or 0):
        a += ["--min_snr_gamma", fmt(p["minSnrGamma"])]
    if float(p.get("noiseOffset", 0) or 0):
        a += ["--noise_offset", fmt(p["noiseOffset"])]
    if not sdxl and p.get("clipSkip"):
        a += ["--clip_skip", str(int(p["clipSkip"]))]
    if p.get("targetSteps"):
        a += ["--max_train_steps", str(steps.total_steps)]
    else:
        a += ["--max_train_epochs", str(int(p.get("maxTrainEpochs", 1)))]
    a += [
        "--mixed_precision",
        settings["mixed_precision"],
        "--save_precision",
        settings["save_precision"],
    ]
    if save_every is not None:
        a += ["--save_every_n_steps", str(save_every)]
        if settings["save_state"]:
            a += ["--save_state"]  # what `lorapan train --resume` continues from
    if sample_every is not None:
        a += [
            "--sample_prompts",
            str(run_dir / "prompts.txt"),
            "--sample_every_n_steps",
            str(sample_every),
            "--sample_sampler",
            settings["sample_sampler"],
        ]
    a += ["--console_log_simple"]
    if settings["tokenizer_cache_dir"]:
        a += ["--tokenizer_cache_dir", settings["tokenizer_cache_dir"]]
    if settings["seed"]:
        a += ["--seed", str(settings["seed"])]
    extra = list(settings["extra_args"])
    tokens = int(settings.get("max_token_length") or 0)
    if tokens > 75 and not any(x.startswith("--max_token_length") for x in extra):
        a += ["--max_token_length", str(tokens)]  # captions past 75 CLIP tokens read whole
    if settings["tensorboard"] and not any(x.startswith("--logging_dir") for x in extra):
        a += ["--logging_dir", str(run_dir / "tensorboard")]  # the lr is only logged there
    return a + extra

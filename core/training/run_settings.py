"""Where things are and how a run is launched: the ``[training]`` settings.

Civitai keys (``targetSteps``, ``unetLR``…) are the recipe and live in :mod:`.presets`;
the snake_case keys here say where sd-scripts, the model and the outputs are, how
often to save and sample, and how to launch (one GPU, several, several machines).
They come from the user config's ``[training]`` (read by :mod:`lorapan.core.user_config`,
whose callers hand the table to :func:`~lorapan.core.training.config.build_plan`), the
dataset's ``lorapan.toml`` and ``--set``, lowest first.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lorapan.core.settings import DEFAULT_MODEL_FAMILY
from lorapan.core.training import presets as P
from lorapan.core.training.inputs import TrainInputs

AUTO, OFF = "auto", "off"


class Cadence(str):
    """Every how many steps: ``auto``, ``off`` or a step count (``0`` reads as auto)."""


# key -> (type, default)
SETTING_KEYS: dict[str, tuple[type, Any]] = {
    "preset": (str, ""),
    "sd_scripts": (str, ""),
    "python": (str, ""),
    "launcher": (str, "accelerate"),  # or "python"
    "accelerate": (str, ""),
    "base_model": (str, ""),
    "model_family": (str, DEFAULT_MODEL_FAMILY),  # or "sdxl"
    "output_dir": (str, ""),
    "output_name": (str, ""),
    "extra_args": (list, []),
    "mixed_precision": (str, "fp16"),
    "save_precision": (str, "fp16"),
    # Checkpoints (and the trainer state to resume from) every N steps; auto: a quarter.
    "save_every_n_steps": (Cadence, AUTO),
    "save_state": (bool, True),
    # Sample images every N steps; auto: at each checkpoint; off: none.
    "sample_every_n_steps": (Cadence, AUTO),
    "sample_sampler": (str, "euler_a"),
    "prompt_count": (int, 4),
    "seed": (int, 0),
    "tensorboard": (bool, True),  # --logging_dir <run>/tensorboard: the logged lr
    # Offline machines: the CLIP tokenizer from a folder, and no hub access attempted.
    "tokenizer_cache_dir": (str, ""),
    "offline": (bool, False),
    # Each line of a caption file a caption of its own (sd-scripts picks one per step).
    "enable_wildcard": (bool, False),
    # CLIP tokens of a caption the trainer reads: 0 (sd-scripts' 75), 150 or 225.
    "max_token_length": (int, 0),
    # Buckets: 0 = from the resolution (kohya.md §1, §6).
    "min_bucket_reso": (int, 0),
    "max_bucket_reso": (int, 0),
    "bucket_reso_steps": (int, 0),
    # accelerate's launcher: processes (GPUs) in all, and the machines they are on.
    "num_processes": (int, 1),
    "multi_gpu": (bool, True),  # pass --multi_gpu when num_processes > 1
    "gpu_ids": (str, ""),
    "num_machines": (int, 1),
    "machine_rank": (int, 0),
    "main_process_ip": (str, ""),
    "main_process_port": (int, 0),
}
PATH_KEYS = (
    "output_dir",
    "sd_scripts",
    "python",
    "accelerate",
    "base_model",
    "tokenizer_cache_dir",
)


def _cadence(key: str, value: Any) -> Cadence:
    text = str(value).strip().lower()
    if text in ("auto", "0", ""):
        return Cadence(AUTO)
    if text in ("off", "false", "no", "none", "never"):
        return Cadence(OFF)
    if text.isdigit():
        return Cadence(text)
    raise P.PresetError(f"{key} = {value!r}: give a number of steps, auto or off")


# Settings with a fixed set of values (sd-scripts' and accelerate's own choices).
SETTING_CHOICES: dict[str, tuple[str, ...]] = {
    "launcher": ("accelerate", "python"),
    "model_family": ("sd15", "sdxl"),
    "mixed_precision": ("no", "fp16", "bf16"),
    "save_precision": ("float", "fp16", "bf16"),
    "sample_sampler": (
        "ddim",
        "pndm",
        "lms",
        "euler",
        "euler_a",
        "heun",
        "dpm_2",
        "dpm_2_a",
        "dpmsolver",
        "dpmsolver++",
        "dpmsingle",
        "k_lms",
        "k_euler",
        "k_euler_a",
        "k_dpm_2",
        "k_dpm_2_a",
    ),
}
# Whole-number settings: (lowest, highest, what is allowed); None: no bound.
SETTING_BOUNDS: dict[str, tuple[int, int | None, str]] = {
    "prompt_count": (1, None, "1 or more (sample_every_n_steps=off turns sampling off)"),
    "seed": (0, None, "0 or more (0: none passed)"),
    "min_bucket_reso": (0, None, "pixels, 0 or more (0: from the resolution)"),
    "max_bucket_reso": (0, None, "pixels, 0 or more (0: from the resolution)"),
    "bucket_reso_steps": (0, None, "pixels, 0 or more (0: 64)"),
    "num_processes": (1, None, "1 or more (the processes, one per GPU, on all machines)"),
    "num_machines": (1, None, "1 or more"),
    "machine_rank": (0, None, "0 or more (0: the main machine)"),
    "main_process_port": (0, 65535, "a port, 0 to 65535"),
}


def coerce_setting(key: str, value: Any) -> Any:
    """Type a ``[training]`` setting and check it against what the key allows.

    Raises :class:`~lorapan.core.training.presets.PresetError` naming the key, the
    value and what is allowed.
    """
    kind, _ = SETTING_KEYS[key]
    if kind is Cadence:
        return _cadence(key, value)
    if kind is list:
        return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]
    if kind is bool and not isinstance(value, bool):
        text = str(value).strip().lower()
        if text not in ("true", "1", "yes", "on", "false", "0", "no", "off"):
            raise P.PresetError(f"{key} = {value!r} is not a valid bool (true or false)")
        return text in ("true", "1", "yes", "on")
    if kind is int:
        return _whole(key, value)
    typed = kind(value)
    if key in SETTING_CHOICES and typed not in SETTING_CHOICES[key]:
        raise P.PresetError(f"{key} = {value!r}: give one of {', '.join(SETTING_CHOICES[key])}")
    return typed


def _whole(key: str, value: Any) -> int:
    """An int setting, in its bounds (:data:`SETTING_BOUNDS`)."""
    low, high, allowed = SETTING_BOUNDS.get(key, (None, None, ""))
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        number = float(value) if isinstance(value, str) else value
        if not float(number).is_integer():
            raise ValueError(value)
        typed = int(number)
    except (TypeError, ValueError, OverflowError):
        what = f": give a whole number, {allowed}" if allowed else ": give a whole number"
        raise P.PresetError(f"{key} = {value!r} is not a valid int{what}") from None
    if key == "max_token_length" and typed not in (0, 75, 150, 225):
        raise P.PresetError(f"max_token_length = {value!r}: sd-scripts reads 75, 150 or 225")
    if (low is not None and typed < low) or (high is not None and typed > high):
        raise P.PresetError(f"{key} = {value!r} is out of range: give a whole number, {allowed}")
    return typed


def every(cadence: str, total_steps: int) -> int | None:
    """Steps between saves or samples; None for off. ``auto``: a quarter of the run."""
    if cadence == OFF:
        return None
    if cadence == AUTO:
        return max(1, total_steps // 4)
    return max(1, int(cadence))


@dataclass
class Layer:
    """Civitai params and settings from one source, already typed."""

    params: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


def split_layer(table: dict[str, Any], where: str) -> Layer:
    """Sort a ``[training]`` table or ``--set`` items into params and settings."""
    layer = Layer()
    for key, value in table.items():
        if key in P.PARAM_TYPES:
            layer.params[key] = _typed(P.coerce, key, value, where)
        elif key in SETTING_KEYS:
            layer.settings[key] = _typed(coerce_setting, key, value, where)
        else:
            known = sorted([*P.PARAM_TYPES, *SETTING_KEYS])
            raise P.PresetError(f"{where}: unknown training key {key!r}; known: {', '.join(known)}")
    return layer


def _typed(coerce: Any, key: str, value: Any, where: str) -> Any:
    """``coerce(key, value)``, its error saying where the value came from."""
    try:
        return coerce(key, value)
    except P.PresetError as exc:
        raise P.PresetError(f"{where}: {exc}") from None


def looks_local(model: str) -> bool:
    """A path rather than a Hugging Face repo id such as ``org/model``."""
    return model.startswith(("/", "~", ".")) or model.endswith((".safetensors", ".ckpt"))


COMMAND_KEYS = ("python", "accelerate")


def _anchor(value: str, root: Path, command: bool = False) -> str:
    """Expand ``~``; make a relative path absolute against the dataset root.

    A bare command name (``python3``, ``accelerate``) stays as it is, for PATH lookup.
    """
    path = Path(value).expanduser()
    if path.is_absolute() or (command and "/" not in value and not value.startswith(".")):
        return str(path)
    return str((root / path).resolve())


def resolve_settings(inputs: TrainInputs, layers: list[Layer]) -> dict[str, Any]:
    settings = {k: v for k, (_, v) in SETTING_KEYS.items()}
    for layer in layers:
        settings.update(layer.settings)
    root = inputs.root
    # An unset output_dir stays empty here: the plan gives each run a folder of its own.
    # Relative paths in settings are relative to the dataset folder (the trainer runs elsewhere).
    for key in PATH_KEYS:
        value = settings[key]
        if value and (key != "base_model" or looks_local(value)):
            settings[key] = _anchor(value, root, command=key in COMMAND_KEYS)
    if not settings["output_name"]:
        settings["output_name"] = inputs.settings.name or root.name
    sd = Path(settings["sd_scripts"]).expanduser() if settings["sd_scripts"] else None
    if not settings["python"]:
        venv_py = sd / "venv" / "bin" / "python" if sd else None
        settings["python"] = str(venv_py) if venv_py and venv_py.exists() else sys.executable
    if not settings["accelerate"]:
        sibling = Path(settings["python"]).parent / "accelerate"
        settings["accelerate"] = (
            str(sibling) if sibling.exists() else (shutil.which("accelerate") or "accelerate")
        )
    return settings


def trainer_env(settings: dict[str, Any]) -> dict[str, str]:
    """Environment the trainer needs from the settings (``offline``: no hub access)."""
    if not settings.get("offline"):
        return {}
    return {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def launch_problems(settings: dict[str, Any]) -> list[str]:
    """Launcher settings accelerate would refuse or misread, in lorapan's words."""
    n, machines = int(settings["num_processes"]), int(settings["num_machines"])
    rank, ids = int(settings["machine_rank"]), settings["gpu_ids"]
    problems = []
    if n < 1 or machines < 1:
        problems.append("num_processes and num_machines must be at least 1")
    elif n % machines:
        problems.append(
            f"num_processes = {n} is the total over all machines: it must divide evenly "
            f"by num_machines = {machines}"
        )
    if machines > 1:
        if not settings["main_process_ip"] or not settings["main_process_port"]:
            problems.append(
                "several machines need main_process_ip and main_process_port "
                "(the address of the machine with machine_rank 0)"
            )
        if not 0 <= rank < machines:
            problems.append(f"machine_rank = {rank} must be 0 … {machines - 1}")
    if ids and machines >= 1 and n % machines == 0:
        count = len([x for x in str(ids).split(",") if x.strip()])
        if count != n // machines:
            problems.append(
                f"gpu_ids = {ids!r} names {count} GPU(s) but each machine runs "
                f"{n // machines} process(es)"
            )
    return problems

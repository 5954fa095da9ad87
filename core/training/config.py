"""From preset + settings + dataset to the kohya dataset TOML and the exact argv.

Precedence, lowest first: the preset (chosen, or the one for the dataset's kind),
the user config's ``[training]``, the dataset's ``lorapan.toml`` ``[training]``,
then ``--set`` for one run. Civitai keys (``targetSteps``) tune the recipe; the
snake_case keys below (``sd_scripts``, ``base_model``…) say where things are.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli_w
from lorapan.core.training import presets as P
from lorapan.core.training.inputs import TrainInputs
from lorapan.core.training.kohya_args import launcher_argv, train_args
from lorapan.core.training.steps import (
    BucketSpec,
    FolderSizes,
    StepPlan,
    plan_steps,
    repeats_for_target,
    weighted_repeats_for_target,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Where-things-are settings: key -> (type, default).
SETTING_KEYS: dict[str, tuple[type, Any]] = {
    "preset": (str, ""),
    "sd_scripts": (str, ""),
    "python": (str, ""),
    "launcher": (str, "accelerate"),  # or "python"
    "accelerate": (str, ""),
    "base_model": (str, ""),
    "model_family": (str, "sd15"),  # or "sdxl"
    "output_dir": (str, ""),
    "output_name": (str, ""),
    "num_processes": (int, 1),
    "extra_args": (list, []),
    "mixed_precision": (str, "fp16"),
    "save_precision": (str, "fp16"),
    "sample_every_n_steps": (int, 0),  # 0: a quarter of the run
    "sample_sampler": (str, "euler_a"),
    "seed": (int, 0),
    "prompt_count": (int, 4),
    "tensorboard": (bool, True),  # --logging_dir <run>/tensorboard: the logged lr
}


def user_config_path() -> Path:
    from platformdirs import user_config_dir

    env = os.environ.get("LORAPAN_CONFIG")
    return Path(env) if env else Path(user_config_dir("lorapan")) / "config.toml"


def read_user_training() -> dict[str, Any]:
    path = user_config_path()
    if not path.exists():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise P.PresetError(f"{path}: not valid TOML ({exc})") from None
    table = doc.get("training", {})
    return table if isinstance(table, dict) else {}


def _coerce_setting(key: str, value: Any) -> Any:
    kind, _ = SETTING_KEYS[key]
    if kind is list:
        return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]
    if kind is bool and not isinstance(value, bool):
        text = str(value).strip().lower()
        if text not in ("true", "1", "yes", "on", "false", "0", "no", "off"):
            raise P.PresetError(f"{key} = {value!r} is not a valid bool (true or false)")
        return text in ("true", "1", "yes", "on")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise P.PresetError(f"{key} = {value!r} is not a valid {kind.__name__}") from None


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
            layer.params[key] = P.coerce(key, value)
        elif key in SETTING_KEYS:
            layer.settings[key] = _coerce_setting(key, value)
        else:
            known = sorted([*P.PARAM_TYPES, *SETTING_KEYS])
            raise P.PresetError(f"{where}: unknown training key {key!r}; known: {', '.join(known)}")
    return layer


@dataclass
class RunPlan:
    """Everything a run needs, computed before anything is written or launched."""

    preset: str
    params: dict[str, Any]
    settings: dict[str, Any]
    sdxl: bool
    num_repeats: list[int]
    steps: StepPlan
    dataset_config: dict[str, Any]
    argv: list[str]
    prompts: list[str]
    run_dir: Path
    warnings: list[str] = field(default_factory=list)

    @property
    def dataset_toml(self) -> str:
        return tomli_w.dumps(self.dataset_config)

    @property
    def script_args(self) -> list[str]:
        """The arguments after the script path (what the script's argparse sees)."""
        idx = next(i for i, a in enumerate(self.argv) if a.endswith("train_network.py"))
        return self.argv[idx + 1 :]

    def moved_to(self, run_dir: Path) -> RunPlan:
        """The same plan for another run folder: the argv paths into it follow.

        A start plans before it creates its run folder (a run the checks refuse gets
        none), and the folder it then gets may carry a suffix (two starts in a second).
        """
        old, new = str(self.run_dir), str(run_dir)
        argv = [
            new + a[len(old) :] if a == old or a.startswith(old + os.sep) else a for a in self.argv
        ]
        return replace(self, run_dir=Path(run_dir), argv=argv)

    @property
    def output_dir(self) -> Path:
        return Path(self.settings["output_dir"])

    @property
    def final_model(self) -> Path:
        return self.output_dir / f"{self.settings['output_name']}.safetensors"


def looks_local(model: str) -> bool:
    """A path rather than a Hugging Face repo id such as ``org/model``."""
    return model.startswith(("/", "~", ".")) or model.endswith((".safetensors", ".ckpt"))


def _anchor(value: str, root: Path) -> str:
    """Expand ``~``; make a relative path absolute against the dataset root.

    A bare command name (``python3``, ``accelerate``) stays as it is, for PATH lookup.
    """
    path = Path(value).expanduser()
    if path.is_absolute() or ("/" not in value and not value.startswith(".")):
        return str(path)
    return str((root / path).resolve())


def resolve_settings(inputs: TrainInputs, layers: list[Layer]) -> dict[str, Any]:
    settings = {k: v for k, (_, v) in SETTING_KEYS.items()}
    for layer in layers:
        settings.update(layer.settings)
    root = inputs.root
    if not settings["output_dir"]:
        settings["output_dir"] = str(root / ".lorapan" / "output")
    # Relative paths in settings are relative to the dataset folder (the trainer runs elsewhere).
    for key in ("output_dir", "sd_scripts", "python", "accelerate", "base_model"):
        value = settings[key]
        if value and (key != "base_model" or looks_local(value)):
            settings[key] = _anchor(value, root)
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


def dataset_config(
    inputs: TrainInputs, params: dict[str, Any], repeats: list[int], sdxl: bool
) -> dict[str, Any]:
    """The ``--dataset_config`` document; ``caption_extension`` is always written."""
    res = int(params.get("resolution", 1024 if sdxl else 512))
    general: dict[str, Any] = {
        "caption_extension": inputs.settings.caption_extension,
        "shuffle_caption": bool(params.get("shuffleCaption", False)),
        "keep_tokens": int(params.get("keepTokens", 0)),
        "flip_aug": bool(params.get("flipAugmentation", False)),
    }
    ds: dict[str, Any] = {
        "resolution": res,
        "batch_size": int(params.get("trainBatchSize", 1)),
        "enable_bucket": bool(params.get("enableBucket", False)),
    }
    if ds["enable_bucket"]:
        ds.update(min_bucket_reso=256, max_bucket_reso=max(1024, 2 * res), bucket_reso_steps=64)
    subsets = []
    for folder, r in zip(inputs.folders, repeats, strict=True):
        sub: dict[str, Any] = {"image_dir": str(folder.path), "num_repeats": int(r)}
        if inputs.settings.core_tag:
            sub["class_tokens"] = inputs.settings.core_tag
        subsets.append(sub)
    ds["subsets"] = subsets
    return {"general": general, "datasets": [ds]}


def bucket_spec(config: dict[str, Any]) -> BucketSpec:
    ds = config["datasets"][0]
    return BucketSpec(
        resolution=ds["resolution"],
        enable_bucket=ds["enable_bucket"],
        min_bucket_reso=ds.get("min_bucket_reso", 256),
        max_bucket_reso=ds.get("max_bucket_reso", 1024),
        bucket_reso_steps=ds.get("bucket_reso_steps", 64),
    )


def compute_repeats(
    inputs: TrainInputs, params: dict[str, Any], spec: BucketSpec, nproc: int
) -> list[int]:
    value = params.get("numRepeats", P.COMPUTE)
    if value == P.FOLDER:
        return [f.repeats for f in inputs.folders]
    if isinstance(value, int):
        return [value] * len(inputs.folders)
    target = int(params.get("targetSteps", 0))
    if not target:
        return [f.repeats for f in inputs.folders]
    batch = int(params.get("trainBatchSize", 1))
    epochs = int(params.get("maxTrainEpochs", 1) or 1)
    if len({f.repeats for f in inputs.folders}) > 1:  # keep the user's balance between folders
        return weighted_repeats_for_target(
            [f.sizes for f in inputs.folders],
            [f.repeats for f in inputs.folders],
            spec,
            batch,
            epochs,
            target,
            num_processes=nproc,
        )
    sizes = [s for f in inputs.folders for s in f.sizes]
    r = repeats_for_target(sizes, spec, batch, epochs, target, num_processes=nproc)
    return [r] * len(inputs.folders)


def build_plan(
    inputs: TrainInputs,
    run_dir: Path,
    *,
    preset: str | None = None,
    civitai: P.Preset | None = None,
    sdxl: bool | None = None,
    overrides: dict[str, str] | None = None,
    user_table: dict[str, Any] | None = None,
) -> RunPlan:
    """Merge the layers, compute repeats and steps, and build TOML and argv."""
    dataset_table = inputs.settings.section("training")
    layers = [
        split_layer(user_table or {}, "user config [training]"),
        split_layer(dataset_table, "lorapan.toml [training]"),
        split_layer(dict(overrides or {}), "--set"),
    ]
    chosen = preset or next(
        (lay.settings["preset"] for lay in reversed(layers) if lay.settings.get("preset")), ""
    )
    base = civitai or (P.load_preset(chosen) if chosen else P.preset_for_kind(inputs.settings.kind))
    params = dict(base.params)
    for layer in layers:
        params.update(layer.params)
    warnings = list(base.warnings) + P.check_engine(params)
    settings = resolve_settings(inputs, layers)
    if sdxl is None:
        sdxl = (
            civitai.family if civitai and civitai.family else settings["model_family"]
        ) == "sdxl"
    settings["model_family"] = "sdxl" if sdxl else "sd15"
    nproc = max(1, int(settings["num_processes"]))
    draft = dataset_config(inputs, params, [1] * len(inputs.folders), sdxl)
    spec = bucket_spec(draft)
    repeats = compute_repeats(inputs, params, spec, nproc)
    config = dataset_config(inputs, params, repeats, sdxl)
    folders = [FolderSizes(tuple(f.sizes), r) for f, r in zip(inputs.folders, repeats, strict=True)]
    target = int(params.get("targetSteps", 0) or 0)
    steps = plan_steps(
        folders,
        spec,
        int(params.get("trainBatchSize", 1)),
        max_train_steps=target or None,
        max_train_epochs=None if target else int(params.get("maxTrainEpochs", 1) or 1),
        num_processes=nproc,
        civitai_epochs=int(params.get("maxTrainEpochs", 0) or 0) or None,
    )
    from lorapan.core.training.prompts import flexibility_prompts

    res = config["datasets"][0]["resolution"]
    prompts = flexibility_prompts(
        inputs.settings.core_tag or settings["output_name"],
        inputs.settings.kind,
        inputs.tag_counts,
        count=settings["prompt_count"],
        size=res,
    )
    script = Path(settings["sd_scripts"] or ".") / (
        "sdxl_train_network.py" if sdxl else "train_network.py"
    )
    argv = launcher_argv(settings, script) + train_args(params, settings, run_dir, sdxl, steps)
    return RunPlan(
        preset=base.name,
        params=params,
        settings=settings,
        sdxl=sdxl,
        num_repeats=repeats,
        steps=steps,
        dataset_config=config,
        argv=argv,
        prompts=prompts,
        run_dir=run_dir,
        warnings=warnings,
    )

"""From preset + settings + dataset to the kohya dataset TOML and the exact argv.

Precedence, lowest first: the preset (chosen, or the one for the dataset's kind),
the user config's ``[training]``, the dataset's ``lorapan.toml`` ``[training]``,
then ``--set`` for one run. Civitai keys (``targetSteps``) tune the recipe; the
snake_case keys below (``sd_scripts``, ``base_model``…) say where things are.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli_w
from lorapan.core.method.prose import shuffle_advice
from lorapan.core.training import presets as P
from lorapan.core.training.buckets import bucket_bounds, bucket_problems
from lorapan.core.training.inputs import TrainInputs
from lorapan.core.training.kohya_args import launcher_argv, train_args
from lorapan.core.training.outputs import free_output_name
from lorapan.core.training.reg_plan import reg_note, reg_subset
from lorapan.core.training.run_settings import (
    AUTO,
    SETTING_KEYS,
    Layer,
    every,
    launch_problems,
    looks_local,
    resolve_settings,
    split_layer,
)
from lorapan.core.training.runstate import runs_dir
from lorapan.core.training.steps import (
    BucketSpec,
    FolderSizes,
    StepPlan,
    plan_steps,
    repeats_for_target,
    steps_with_reg,
    weighted_repeats_for_target,
)

__all__ = [
    "SETTING_KEYS",
    "Layer",
    "RunPlan",
    "SamplePlan",
    "build_plan",
    "bucket_spec",
    "looks_local",
    "split_layer",
]
SAMPLER_STEPS = 30  # sd-scripts' default per prompt when the prompt line has no --s


@dataclass(frozen=True)
class SamplePlan:
    """When sample images are made and what they cost (none: sampling is off)."""

    at_steps: tuple[int, ...]
    prompts: int
    sampler_steps: int = SAMPLER_STEPS

    @property
    def images(self) -> int:
        return len(self.at_steps) * self.prompts

    def text(self, training_steps: int) -> str:
        if not self.at_steps or not self.prompts:
            return "sampling: off"
        shown = ", ".join(map(str, self.at_steps[:6])) + (" …" if len(self.at_steps) > 6 else "")
        return (
            f"sampling: {self.images} images ({self.prompts} prompts at steps {shown}), "
            f"{self.sampler_steps} sampler steps each = {self.images * self.sampler_steps} "
            f"sampler steps beside {training_steps} training steps "
            "(--set sample_every_n_steps=off turns it off)"
        )


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
    sampling: SamplePlan = field(default_factory=lambda: SamplePlan((), 0))
    save_every: int | None = None  # steps between checkpoints (and saved states)
    problems: list[str] = field(default_factory=list)  # settings the trainer would refuse
    dataset: dict[str, Any] = field(default_factory=dict)  # what was trained, for exports
    notes: list[str] = field(default_factory=list)  # what lorapan chose from the dataset, and why

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

        def move(a: str) -> str:
            return new + a[len(old) :] if a == old or a.startswith(old + os.sep) else a

        settings = {**self.settings, "output_dir": move(str(self.settings["output_dir"]))}
        argv = [move(a) for a in self.argv]
        return replace(self, run_dir=Path(run_dir), argv=argv, settings=settings)

    @property
    def output_dir(self) -> Path:
        return Path(self.settings["output_dir"])

    @property
    def final_model(self) -> Path:
        return self.output_dir / f"{self.settings['output_name']}.safetensors"


def dataset_config(
    inputs: TrainInputs,
    params: dict[str, Any],
    repeats: list[int],
    sdxl: bool,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``--dataset_config`` document; ``caption_extension`` is always written."""
    res = int(params.get("resolution", 1024 if sdxl else 512))
    general: dict[str, Any] = {
        "caption_extension": inputs.settings.caption_extension,
        "shuffle_caption": bool(params.get("shuffleCaption", False)),
        "keep_tokens": int(params.get("keepTokens", 0)),
        "flip_aug": bool(params.get("flipAugmentation", False)),
    }
    if (settings or {}).get("enable_wildcard"):
        general["enable_wildcard"] = True  # each caption line a caption of its own
    ds: dict[str, Any] = {
        "resolution": res,
        "batch_size": int(params.get("trainBatchSize", 1)),
        "enable_bucket": bool(params.get("enableBucket", False)),
    }
    if ds["enable_bucket"]:
        bounds = bucket_bounds(res, settings or {})
        ds.update(
            min_bucket_reso=bounds.min_reso,
            max_bucket_reso=bounds.max_reso,
            bucket_reso_steps=bounds.step,
        )
    subsets = []
    for folder, r in zip(inputs.folders, repeats, strict=True):
        sub: dict[str, Any] = {"image_dir": str(folder.path), "num_repeats": int(r)}
        if inputs.settings.core_tag:
            sub["class_tokens"] = inputs.settings.core_tag
        subsets.append(sub)
    subsets += [reg_subset(f) for f in inputs.reg_folders]
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


def repeats_note(inputs: TrainInputs, params: dict[str, Any], repeats: list[int]) -> str:
    """Say so when the repeats trained are not the folders' ``N_`` (computed for the
    target): the folder names are what a kohya user reads first."""
    named = [f.repeats for f in inputs.folders]
    if not inputs.in_kohya_folders or named == repeats:
        return ""
    return (
        f"numRepeats {'/'.join(map(str, repeats))} computed for targetSteps "
        f"{params.get('targetSteps')}: the folders' names say {'/'.join(map(str, named))} "
        "(`--set numRepeats=folder` trains those)"
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


def dataset_facts(inputs: TrainInputs, tags: int = 100) -> dict[str, Any]:
    """The dataset as trained: where, what, and its most used tags (an export's metadata)."""
    st = inputs.settings
    return {
        "root": str(inputs.root),
        "name": st.name or inputs.root.name,
        "kind": st.kind,
        "core_tag": st.core_tag,
        "images": inputs.image_count,
        "reg_images": inputs.reg_image_count,
        "tags": inputs.tag_counts.most_common(tags),
    }


def kind_note(inputs: TrainInputs, preset: str) -> str:
    """Which kind chose the preset, and from what evidence when it was inferred."""
    guess = inputs.settings.inferred.get("kind_guess")
    described = guess.describe() if guess is not None else inputs.settings.kind
    return f"preset {preset} for the kind {described}"


def caption_shuffle(inputs: TrainInputs, params: dict[str, Any], stated: bool) -> tuple[str, str]:
    """Set ``shuffleCaption`` as the caption style asks; (note, warning) to show.

    Sentences train unshuffled (kohya shuffles comma fields, which scrambles
    clauses): a prose or mixed set gets ``shuffleCaption = false`` unless the user
    stated it (``stated``), in which case a ``true`` only draws a warning.
    """
    style = inputs.caption_style
    if style is None:
        return "", ""
    advised, why = shuffle_advice(style)
    if advised is None:
        return "", ""
    if not stated:
        params["shuffleCaption"] = advised
        return (
            f"shuffle_caption = false: the captions are {style.describe()}; {why} "
            "(--set shuffleCaption=true shuffles anyway)",
            "",
        )
    if bool(params.get("shuffleCaption")) != advised:
        return (
            "",
            f"shuffle_caption = true as you set it, but the captions are {style.describe()}; {why}",
        )
    return "", ""


def cadences(settings: dict[str, Any], total: int) -> tuple[int | None, int | None]:
    """Steps between checkpoints and between samples (None: off).

    Sampling on ``auto`` follows the checkpoints, so every checkpoint has its samples.
    """
    save = every(settings["save_every_n_steps"], total)
    if settings["sample_every_n_steps"] == AUTO and save is not None:
        return save, save
    return save, every(settings["sample_every_n_steps"], total)


SD15_MAX_SIZE = 768  # SD1.x checkpoints are made at 512 (768 for some fine-tunes)


def sd15_size_warning(preset: str, resolution: int) -> list[str]:
    """The guide's presets train at 1024 px, a size for SDXL bases (Pony, Illustrious);
    run by train_network.py on an SD1.5 base that is slow and off the model's size."""
    if resolution <= SD15_MAX_SIZE:
        return []
    return [
        f"the {preset} preset trains at {resolution} px, a size for SDXL bases (Pony, "
        f"Illustrious), but this run uses train_network.py for SD1.5, whose models are made "
        f"for 512–{SD15_MAX_SIZE} px: for an SDXL base pass --sdxl (or set [training] "
        'model_family = "sdxl"); for SD1.5 pass --set resolution=512'
    ]


def output_place(settings: dict[str, Any], root: Path, run_dir: Path) -> list[str]:
    """Where the run writes its model: a folder of its own in the run's folder, or the
    ``output_dir`` the user set under a name no other run there uses (notes to show).

    sd-scripts writes ``<output_name>.safetensors`` over whatever is there: two runs
    sharing a folder and a name wrote over each other's model and checkpoints.
    """
    if not settings["output_dir"]:
        settings["output_dir"] = str(Path(run_dir) / "output")
        return []
    folder = Path(settings["output_dir"])
    name, note = free_output_name(folder, settings["output_name"], runs_dir(root.resolve()))
    settings["output_name"] = name
    return [note] if note else []


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
    notes = [] if chosen or civitai else [kind_note(inputs, base.name)]
    stated = any("shuffleCaption" in layer.params for layer in layers)
    note, warning = caption_shuffle(inputs, params, stated)
    notes += [note] if note else []
    warnings += [warning] if warning else []
    settings = resolve_settings(inputs, layers)
    subject = settings["output_name"]  # the prompts' subject when the captions name none
    notes += output_place(settings, inputs.root, run_dir)
    if sdxl is None:
        sdxl = (
            civitai.family if civitai and civitai.family else settings["model_family"]
        ) == "sdxl"
    settings["model_family"] = "sdxl" if sdxl else "sd15"
    if not sdxl and not civitai and not any("resolution" in lay.params for lay in layers):
        warnings += sd15_size_warning(base.name, int(params.get("resolution", 0) or 0))
    nproc = max(1, int(settings["num_processes"]))
    draft = dataset_config(inputs, params, [1] * len(inputs.folders), sdxl, settings)
    spec = bucket_spec(draft)
    repeats = compute_repeats(inputs, params, spec, nproc)
    notes += [note] if (note := repeats_note(inputs, params, repeats)) else []
    config = dataset_config(inputs, params, repeats, sdxl, settings)
    folders = [FolderSizes(tuple(f.sizes), r) for f, r in zip(inputs.folders, repeats, strict=True)]
    folders += [FolderSizes(tuple(f.sizes), f.repeats, is_reg=True) for f in inputs.reg_folders]
    target = int(params.get("targetSteps", 0) or 0)
    batch = int(params.get("trainBatchSize", 1))
    steps = plan_steps(
        folders,
        spec,
        batch,
        max_train_steps=steps_with_reg(target, folders, spec, batch, num_processes=nproc) or None,
        max_train_epochs=None if target else int(params.get("maxTrainEpochs", 1) or 1),
        num_processes=nproc,
        civitai_epochs=int(params.get("maxTrainEpochs", 0) or 0) or None,
    )
    notes += [note] if (note := reg_note(inputs, steps, target)) else []
    from lorapan.core.training.prompts import flexibility_prompts

    res = config["datasets"][0]["resolution"]
    prompts = flexibility_prompts(
        inputs.subjects or inputs.settings.core_tag or subject,
        inputs.settings.kind,
        inputs.tag_counts,
        count=settings["prompt_count"],
        size=res,
    )
    script = Path(settings["sd_scripts"] or ".") / (
        "sdxl_train_network.py" if sdxl else "train_network.py"
    )
    save_every, sample_every = cadences(settings, steps.total_steps)
    sampling = SamplePlan(
        tuple(range(sample_every, steps.total_steps + 1, sample_every)) if sample_every else (),
        len(prompts),
    )
    launch = launcher_argv(settings, script, run_dir)
    argv = launch + train_args(params, settings, run_dir, sdxl, steps, save_every, sample_every)
    problems = launch_problems(settings)
    if spec.enable_bucket:
        problems += bucket_problems(res, bucket_bounds(res, settings), sdxl)
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
        sampling=sampling,
        save_every=save_every,
        problems=problems,
        dataset=dataset_facts(inputs),
        notes=notes,
    )

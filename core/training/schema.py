"""What sd-scripts accepts: the dataset-config schema and the options lorapan emits.

Mirrors ``library/config_util.py`` (voluptuous, ``extra keys not allowed``) and the
argparse definitions of ``train_network.py`` / ``sdxl_train_network.py`` at 48d368fa
(kohya.md §1–2). Used by pre-flight and tests to prove a generated config and
argument list would pass the trainer's own checks before anything is launched.
"""

from __future__ import annotations

from typing import Any

_NUM = (int, float)
# key -> accepted Python types (bool is checked apart: it is an int subclass).
_DATASET_KEYS: dict[str, tuple[type, ...]] = {
    "batch_size": (int,),
    "resolution": (int, list),
    "enable_bucket": (bool,),
    "min_bucket_reso": (int,),
    "max_bucket_reso": (int,),
    "bucket_reso_steps": (int,),
    "bucket_no_upscale": (bool,),
    "network_multiplier": (float,),
    "validation_split": (float,),
    "validation_seed": (int,),
    "resize_interpolation": (str,),
}
_SUBSET_KEYS: dict[str, tuple[type, ...]] = {
    "num_repeats": (int,),
    "shuffle_caption": (bool,),
    "caption_separator": (str,),
    "keep_tokens": (int,),
    "keep_tokens_separator": (str,),
    "secondary_separator": (str,),
    "enable_wildcard": (bool,),
    "caption_prefix": (str,),
    "caption_suffix": (str,),
    "flip_aug": (bool,),
    "color_aug": (bool,),
    "random_crop": (bool,),
    "face_crop_aug_range": (list,),
    "token_warmup_min": (int,),
    "token_warmup_step": _NUM,
    "custom_attributes": (dict,),
    "resize_interpolation": (str,),
    "caption_dropout_rate": _NUM,
    "caption_dropout_every_n_epochs": (int,),
    "caption_tag_dropout_rate": _NUM,
    "caption_extension": (str,),
    "class_tokens": (str,),
    "cache_info": (bool,),
}
_SUBSET_ONLY: dict[str, tuple[type, ...]] = {
    "image_dir": (str,),
    "is_reg": (bool,),
    "alpha_mask": (bool,),
    "metadata_file": (str,),
}


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    """bool is an int subclass in Python but not to voluptuous; a float key rejects ints."""
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, tuple(t for t in types if t is not bool))


def _check_table(table: Any, allowed: dict[str, tuple[type, ...]], where: str) -> list[str]:
    if not isinstance(table, dict):
        return [f"expected a table @ data{where}"]
    errors = []
    for key, value in table.items():
        if key not in allowed:
            errors.append(f"extra keys not allowed @ data{where}['{key}']")
        elif not _type_ok(value, allowed[key]):
            names = " or ".join(t.__name__ for t in allowed[key])
            errors.append(f"expected {names} for dictionary value @ data{where}['{key}']")
    return errors


def validate_dataset_config(doc: dict[str, Any]) -> list[str]:
    """Errors in the voluptuous wording; empty when sd-scripts would accept ``doc``."""
    errors: list[str] = []
    for key in doc:
        if key not in ("general", "datasets"):
            errors.append(f"extra keys not allowed @ data['{key}']")
    general = {**_DATASET_KEYS, **_SUBSET_KEYS}
    errors += _check_table(doc.get("general", {}), general, "['general']")
    datasets = doc.get("datasets", [])
    if not isinstance(datasets, list) or not datasets:
        return errors + ["expected a list of datasets @ data['datasets']"]
    has_resolution = "resolution" in doc.get("general", {})
    for i, ds in enumerate(datasets):
        where = f"['datasets'][{i}]"
        subsets = ds.get("subsets", []) if isinstance(ds, dict) else []
        rest = {k: v for k, v in ds.items() if k != "subsets"} if isinstance(ds, dict) else ds
        errors += _check_table(rest, general, where)
        if not (has_resolution or "resolution" in rest):
            errors.append(f"resolution is required @ data{where}")
        for j, sub in enumerate(subsets):
            swhere = f"{where}['subsets'][{j}]"
            errors += _check_table(sub, {**_SUBSET_KEYS, **_SUBSET_ONLY}, swhere)
            if isinstance(sub, dict) and "image_dir" not in sub and "metadata_file" not in sub:
                errors.append(f"required key not provided @ data{swhere}['image_dir']")
    return errors


# Options lorapan writes: name -> type ("flag" = store_true, "*" suffix = nargs="*").
OPTIONS: dict[str, str] = {
    "pretrained_model_name_or_path": "str",
    "dataset_config": "str",
    "output_dir": "str",
    "output_name": "str",
    "save_model_as": "str",
    "network_module": "str",
    "network_dim": "int",
    "network_alpha": "float",
    "network_args": "str*",
    "network_train_unet_only": "flag",
    "optimizer_type": "str",
    "optimizer_args": "str*",
    "learning_rate": "float",
    "unet_lr": "float",
    "text_encoder_lr": "float*",
    "lr_scheduler": "str",
    "lr_scheduler_num_cycles": "int",
    "lr_warmup_steps": "int",
    "min_snr_gamma": "float",
    "noise_offset": "float",
    "clip_skip": "int",
    "max_train_steps": "int",
    "max_train_epochs": "int",
    "mixed_precision": "str",
    "save_precision": "str",
    "sample_prompts": "str",
    "sample_every_n_steps": "int",
    "sample_every_n_epochs": "int",
    "sample_sampler": "str",
    "save_every_n_steps": "int",
    "save_every_n_epochs": "int",
    "save_state": "flag",
    "resume": "str",
    "skip_until_initial_step": "flag",
    "console_log_simple": "flag",
    "cache_latents": "flag",
    "gradient_checkpointing": "flag",
    "gradient_accumulation_steps": "int",
    "seed": "int",
    "logging_dir": "str",
    "log_with": "str",
    "log_prefix": "str",
    "max_data_loader_n_workers": "int",
    "persistent_data_loader_workers": "flag",
    "xformers": "flag",
    "sdpa": "flag",
    "max_token_length": "int",
    "tokenizer_cache_dir": "str",
    "caption_extension": "str",
    "resolution": "str",
    "train_batch_size": "int",
}
SD15_ONLY = {"clip_skip"}
CHOICES = {
    "mixed_precision": {"no", "fp16", "bf16"},
    "save_precision": {"float", "fp16", "bf16"},
    "save_model_as": {"ckpt", "pt", "safetensors"},
    "max_token_length": {"75", "150", "225"},
}


def _value_ok(kind: str, token: str) -> bool:
    try:
        if kind.startswith("int"):
            int(token)
        elif kind.startswith("float"):
            float(token)
    except ValueError:
        return False
    return True


def validate_train_args(args: list[str], sdxl: bool) -> list[str]:
    """Check the script's arguments (after the script path) as argparse would."""
    errors: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        if not token.startswith("--"):
            errors.append(f"unrecognized arguments: {token}")
            i += 1
            continue
        name = token[2:]
        kind = OPTIONS.get(name)
        if kind is None:
            errors.append(f"unrecognized arguments: {token}")
            i += 1
            continue
        values = []
        i += 1
        while i < len(args) and not args[i].startswith("--"):
            values.append(args[i])
            i += 1
        if kind == "flag":
            if values:
                errors.append(f"argument {token}: ignored explicit argument {values[0]!r}")
        elif kind.endswith("*"):
            errors += [
                f"argument {token}: invalid {kind[:-1]} value: {v!r}"
                for v in values
                if not _value_ok(kind, v)
            ]
        elif len(values) != 1:
            errors.append(f"argument {token}: expected one argument")
        elif not _value_ok(kind, values[0]):
            errors.append(f"argument {token}: invalid {kind} value: {values[0]!r}")
        elif name in CHOICES and values[0] not in CHOICES[name]:
            errors.append(f"argument {token}: invalid choice: {values[0]!r}")
        if sdxl and name in SD15_ONLY:
            errors.append(f"{token} is SD1.5 only (SDXL warns that it will be unexpected)")
    return errors

"""The guide's two training presets and the Civitai trainer's params JSON.

Presets are data files (``presets/*.toml``) holding Civitai keys under ``[params]``.
The guide prints the JSON with a literal ``"numRepeats": THIS WILL DIFFER, …`` line
(not valid JSON): that placeholder, or any non-integer value, means "compute it".
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

COMPUTE = "compute"
FOLDER = "folder"  # use each kohya folder's N_ prefix as its repeats

# Civitai param -> Python type (the Civitai schema's types).
PARAM_TYPES: dict[str, type] = {
    "engine": str,
    "unetLR": float,
    "textEncoderLR": float,
    "clipSkip": int,
    "loraType": str,
    "keepTokens": int,
    "networkDim": int,
    "networkAlpha": float,
    "numRepeats": int,
    "resolution": int,
    "lrScheduler": str,
    "lrSchedulerNumCycles": int,
    "minSnrGamma": float,
    "noiseOffset": float,
    "targetSteps": int,
    "enableBucket": bool,
    "optimizerType": str,
    "optimizerArgs": str,
    "maxTrainEpochs": int,
    "shuffleCaption": bool,
    "trainBatchSize": int,
    "flipAugmentation": bool,
}

OTHER_ENGINES = {
    "rapid": "the Flux fast trainer, not sd-scripts",
    "musubi": "musubi-tuner, a video-model trainer, not sd-scripts",
    "ai-toolkit": "ostris ai-toolkit, a different trainer with its own config format",
    "flux2-dev": "a Flux.2 trainer, not sd-scripts",
    "flux2-dev-edit": "a Flux.2 edit-model trainer, not sd-scripts",
}
SD15_BASES = {"sd15", "sd_1_5", "anime", "semi", "realistic"}
SDXL_BASES = {"sdxl", "pony", "illustrious"}


class PresetError(ValueError):
    """A preset, params file or override cannot be used; the message says why."""


@dataclass
class Preset:
    name: str
    description: str
    kinds: list[str]
    params: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    family: str | None = None  # "sd15" / "sdxl" when a Civitai export said so


def preset_names() -> list[str]:
    files = resources.files("lorapan.core.training").joinpath("presets")
    return sorted(p.name[: -len(".toml")] for p in files.iterdir() if p.name.endswith(".toml"))


def load_preset(name: str) -> Preset:
    """Load a shipped preset by name (``characters`` or ``concepts``)."""
    if name not in preset_names():
        raise PresetError(f"no preset {name!r}; choose one of: {', '.join(preset_names())}")
    res = resources.files("lorapan.core.training").joinpath("presets", f"{name}.toml")
    doc = tomllib.loads(res.read_text(encoding="utf-8"))
    return Preset(
        doc["name"], doc.get("description", ""), list(doc.get("kinds", [])), dict(doc["params"])
    )


def preset_for_kind(kind: str) -> Preset:
    """The guide's preset for a subject kind: characters, or everything else."""
    for name in preset_names():
        preset = load_preset(name)
        if kind in preset.kinds:
            return preset
    return load_preset("concepts")


# What each Civitai number may be: (lowest, highest, what is allowed), checked after the
# type. The bounds are the trainer's (sd-scripts refuses or misreads what lies outside)
# or the key's own meaning (a negative step count); None: no bound on that side.
PARAM_BOUNDS: dict[str, tuple[float | None, float | None, str]] = {
    "unetLR": (1e-12, None, "a learning rate above 0, e.g. 5e-4"),
    "textEncoderLR": (0, None, "a learning rate of 0 or more (0 trains the U-Net only)"),
    "clipSkip": (0, 12, "0 to 12 (2 for anime models; 0 or 1: the last layer)"),
    "keepTokens": (0, None, "a whole number, 0 or more"),
    "networkDim": (1, None, "a whole number, 1 or more (e.g. 8, 16, 32)"),
    "networkAlpha": (0, None, "a number, 0 or more (0: the same as networkDim)"),
    "numRepeats": (1, None, "a whole number, 1 or more, or compute or folder"),
    "resolution": (64, None, "a whole number of pixels, 64 or more (512, 768, 1024)"),
    "lrSchedulerNumCycles": (1, None, "a whole number, 1 or more"),
    "minSnrGamma": (0, None, "a number, 0 or more (0: off; 5 is usual)"),
    "noiseOffset": (0, 1, "a number from 0 to 1 (0: off; 0.1 is usual)"),
    "targetSteps": (0, None, "a whole number of steps, 0 or more (0: maxTrainEpochs decides)"),
    "maxTrainEpochs": (1, None, "a whole number, 1 or more"),
    "trainBatchSize": (1, None, "a whole number, 1 or more"),
}
# sd-scripts' --lr_scheduler names (train_util.py's help and get_scheduler_fix).
LR_SCHEDULERS = (
    "constant",
    "constant_with_warmup",
    "cosine",
    "cosine_with_restarts",
    "linear",
    "polynomial",
    "adafactor",
)
_TYPE_WORDS = {int: "whole number", float: "number", bool: "true or false", str: "text"}


def _bad(key: str, value: Any, kind: type) -> PresetError:
    """``networkDim = 'four' is not a valid int: give a whole number, 1 or more``."""
    allowed = PARAM_BOUNDS.get(key, (None, None, _TYPE_WORDS[kind]))[2]
    return PresetError(f"{key} = {value!r} is not a valid {kind.__name__}: give {allowed}")


def _number(key: str, value: Any, kind: type) -> int | float:
    """``value`` as an int or float; raises for text that is not one, a fraction given
    for a whole number (``1.5`` would train as 1), NaN or infinity."""
    if isinstance(value, bool):
        raise _bad(key, value, kind)
    try:
        number = float(value) if isinstance(value, str) else value
        if not isinstance(number, (int, float)) or math.isnan(number) or math.isinf(number):
            raise ValueError(value)
        if kind is int:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError(value)
            return int(number)
        return float(number)
    except (TypeError, ValueError, OverflowError):
        raise _bad(key, value, kind) from None


def check_bounds(key: str, value: float) -> None:
    """Raise when a typed number lies outside what ``key`` allows (:data:`PARAM_BOUNDS`)."""
    if key not in PARAM_BOUNDS:
        return
    low, high, allowed = PARAM_BOUNDS[key]
    if (low is not None and value < low) or (high is not None and value > high):
        raise PresetError(f"{key} = {value!r} is out of range: give {allowed}")


def coerce(key: str, value: Any) -> Any:
    """Type a Civitai value and check it against what the key allows.

    ``numRepeats`` also takes ``compute`` / ``folder`` (None: compute). A value of
    the wrong type or range raises :class:`PresetError` naming the key, the value and
    what is allowed: nothing is silently dropped or passed on to fail in the trainer.
    """
    if key not in PARAM_TYPES:
        raise PresetError(
            f"unknown training key {key!r}; known keys: {', '.join(sorted(PARAM_TYPES))}"
        )
    kind = PARAM_TYPES[key]
    if key == "numRepeats" and value is None:
        return COMPUTE
    if (
        key == "numRepeats"
        and isinstance(value, str)
        and value.strip().lower() in (COMPUTE, FOLDER)
    ):
        return value.strip().lower()
    if kind is bool:
        return _boolean(key, value)
    if kind is str:
        return _text(key, value)
    number = _number(key, value, kind)
    check_bounds(key, number)
    return number


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise _bad(key, value, bool)


def _text(key: str, value: Any) -> str:
    text = str(value).strip()
    if key == "lrScheduler" and text not in LR_SCHEDULERS:
        raise PresetError(f"lrScheduler = {value!r}: sd-scripts knows {', '.join(LR_SCHEDULERS)}")
    return text


def parse_override(item: str) -> tuple[str, str]:
    """Split a ``--set key=value`` item."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise PresetError(f"--set {item!r}: expected KEY=VALUE, e.g. --set targetSteps=600")
    return key.strip(), value.strip()


def parse_override_lines(text: str) -> dict[str, str]:
    """``key=value`` lines (the app's form of ``--set``); blank lines and ``#`` comments skipped."""
    out: dict[str, str] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise PresetError(f"line {n}: {line!r}: expected key=value, e.g. targetSteps=600")
        out[key.strip()] = value.strip()
    return out


_REPEATS_LINE = re.compile(r'^(?P<indent>\s*)"numRepeats"\s*:\s*(?P<value>.*?)\s*$')


# Text copied from a web page: non-breaking spaces and typographic quotes.
_WEB_CHARS = str.maketrans(
    {"\xa0": " ", "\u2007": " ", "\u202f": " ", "\u201c": '"', "\u201d": '"', "\ufeff": ""}
)


def _repair_placeholder(text: str) -> str:
    """Replace a non-JSON ``numRepeats`` value (the guide's placeholder) by "compute"."""
    lines = text.translate(_WEB_CHARS).splitlines()
    for i, line in enumerate(lines):
        m = _REPEATS_LINE.match(line)
        if not m:
            continue
        value = m.group("value").rstrip(",").strip()
        try:
            json.loads(value)
            continue
        except ValueError:
            pass
        following = next((ln.strip() for ln in lines[i + 1 :] if ln.strip()), "}")
        comma = "" if following.startswith("}") else ","
        lines[i] = f'{m.group("indent")}"numRepeats": "{COMPUTE}"{comma}'
    return "\n".join(lines)


def _placeholder(value: Any) -> bool:
    """A ``numRepeats`` in a Civitai JSON that is text, not a number: "compute"."""
    if not isinstance(value, str) or value.strip().lower() == FOLDER:
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def _family_from(details: dict[str, Any]) -> str | None:
    for key in ("baseModelType", "baseModel"):
        value = str(details.get(key, "")).lower()
        if value in SD15_BASES:
            return "sd15"
        if value in SDXL_BASES:
            return "sdxl"
    return None


def check_engine(params: dict[str, Any]) -> list[str]:
    """Reject engines other than kohya (with the reason); warnings for the rest."""
    warnings = []
    engine = str(params.get("engine", "")).strip().lower()
    if not engine:
        warnings.append("no engine given; assuming kohya (sd-scripts)")
    elif engine in OTHER_ENGINES:
        raise PresetError(
            f'engine "{engine}" is {OTHER_ENGINES[engine]}; lorapan trains with kohya '
            'sd-scripts only. Use engine "kohya" or train elsewhere.'
        )
    elif engine != "kohya":
        raise PresetError(f'engine "{engine}" is unknown; only "kohya" maps to sd-scripts')
    lora = str(params.get("loraType", "lora")).lower()
    if lora == "locon":
        warnings.append(
            "loraType locon: trained as sd-scripts LoRA-C3Lier (conv_dim=4, conv_alpha=1)"
        )
    elif lora != "lora":
        raise PresetError(
            f'loraType "{lora}" needs LyCORIS or an sd-scripts branch; use "lora" or "locon"'
        )
    return warnings


def parse_civitai(text: str, name: str = "civitai") -> Preset:
    """Read a Civitai trainer params JSON (bare params or a whole training export)."""
    try:
        doc = json.loads(_repair_placeholder(text))
    except ValueError as exc:
        raise PresetError(f"{name}: not a Civitai params JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise PresetError(f"{name}: expected a JSON object")
    details = doc.get("trainingDetails", doc)
    params_doc = details.get("params", details) if isinstance(details, dict) else doc
    if not isinstance(params_doc, dict):
        raise PresetError(f"{name}: 'params' must be an object")
    params: dict[str, Any] = {}
    ignored = []
    for key, value in params_doc.items():
        if key == "numRepeats" and _placeholder(value):
            params[key] = COMPUTE  # the guide's "THIS WILL DIFFER", quoted or not
        elif key in PARAM_TYPES:
            params[key] = coerce(key, value)
        else:
            ignored.append(key)
    warnings = check_engine(params)
    if ignored:
        warnings.append(f"ignored keys sd-scripts has no use for: {', '.join(sorted(ignored))}")
    params.setdefault("numRepeats", COMPUTE)
    family = _family_from(details) if isinstance(details, dict) else None
    return Preset(name, "imported Civitai params", [], params, warnings, family)


def export_civitai(params: dict[str, Any], num_repeats: int) -> str:
    """A Civitai params JSON with the computed ``numRepeats`` filled in."""
    out = {k: params[k] for k in PARAM_TYPES if k in params}
    out["numRepeats"] = num_repeats
    return json.dumps(out, indent=2) + "\n"

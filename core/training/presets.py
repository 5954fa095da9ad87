"""The guide's two training presets and the Civitai trainer's params JSON.

Presets are data files (``presets/*.toml``) holding Civitai keys under ``[params]``.
The guide prints the JSON with a literal ``"numRepeats": THIS WILL DIFFER, …`` line
(not valid JSON): that placeholder, or any non-integer value, means "compute it".
"""

from __future__ import annotations

import json
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


def coerce(key: str, value: Any) -> Any:
    """Type a Civitai value; ``numRepeats`` also takes ``compute`` / ``folder``."""
    if key not in PARAM_TYPES:
        raise PresetError(
            f"unknown training key {key!r}; known keys: {', '.join(sorted(PARAM_TYPES))}"
        )
    kind = PARAM_TYPES[key]
    if key == "numRepeats" and (
        value is None or (isinstance(value, str) and not value.strip().isdigit())
    ):
        return FOLDER if str(value).strip().lower() == FOLDER else COMPUTE
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "1", "yes", "on"):
                return True
            if text in ("false", "0", "no", "off"):
                return False
            raise ValueError(value)
        if kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(float(value)) if isinstance(value, str) else int(value)
        if kind is float:
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise PresetError(f"{key} = {value!r} is not a valid {kind.__name__}") from None


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
        if key in PARAM_TYPES:
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

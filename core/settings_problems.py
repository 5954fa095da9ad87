"""Values in a dataset's ``lorapan.toml`` that their reader quietly replaces.

:meth:`AnalysisConfig.from_settings` keeps a default for any ``[analysis]``
value it cannot use, so that a typo never stops a scan. That is right for the
scan and wrong for the user, who would never learn why the threshold they set
has no effect. :func:`analysis_problems` says, for the same table, which values
are not used and what is used instead; :func:`config_problems` adds what the user
config holds that lorapan cannot use. The CLI prints these as warnings.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.user_config import load_user_config


def config_problems(dataset: Any) -> list[str]:
    """The user config's problems, then those of the dataset's ``[analysis]``."""
    settings = dataset.settings
    where = str(settings.path or dataset.root / "lorapan.toml")
    return load_user_config().problems + analysis_problems(settings.raw.get("analysis"), where)


#: keys older lorapan versions read, and what replaced them
RETIRED = {
    "blur_threshold": "blur is measured as an edge width now, not a 0..100 sharpness score: "
    "set blur_edge_px (pixels at the 512 px analysis size, default 7.0) instead; "
    "see docs/calibration.md",
}


def analysis_problems(section: Any, where: str = "lorapan.toml") -> list[str]:
    """Sentences for each ``[analysis]`` value that ``from_settings`` does not take as given."""
    if section is None:
        return []
    if not isinstance(section, dict):
        return [f"{where}: analysis must be a table ([analysis]); the defaults are used"]
    defaults = AnalysisConfig()
    known = {f.name for f in fields(AnalysisConfig)}
    problems = []
    for key, raw in section.items():
        name = key.replace("-", "_")
        if name in RETIRED:
            problems.append(f"{where}: [analysis] {key} is no longer read; {RETIRED[name]}")
            continue
        if name not in known:
            problems.append(
                f"{where}: [analysis] unknown key {key!r}; known: {', '.join(sorted(known))}"
            )
            continue
        default = getattr(defaults, name)
        why, used = _why_not_used(raw, type(default), default)
        if why:
            problems.append(f"{where}: [analysis] {key} = {raw!r} {why}; {used} is used")
    return problems


def _why_not_used(raw: Any, kind: type, default: Any) -> tuple[str | None, Any]:
    """Why ``from_settings`` would not use ``raw`` as given, and what it uses instead."""
    if isinstance(raw, bool):
        return "must be a number, not true/false", default
    try:
        value = kind(raw)
    except (TypeError, ValueError, OverflowError):
        return "is not a number", default
    if not value >= 0:  # also NaN
        return "must be 0 or more", default
    if kind is int and isinstance(raw, float) and not raw.is_integer():
        return "must be a whole number", value
    return None, value

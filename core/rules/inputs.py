"""Loading what some rules need from other areas' caches, without running anything.

Image facts come from the analysis cache (``lorapan scan``), clone groups from the
same facts (candidate pairs confirmed on the images' thumbnails, files lorapan
made labelled from their provenance), tagger scores from the tagger's score
cache (``lorapan autotag``). A missing or unreadable cache means "not
available": the rules that need it say which command fills it, and the check
goes on. Values of the user config and of the dataset's ``[analysis]`` that are
not used as written (the clone and blur rules read ``[analysis]``, readiness the
user's ``[training]``) come along as ``problems``, for the caller to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.clones import find_groups
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.dataset import Dataset
from lorapan.core.settings_problems import config_problems
from lorapan.core.tagger.scores import load_scores, tag_categories


@dataclass
class RuleInputs:
    facts: Mapping[str, Any] | None = None
    clone_groups: list[Any] | None = None
    scores: Mapping[str, Mapping[str, float]] | None = None
    categories: Mapping[str, str] | None = None
    problems: list[str] = field(default_factory=list)  # settings not used as written

    def engine_kwargs(self) -> dict[str, Any]:
        return {
            "facts": self.facts,
            "clone_groups": self.clone_groups,
            "scores": self.scores,
            "categories": self.categories,
        }


def analysis_config(ds: Dataset) -> AnalysisConfig:
    """The dataset's ``[analysis]`` thresholds, judged at its ``[training]`` resolution."""
    return AnalysisConfig.from_settings(
        ds.settings.section("analysis"), ds.settings.section("training")
    )


def load_facts(ds: Dataset) -> tuple[Mapping[str, Any] | None, list[Any] | None]:
    """Cached image facts and their clone groups; (None, None) when nothing is cached."""
    try:
        config = analysis_config(ds)
        facts = Analyzer(ds.root, ds.state_dir, config).cached(list(ds.items))
    except Exception:  # noqa: BLE001 - a damaged cache reads as "not scanned"
        return None, None
    if not facts:
        return None, None
    try:
        # root: candidate pairs are confirmed on thumbnails, and files lorapan made
        # are labelled from their provenance records (never counted as clones)
        # state_dir: the grouping and pixel verdicts `lorapan scan` cached are reused
        groups = find_groups(dict(facts), config, root=ds.root, state_dir=ds.state_dir)
    except Exception:  # noqa: BLE001
        groups = None
    return facts, groups


def load_tagger_scores(ds: Dataset) -> tuple[Mapping | None, Mapping | None]:
    try:
        scores = load_scores(ds.state_dir)
        cats = tag_categories(ds.state_dir) if scores else None
    except Exception:  # noqa: BLE001 - a damaged cache reads as "not tagged"
        return None, None
    return (scores or None), cats


def load_inputs(ds: Dataset) -> RuleInputs:
    facts, groups = load_facts(ds)
    scores, cats = load_tagger_scores(ds)
    return RuleInputs(facts, groups, scores, cats, config_problems(ds))

"""Rules over the whole dataset, one module per family.

They read the engine's per-image groups and tag counts (:class:`~.view.View`), so they
cost a pass over a few hundred numbers after an edit, not over the images. A new
dataset-wide rule goes in the module of its family and into :data:`FAMILIES`.
"""

from __future__ import annotations

from collections.abc import Callable

from lorapan.core.rules.dataset_wide import (
    captions,
    clones,
    core_tag,
    counts,
    files,
    frequency,
    ignored,
    kinds,
    needs,
    style_tag,
    subjects,
    triggers,
)
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.model import Finding

# In the order their findings are listed (before the engine sorts them by severity).
FAMILIES: tuple[Callable[[View], list[Finding]], ...] = (
    kinds.dataset_kind,
    captions.prose,
    captions.identical,
    files.orphan_captions,
    files.stem_collisions,
    files.caption_files,
    core_tag.core_proposal,
    style_tag.style_proposal,
    triggers.trigger_first,
    triggers.first_ids,
    counts.counts,
    subjects.bundle,
    frequency.constant,
    frequency.prune_candidates,
    clones.clones,
    clones.special_details,
    kinds.indoor_outdoor,
    kinds.style_tagging,
    needs.needs_inputs,
    ignored.ignored_folders,
    files.kohya_misread,
)


def dataset_findings(view: View) -> list[Finding]:
    out: list[Finding] = []
    for family in FAMILIES:
        out.extend(family(view))
    return out

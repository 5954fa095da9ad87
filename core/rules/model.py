"""What the rules engine reports: findings, fixes, coverage items, readiness.

A :class:`Finding` names a rule of ``methodology.md`` by its id, says in plain words
what is wrong and why the guide asks for it, lists the images concerned and, where
the rule allows, carries a :class:`Fix`. A fix is a *plan*: ``fix.plan(dataset)``
returns the tag changes it would make (for a preview) and
``dataset.apply_changes(fix.plan(ds), label=fix.journal_label)`` applies them through
the journal, so ``lorapan undo`` reverts them. A fix may also change settings
(``fix.settings``, e.g. the proposed core tag), written to lorapan.toml in the same
journal transaction as its caption changes (one undo reverts both).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from lorapan.core.method.anchor import Anchor, anchor_of, protect_anchor

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset
    from lorapan.core.edits import TagChange

SEVERITIES = ("error", "warning", "advice", "manual")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def keep_anchor_first(changes: list[TagChange], anchor: Anchor) -> list[TagChange]:
    """Each change with the anchor back in first place where the caption started with it."""
    if not anchor:
        return changes
    out = []
    for ch in changes:
        after = protect_anchor(lambda _t, a=ch.after: a, anchor)(ch.before)
        out.append(ch if after == ch.after else replace(ch, after=after))
    return out


def one_per_caption(changes: list[TagChange]) -> list[TagChange]:
    """Keep the first change per file stem: ``a.png`` and ``a.jpg`` share ``a.txt``.

    Two changes to one caption file would race in one transaction; the first one
    writes the caption both images train with (``pair.stem-collision`` says so).
    """
    seen: set[str] = set()
    out = []
    for ch in changes:
        stem = posixpath.splitext(ch.relpath)[0]
        if stem not in seen:
            seen.add(stem)
            out.append(ch)
    return out


class _FileStep:
    """A file a fix moves instead of a caption it changes, shaped like a caption change
    where a preview reads one (``relpath``, ``before``/``after``, ``added``/``removed``),
    so a fix preview lists it as a line that says what happens to the file."""

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    @property
    def added(self) -> list[str]:
        return []


@dataclass(frozen=True)
class SetAsideStep(_FileStep):
    """One image a fix moves out of the dataset (``.lorapan/excluded``, undoable), and why."""

    relpath: str
    reason: str  # "resized copy of a.png"

    @property
    def removed(self) -> list[str]:
        return [f"set aside ({self.reason})"]

    def to_dict(self) -> dict:
        return {"image": self.relpath, "set_aside": True, "reason": self.reason}


@dataclass(frozen=True)
class RenameStep(_FileStep):
    """One file a fix renames in place (journaled, undoable): ``src`` to ``dest``, both
    dataset-relative, for image ``relpath``."""

    relpath: str
    src: str
    dest: str

    @property
    def removed(self) -> list[str]:
        return [f"rename {posixpath.basename(self.src)} to {posixpath.basename(self.dest)}"]

    @property
    def reason(self) -> str:
        return f"{posixpath.basename(self.src)} → {posixpath.basename(self.dest)}"

    def to_dict(self) -> dict:
        return {"image": self.relpath, "rename": self.src, "to": self.dest}


@dataclass(frozen=True)
class RewriteStep(_FileStep):
    """One image file a fix rewrites in place (journaled: undo puts its bytes back):
    ``action`` is what is done to its pixels (``upright``, ``flatten``), ``reason`` why."""

    relpath: str
    action: str
    reason: str

    @property
    def removed(self) -> list[str]:
        return [f"rewrite the image ({self.reason})"]

    def to_dict(self) -> dict:
        return {"image": self.relpath, "rewrite": self.action, "reason": self.reason}


@dataclass(frozen=True)
class Fix:
    """A previewable edit; ``planner(dataset)`` computes it from the current tags."""

    label: str
    planner: Callable[[Dataset], list[TagChange]]
    rule_id: str = ""
    settings: dict[str, Any] | None = None  # [dataset] keys to set (journaled with it)
    #: True for the fixes whose job is the first field (core tag, trigger, per-image ids);
    #: every other fix keeps the anchor first (keep_tokens = 1).
    moves_anchor: bool = False
    #: True when the planner returns :class:`SetAsideStep` s (images moved out of the
    #: dataset through ``core.triage``) instead of caption changes.
    sets_aside: bool = False
    #: True when the planner returns :class:`RenameStep` s (files renamed in place).
    renames: bool = False
    #: True when the planner returns :class:`RewriteStep` s (image files rewritten).
    rewrites: bool = False

    @property
    def moves_files(self) -> bool:
        """The fix moves or rewrites files (set aside, rename, rewrite an image) instead
        of changing captions."""
        return self.sets_aside or self.renames or self.rewrites

    def plan(self, dataset: Dataset) -> list[TagChange]:
        if self.moves_files:
            return self.planner(dataset)
        changes = one_per_caption(self.planner(dataset))
        if self.moves_anchor:
            return changes
        return keep_anchor_first(changes, anchor_of(dataset))

    @property
    def journal_label(self) -> str:
        return f"fix {self.rule_id}" if self.rule_id else "fix"

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"label": self.label}
        if self.sets_aside:
            out["sets_aside"] = True
        if self.renames:
            out["renames"] = True
        if self.rewrites:
            out["rewrites"] = True
        if self.settings:
            out["settings"] = dict(self.settings)
        return out


@dataclass
class Finding:
    rule_id: str
    severity: str
    message: str
    images: list[str] = field(default_factory=list)
    fix: Fix | None = None
    key: str = ""
    details: dict[str, int] = field(default_factory=dict)  # e.g. tag -> image count

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if not self.key:
            self.key = self.rule_id

    def to_dict(self) -> dict:
        return {
            "rule": self.rule_id,
            "severity": self.severity,
            "message": self.message,
            "images": list(self.images),
            "image_count": len(self.images),
            "details": dict(self.details),
            "fix": self.fix.to_dict() if self.fix else None,
            "key": self.key,
        }


@dataclass
class CoverageItem:
    """One checklist line: a tag-counted item, or a manual checkbox."""

    id: str
    label: str
    count: int
    minimum: int
    manual: bool = False
    ticked: bool = False
    images: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.ticked if self.manual else self.count >= self.minimum

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "label": self.label,
            "count": self.count,
            "minimum": self.minimum,
            "manual": self.manual,
            "ticked": self.ticked,
            "done": self.done,
            "images": len(self.images),
        }


@dataclass
class Readiness:
    """Where the dataset stands against the guide, in numbers a user can act on."""

    kind: str
    images: int
    aim_min: int | None
    aim_max: int | None
    errors: int
    warnings: int
    coverage_done: int
    coverage_total: int
    preset: str
    target_steps: int
    repeats: int | None  # numRepeats of the (first) kohya folder (None: no images)
    predicted_steps: int | None  # total steps, as `lorapan train --dry-run` predicts
    sizes_known: bool  # every image's size could be read
    folder_steps: int | None = None  # steps with the kohya folders' own N_ repeats
    num_repeats: list[int] = field(default_factory=list)  # per kohya folder
    steps_per_epoch: int | None = None
    epochs: int | None = None
    in_folders: bool = True  # False: no kohya N_name folder yet
    unsized: int = 0  # images left out of the step math (no readable size)
    plan_error: str = ""  # a [training] setting `lorapan train` would refuse
    reg_images: int = 0  # class images (regularisation): not in ``images``, in the steps
    summary: str = ""

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()}


@dataclass
class Report:
    findings: list[Finding]
    coverage: list[CoverageItem]
    readiness: Readiness
    #: what lorapan read before judging (kind, trigger, caption style, caption files),
    #: with evidence: ``lorapan.core.method.describe.describe_dataset``
    dataset: dict[str, Any] = field(default_factory=dict)

    def by_severity(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {s: [] for s in SEVERITIES}
        for f in self.findings:
            out[f.severity].append(f)
        return out

    def counts(self) -> dict[str, int]:
        return {s: len(v) for s, v in self.by_severity().items()}

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def find(self, rule_id: str) -> list[Finding]:
        return [f for f in self.findings if f.rule_id == rule_id]

    def to_dict(self) -> dict:
        return {
            **self.dataset,
            "readiness": self.readiness.to_dict(),
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
            "coverage": [c.to_dict() for c in self.coverage],
        }

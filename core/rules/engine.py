"""The rules engine: every rule of ``methodology.md``, live over a dataset.

``RulesEngine(dataset).check()`` returns a :class:`Report`. The engine subscribes to
the dataset, so after an edit it re-analyses only the images that changed: each
image's issues are kept (``perimage.analyse``), the images are grouped per issue in
dataset order (``groups.Group``), and only findings whose group changed are rebuilt.
Dataset-wide rules (counts, constant tags, coverage, bundles) read those groups and
a tag counter, which one edit changes by a few entries.
Images that come or go are analysed alone and the groups renumbered in place;
readiness plans with ``lorapan train``'s own ``build_plan`` again only when the image
set, an image's size or the settings changed.

Image facts (``lorapan scan``) and tagger scores arrive later through
:meth:`RulesEngine.set_facts` and :meth:`RulesEngine.set_scores`; the rules that
need them say so until then.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lorapan.core.analysis.clones import find_groups
from lorapan.core.dataset import Dataset
from lorapan.core.method.anchor import trained_items
from lorapan.core.method.describe import describe_dataset
from lorapan.core.rules import messages
from lorapan.core.rules.context import (
    RuleContext,
    build_context,
    detect_tag_style,
    rare_seen_tags,
    trains,
)
from lorapan.core.rules.dataset_wide.frequency import CONSTANT_SHARE, PRUNE_CANDIDATE_SHARE
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.fixes import FixOutcome, apply_fix
from lorapan.core.rules.groups import Group
from lorapan.core.rules.inputs import analysis_config
from lorapan.core.rules.model import Finding, Readiness, Report
from lorapan.core.rules.perimage import ImageState, IssueKey, analyse
from lorapan.core.rules.readiness import SizeTable, StepFacts, build_readiness, step_facts
from lorapan.core.rules.report import all_findings, narrowed

ReportListener = Callable[[Report], None]


class RulesEngine:
    def __init__(
        self,
        dataset: Dataset,
        *,
        facts: Mapping[str, Any] | None = None,
        scores: Mapping[str, Mapping[str, float]] | None = None,
        clone_groups: list[Any] | None = None,
        categories: Mapping[str, str] | None = None,
        live: bool = True,
    ) -> None:
        self.dataset = dataset
        self._facts = facts
        self._clone_groups = clone_groups
        self._scores = scores
        self._categories = categories
        self._lock = threading.RLock()
        self._listeners: list[ReportListener] = []
        self._steps: StepFacts | None = None
        self._sizes = SizeTable()  # image sizes for the step math, kept across rebuilds
        self.rebuild()
        if live:
            dataset.subscribe(self.update)

    # ---- state ---------------------------------------------------------------------
    def rebuild(self) -> None:
        """Re-read settings and re-check every image (settings, facts, or a tag style change)."""
        with self._lock:
            ds = self.dataset
            groups = self._clone_groups
            if self._facts is not None and groups is None:
                groups = _find_clone_groups(self._facts, ds)
            self.ctx: RuleContext = build_context(
                ds, self._facts, groups, self._scores, self._categories
            )
            self._order = {rel: i for i, rel in enumerate(ds.items)}
            self._states: dict[str, ImageState] = {}
            self._groups: dict[IssueKey, Group] = {}
            self._counts: Counter[str] = Counter()
            self._first: Counter[str] = Counter()
            self._cache: dict[IssueKey, Finding | None] = {}
            self._tag_groups: dict[str, Group] = {}  # images of frequent tags, kept sorted
            n = len(trained_items(ds))  # counts and shares are of the images kohya trains
            # Tags on at least this many images are candidates for tags.constant / kind-prune.
            self._frequent_min = max(2, min(frequent_floor(n), n + 1))
            self._frequent: set[str] = set()
            self._dirty: set[IssueKey] = set()
            self._steps = None  # settings or the image set changed: plan again
            # What was read before judging (kind, trigger, caption files): once per
            # rebuild or change of the image set, not per caption edit.
            self._described: dict | None = None
            for rel, item in ds.items.items():
                self._set_state(rel, analyse(self.ctx, item))

    def _set_state(self, rel: str, new: ImageState) -> None:
        pos = self._order[rel]
        old = self._states.get(rel)
        if old is not None:
            for key, details in old.issues.items():
                if new.issues.get(key) == details:
                    continue
                self._groups[key].remove(pos, details)
                self._dirty.add(key)
            _count(self._counts, old.norms, -1)
            _count(self._first, (old.first,), -1)
        for key, details in new.issues.items():
            if old is not None and old.issues.get(key) == details:
                continue
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = Group()
            group.add(pos, rel, details)
            self._dirty.add(key)
        _count(self._counts, new.norms, 1)
        _count(self._first, (new.first,), 1)
        for tag in new.norms if old is None else old.norms ^ new.norms:
            if self._counts.get(tag, 0) >= self._frequent_min:
                self._frequent.add(tag)
            else:
                self._frequent.discard(tag)
        if self._tag_groups:
            for tag in new.norms if old is None else old.norms ^ new.norms:
                group = self._tag_groups.get(tag)
                if group is not None:
                    (group.add(pos, rel, ()) if tag in new.norms else group.remove(pos, ()))
        self._states[rel] = new

    def _drop_state(self, rel: str) -> None:
        """Take a removed image out of every group and count (positions still the old ones)."""
        old = self._states.pop(rel, None)
        if old is None:
            return
        pos = self._order[rel]
        for key, details in old.issues.items():
            self._groups[key].remove(pos, details)
            self._dirty.add(key)
        _count(self._counts, old.norms, -1)
        _count(self._first, (old.first,), -1)
        for tag in old.norms:
            if self._counts.get(tag, 0) >= self._frequent_min:
                self._frequent.add(tag)
            else:
                self._frequent.discard(tag)
            group = self._tag_groups.get(tag)
            if group is not None:
                group.remove(pos, ())

    def _membership_changed(self, added: list[str], removed: list[str]) -> bool:
        """Images came or went: update groups in place; False when a rebuild is needed.

        Natural order keeps the images that stay in the same relative order, so the
        groups only renumber their members; the added images are analysed alone.
        """
        ds = self.dataset
        if detect_tag_style(ds, anchor=self.ctx.anchor) != self.ctx.tag_style:
            return False  # the spelling of every planned tag changes
        if any(
            s.trained != trains(ds, ds.items[r]) for r, s in self._states.items() if r in ds.items
        ):
            return False  # a first N_name folder came or the last went: kohya reads others now
        for rel in removed:
            self._drop_state(rel)
        self._order = {rel: i for i, rel in enumerate(ds.items)}
        for group in (*self._groups.values(), *self._tag_groups.values()):
            if not group.renumber(self._order):
                return False  # the order is not natural order any more: start over
        n = len(trained_items(ds))
        threshold = max(2, min(frequent_floor(n), n + 1))
        if threshold != self._frequent_min:
            self._frequent_min = threshold
            self._frequent = {t for t, c in self._counts.items() if c >= threshold}
        if self._scores:
            self._update_rare_seen(self._scores, self._categories, skip=set(added))
        for rel in added:
            self._set_state(rel, analyse(self.ctx, ds.items[rel]))
        self._steps = None  # the training plan covers other images now
        self._described = None
        return True

    def update(self, relpaths: set[str], reason: str) -> None:
        """Recompute what the changed images affect (a dataset listener; call it
        yourself when the engine was built with ``live=False``)."""
        with self._lock:
            items = self.dataset.items
            relpaths = self._with_partners(relpaths)
            order = self._order
            same_set = len(items) == len(order) and all(r in order for r in relpaths if r in items)
            added: list[str] = []
            if not same_set or any(r not in items and r in order for r in relpaths):
                added = [r for r in items if r not in order]
                removed = [r for r in order if r not in items]
                if not self._membership_changed(added, removed):
                    self.rebuild()
                    added = list(items)
            fresh = set(added)
            for rel in relpaths:
                if rel in items and rel not in fresh:
                    self._set_state(rel, analyse(self.ctx, items[rel]))
            if self._sizes.refresh(self.dataset, relpaths):
                self._steps = None  # an image file was replaced by one of another size
        if self._listeners:
            report = self.check()
            for cb in list(self._listeners):
                cb(report)

    def _with_partners(self, relpaths: set[str]) -> set[str]:
        """Add the images that share a changed caption (``a.png`` + ``a.jpg`` → ``a.txt``)."""
        pairs = getattr(self.dataset, "stem_collisions", None)
        if not pairs:
            return relpaths
        out = set(relpaths)
        for a, b, _cap in pairs:
            if a in relpaths or b in relpaths:
                out.update((a, b))
        return out

    # ---- inputs ----------------------------------------------------------------------
    def set_facts(
        self, facts: Mapping[str, Any] | None, clone_groups: list[Any] | None = None
    ) -> None:
        """Image analysis arrived (relpath -> ImageFacts); re-check and tell listeners."""
        self._facts = facts
        self._clone_groups = clone_groups
        self._refresh_all()

    def set_scores(
        self,
        scores: Mapping[str, Mapping[str, float]] | None,
        categories: Mapping[str, str] | None = None,
    ) -> None:
        """Tagger scores arrived: re-check only the images whose rare elements changed.

        Scores feed one rule (``tags.inconsistent``), so nothing else is rebuilt: the
        images whose list of rarely seen elements differs are re-analysed, the rest
        keep their state, and the readiness plan is kept.
        """
        with self._lock:
            self._scores = scores
            self._categories = categories
            self._update_rare_seen(scores, categories)
        self._tell()

    def _update_rare_seen(
        self,
        scores: Mapping[str, Mapping[str, float]] | None,
        categories: Mapping[str, str] | None,
        skip: set[str] | None = None,
    ) -> None:
        """New rarely-seen elements; re-analyse the images whose list changed."""
        ctx = self.ctx
        old = ctx.rare_seen
        new = rare_seen_tags(ctx, scores, categories or {}) if scores else {}
        ctx.scores_loaded = bool(scores)
        ctx.rare_seen = new
        items = self.dataset.items
        for rel in old.keys() | new.keys():
            if skip and rel in skip:
                continue
            if old.get(rel) != new.get(rel) and rel in items and rel in self._states:
                self._set_state(rel, analyse(ctx, items[rel]))

    def settings_changed(self) -> None:
        """Call after ``dataset.settings`` changed (kind, core tag, ticks, overrides)."""
        self._refresh_all()

    def _refresh_all(self) -> None:
        self.rebuild()
        self._tell()

    def _tell(self) -> None:
        if self._listeners:
            report = self.check()
            for cb in list(self._listeners):
                cb(report)

    def subscribe(self, listener: ReportListener) -> None:
        """``listener(report)`` runs after every change the engine sees."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: ReportListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # ---- fixes -------------------------------------------------------------------------
    def apply_fix(self, finding: Finding, dry_run: bool = False) -> FixOutcome:
        """Apply a finding's fix (settings first, then journaled tag changes)."""
        if finding.fix is None:
            raise ValueError(f"{finding.rule_id}: this finding has no automatic fix")
        outcome = apply_fix(self.dataset, finding.fix, dry_run=dry_run)
        if (finding.fix.settings or outcome.pinned_kind) and not dry_run:
            self.settings_changed()
        return outcome

    # ---- report ------------------------------------------------------------------------
    def check(self, rule_ids: Iterable[str] | None = None) -> Report:
        wanted = list(rule_ids) if rule_ids else None
        with self._lock:
            view = self._view()
            findings, cover = all_findings(self._group_findings(), view)
            readiness = self._readiness(findings, cover, view)
            if self._described is None:
                ctx = self.ctx
                self._described = describe_dataset(
                    self.dataset, ctx.captions, ctx.triggers, ctx.anchor
                )
            described = self._described
        findings, cover = narrowed(findings, cover, wanted)
        return Report(findings, cover, readiness, described)

    def findings(self) -> list[Finding]:
        """Every finding, most severe first, without readiness.

        Readiness plans training; a caller that plans the run itself (starting a
        run) asks for this instead, so one start plans once and reads no image size here.
        """
        with self._lock:
            return all_findings(self._group_findings(), self._view())[0]

    def _view(self) -> View:
        states = self._states
        return View(
            ctx=self.ctx,
            groups=self._groups,
            counts=self._counts,
            frequent=self._frequent,
            first_counts=self._first,
            total=_trained_total(self.dataset, states),
            order=self._order,
            images_of=self._images_of,
            first_of=lambda rel: states[rel].first if rel in states else "",
        )

    def _images_of(self, tag: str) -> list[str]:
        """Images carrying ``tag`` in dataset order; kept up to date once asked for."""
        group = self._tag_groups.get(tag)
        if group is None:
            group = self._tag_groups[tag] = Group()
            order, states = self._order, self._states
            for rel in sorted(self.dataset.index.images(tag), key=lambda r: order.get(r, 0)):
                state = states.get(rel)
                if state is not None and state.trained:  # an ignored image's tags: no count
                    group.add(order[rel], rel, ())
        return group.images

    def _group_findings(self) -> list[Finding]:
        for key in self._dirty:
            group = self._groups.get(key)
            self._cache[key] = (
                messages.build(self.ctx, key, group, self._counts) if group is not None else None
            )
        self._dirty.clear()
        return [f for f in self._cache.values() if f is not None]

    def _readiness(self, findings: list[Finding], cover: list, view: View) -> Readiness:
        if self._steps is None:
            # Sizes are read here, not when the engine is built: a caller that wants
            # only the findings (``findings()``) reads no image.
            self._sizes.sync(self.dataset, self._facts)
            self._steps = step_facts(self.dataset, self._sizes)
        return build_readiness(self.ctx, view.total, findings, cover, self._steps)


def _trained_total(ds: Dataset, states: Mapping[str, ImageState]) -> int:
    """The images kohya trains: every image unless some lie outside the N_name folders."""
    if not ds.ignored_folders:
        return len(ds.items)
    return sum(1 for s in states.values() if s.trained)


def frequent_floor(total: int) -> int:
    """The lowest count any frequency rule looks at (kind-prune candidates: half)."""
    return math.ceil(min(PRUNE_CANDIDATE_SHARE, CONSTANT_SHARE) * total)


def _count(counter: Counter[str], keys: Iterable[str], delta: int) -> None:
    for k in keys:
        v = counter.get(k, 0) + delta
        if v > 0:
            counter[k] = v
        else:
            counter.pop(k, None)


def _find_clone_groups(facts: Mapping[str, Any], ds: Dataset) -> list[Any] | None:
    """Clone groups from the analysis helper's ``find_groups``; None when not available.

    With the dataset's thresholds and its clone cache, so a grouping ``lorapan scan``
    stored is read back rather than computed again.
    """
    try:
        config = analysis_config(ds)
        return list(find_groups(facts, config, root=ds.root, state_dir=ds.state_dir))
    except Exception:  # noqa: BLE001 - a broken cache must not stop the check
        return None

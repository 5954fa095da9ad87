"""The coverage checklist: images per item against its minimum, or a manual tick."""

from __future__ import annotations

from lorapan.core.method.kind import kind_guess
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import CoverageItem, Finding


def coverage(v: View) -> tuple[list[CoverageItem], list[Finding]]:
    ticks = v.ctx.dataset.settings.checklist
    items, findings = [], []
    # Sentences cannot be counted by tag: every item is ticked by hand then.
    by_hand = v.ctx.captions.has_sentences
    # A kind nobody stated and nothing showed: its checklist is listed, not asked for
    # (dataset.kind asks for the kind first; a phone is not checked for eye focus).
    quiet = kind_guess(v.ctx.dataset).source == "default"
    for spec in v.ctx.vocab.coverage:
        rule = f"coverage.{spec.id}"
        if by_hand and not spec.manual and spec.minimum == 0:
            continue  # "welcome", never asked for
        if spec.manual or by_hand:
            ticked = bool(ticks.get(spec.id, ticks.get(rule, False)))  # key: the item id
            items.append(CoverageItem(spec.id, spec.label, 0, 0, True, ticked))
            why = (
                "only a person can tell"
                if spec.manual
                else "the captions are sentences, so it cannot be counted by tag"
            )
            if not ticked and not quiet:
                look = _look_at(v, spec.look_at) if spec.manual else []
                findings.append(
                    Finding(
                        rule,
                        "manual",
                        f"{spec.label}: {why}; tick it when it holds "
                        f"(`{v.ctx.command('checklist', '--tick', spec.id)}` or space in the app)"
                        + _look_note(spec.look_at, look),
                        look,
                    )
                )
            continue
        g = v.group("coverage", spec.id)
        images = g.images if g else []
        items.append(
            CoverageItem(spec.id, spec.label, len(images), spec.minimum, False, False, images)
        )
        if len(images) < spec.minimum and not quiet:
            tags = ", ".join(sorted(spec.tags)[:6])
            findings.append(
                Finding(
                    rule,
                    "warning",
                    f"{spec.label}: {plural(len(images), 'image')}, the guide asks for at least "
                    f"{spec.minimum} (counted by tags: {tags}).",
                    images,
                )
            )
    return items, findings


def _look_at(v: View, tags: frozenset[str]) -> list[str]:
    """The images carrying any of ``tags``, in dataset order."""
    found = {rel for tag in tags for rel in v.images_of(tag)}
    return sorted(found, key=lambda rel: v.order.get(rel, 0))


def _look_note(tags: frozenset[str], images: list[str]) -> str:
    if not images:
        return "."
    named = ", ".join(f"'{t}'" for t in sorted(tags))
    return f"; look first at the {plural(len(images), 'image')} tagged {named}."

"""``tags.core`` while no core tag is set: propose one from the captions."""

from __future__ import annotations

from lorapan.core.method.anchor import tag_key
from lorapan.core.method.kind import subjects_of
from lorapan.core.method.names import not_a_name
from lorapan.core.rules import fixes
from lorapan.core.rules.dataset_wide.frequency import maybe_the_name
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.model import Finding


def core_proposal(v: View) -> list[Finding]:
    ctx = v.ctx
    if ctx.core or ctx.profile.bundle:
        return []
    if len(subjects_of(ctx.dataset)) >= 2:
        return []  # each subject's own first tag is its core tag (two styles in one set)
    proposal = fixes.propose_core(ctx, v.first_counts, v.total)
    msg = "no core tag is set for this dataset: the guide puts one core tag first in every caption"
    if ctx.trigger is None:
        shape = ctx.profile.core_shape.format(name=ctx.vocab.name or "<name>")
        msg += f" (shape for this kind: '{shape}')"
    msg += "."
    fix, severity = None, "error"
    trigger = ctx.trigger
    if proposal:
        why = f" ({trigger.describe(v.total)})" if trigger is not None else ""
        msg += f" Proposed: '{proposal}'{why} — confirm it to write it to lorapan.toml."
        fix = fixes.core_proposal_fix(ctx, proposal)
        if v.total and v.first_counts.get(tag_key(proposal), 0) == v.total:
            # the captions already follow the guide; only lorapan.toml does not say so
            severity = "warning"
            msg += " Every caption already starts with it, so training is not held up."
    else:
        msg += _not_proposed(v) + (
            " The shape needs the subject's name, which only you can give: set [dataset] "
            "name (lorapan builds the core tag from it) or core_tag in lorapan.toml."
        )
        if named := _name_like(v):
            which = ", ".join(f"'{t}'" for t in named)
            msg += (
                f" On every caption, and not a tag a tagger writes: {which}. If one of them "
                "is the name, set [dataset] name to it."
            )
    return [Finding("tags.core", severity, msg, [], fix, key="tags.core:unset")]


def _not_proposed(v: View) -> str:
    """Why the tag first on most captions is not proposed ('' when there is none): a
    tagger's '1girl' or a booru's 'mocha_(cotton)' names no subject."""
    first = v.ctx.anchor.single
    why = not_a_name(first) if first else ""
    if not why:
        return ""
    n = v.first_counts.get(tag_key(first), 0)
    return f" '{first}', first in {n} of {v.total} captions, is not proposed: it is {why}."


def _name_like(v: View, most: int = 4) -> list[str]:
    """Tags on every caption that may be the subject's name (as the captions write
    them), shortest first: a name is one or two words, a description longer."""
    ctx = v.ctx
    found = [
        ctx.dataset.index.display(tag)
        for tag in v.frequent
        if v.counts.get(tag, 0) == v.total and maybe_the_name(ctx, tag)
    ]
    return sorted(found, key=lambda t: (len(t.split()), t))[:most]

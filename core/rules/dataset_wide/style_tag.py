"""``tags.style`` while lorapan.toml states no style tag: propose one, or ask.

An explicit ``style_tag`` is checked per caption (an error where it is missing, see
``messages``); an unset one is the guide's taste, not a must: this warning proposes the
tag the captions already use as one, or 'anime screencap' for a set that looks anime,
and otherwise asks (:mod:`lorapan.core.method.style_tag`).
"""

from __future__ import annotations

from lorapan.core.method.anchor import trained_items
from lorapan.core.rules import fixes
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import Finding, Fix


def style_proposal(v: View) -> list[Finding]:
    ctx = v.ctx
    if ctx.style_explicit or ctx.settings_kind == "style" or not v.total:
        return []
    guess = ctx.style_guess
    confirm = ctx.command("fix", "--rule", "tags.style")
    if guess is None:
        msg = (
            "no style tag is set and no tag looks like one: the guide puts a style tag in every "
            "caption to switch the dataset's look on and off ('anime screencap' is its tag for "
            'anime sets). Set [dataset] style_tag = "..." in lorapan.toml, or '
            'style_tag = "" for none.'
        )
        return [Finding("tags.style", "warning", msg, [], key="tags.style:unset")]
    have = set(v.images_of(ctx.norm(guess.tag)))
    trained = trained_items(ctx.dataset)  # not a solos/ folder kohya ignores
    missing = [rel for rel in v.order if rel not in have and rel in trained]
    missing = [r for r in missing if trained[r].has_caption]
    msg = (
        f"no style tag is set; proposed: '{guess.tag}' ({guess.evidence}). The guide puts a "
        "style tag in every caption to switch the dataset's look on and off"
    )
    if missing:
        msg += f"; confirming adds it after the core tag to {plural(len(missing), 'caption')}"
    msg += f". Confirm: `{confirm}`, or set your own [dataset] style_tag in lorapan.toml."
    label = f"set style tag '{guess.tag}' in lorapan.toml (undo reverts it)"
    insert = fixes.style_fix(ctx, guess.tag, missing)
    fix = Fix(label, insert.planner, "tags.style", settings={"style_tag": guess.tag})
    return [Finding("tags.style", "warning", msg, missing, fix, key="tags.style:unset")]

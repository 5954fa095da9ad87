"""``tags.franchise-name``: other characters' and franchises' names in the captions.

The guide's blacklist removes franchise character names (``kaito (vocaloid)``,
``archer (fate)``, ``sanji (one piece)``, ..., and "GONNA ADD MORE IF THERE ARE CHARACTER
NAMES"): a name the base model already knows competes with the subject's own core tag
and pulls the LoRA towards that character's look. No shipped list can hold every
character, so lorapan recognises them as a booru writes them:

- ``name (series)``: a character with its franchise in brackets (``fern (sousou no
  frieren)``), unless the bracket is a general tag's (``bow (weapon)``, ``horror
  (theme)``: ``general_qualifiers`` in ``core/data/names.toml``);
- the franchise itself, where such a tag of the same set names it (``sousou no frieren``
  beside ``fern (sousou no frieren)``).

A name that is the subject's own (the core tag, a trigger, the anchor, the name of the
unique tags, a bundle's subjects) stays, and a tag the blacklist already lists is
reported there. It is a warning, not the blacklist's error: found by its shape, it may
be wrong (``[rules] blacklist_allow`` keeps one). It applies to the kinds the guide's
character blacklist applies to. A plain name with no bracket (``yoisaki kanade``,
``project sekai``) cannot be told from any other tag by its shape: add it with
``[dataset] blacklist_extra``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lorapan.core.rules import fixes
from lorapan.core.rules.model import Finding
from lorapan.core.words import plural, verb

if TYPE_CHECKING:
    from lorapan.core.rules.context import RuleContext
    from lorapan.core.rules.groups import Group

RULE = "tags.franchise-name"


def applies(ctx: RuleContext) -> bool:
    """The kinds whose blacklist is the guide's list for characters."""
    return "characters" in ctx.profile.blacklists


def found_in(ctx: RuleContext, nset: frozenset[str]) -> tuple[str, ...]:
    """The caption's franchise names (keys), the blacklisted ones left to the blacklist
    (:attr:`~lorapan.core.rules.context.TagInfo.franchise` says which are)."""
    if not applies(ctx):
        return ()
    return tuple(sorted(n for n in nset if ctx.info(n).franchise and not ctx.info(n).blacklisted))


def finding(ctx: RuleContext, sub: str, g: Group, counts: Any) -> Finding:
    tags = frozenset(g.details)
    rows = g.details.most_common()
    shown = ", ".join(f"'{t}' ×{c}" for t, c in rows[:6])
    shown += f", and {len(rows) - 6} more" if len(rows) > 6 else ""
    msg = (
        f"{plural(len(g), 'image')} {verb(len(g), 'carries', 'carry')} other characters' or "
        f"franchises' names ({shown}): the guide's blacklist removes franchise character "
        "names, since a name the base model knows competes with the subject's own core tag. "
        "Found by how a booru writes them ('name (series)', and the series such a tag "
        "names); keep one with [rules] blacklist_allow in lorapan.toml, and add plain names "
        "the shape cannot tell with [dataset] blacklist_extra."
    )
    label = f"remove {plural(len(tags), 'franchise name')}"
    return Finding(RULE, "warning", msg, g.images, fixes.remove_fix(RULE, label, g.images, tags))

"""Folders kohya ignores (``kohya.ignored-folder``): a mistake, or a couple's or group's
collage material.

Beside ``N_name`` folders kohya reads nothing else, so ``images/`` without the prefix in
a character set is most likely a folder meant to train: a warning says to move it. The
guide builds couple and group sets from the characters' solos ("get their solos and
create the collages", methodology: "Groups: collage solo images side by side"), and
those solos are kept out of training on purpose, in a folder such as ``solos/``: there
it says so quietly (advice), with the command that makes the collages.
"""

from __future__ import annotations

from lorapan.core.captions import norm_tag
from lorapan.core.dataset.kohya import IgnoredFolder
from lorapan.core.method.kind_looks import MOST
from lorapan.core.rules.context import RuleContext
from lorapan.core.rules.dataset_wide.solo_people import one_of_each
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import Finding

#: a collage is made of two to four solos (``lorapan collage``)
COLLAGE_MAX = 4


def ignored_folders(v: View) -> list[Finding]:
    out = []
    ctx = v.ctx
    for f in ctx.dataset.ignored_folders:
        key = f"kohya.ignored-folder:{f.path}"
        images = _images_in(ctx, f)
        if ctx.profile.several_people and _solos(ctx, f, images):
            msg = _collage_material(ctx, f, images)
            out.append(Finding("kohya.ignored-folder", "advice", msg, [], key=key))
        else:
            out.append(Finding("kohya.ignored-folder", "warning", _move(f), [], key=key))
    return out


def _move(f: IgnoredFolder) -> str:
    them = "it" if f.image_count == 1 else "them"
    if f.inside is None:
        return f"{f.reason}; move {them} into one"
    into = f"'{f.inside}'" if f.inside else "the dataset root"
    return (
        f"{f.reason}; move {them} up into {into}, or name the folder `N_name` (N = repeats) "
        "to train it as a subset of its own"
    )


def _images_in(ctx: RuleContext, f: IgnoredFolder) -> list[str]:
    """The images of the ignored folder ``f`` ('' is the dataset root), in dataset order."""
    return [r for r, it in ctx.dataset.items.items() if it.folder is None and f.holds(r)]


def _is_solo(ctx: RuleContext, tags: tuple[str, ...]) -> bool:
    """Tagged as one person: ``solo``, or one of ``1girl``/``1boy``/``1other`` alone."""
    keys = frozenset(norm_tag(t) for t in tags)
    v = ctx.vocab
    if keys & v.multi_person:
        return False
    return "solo" in keys or len(keys & v.one_person) == 1


def _solos(ctx: RuleContext, f: IgnoredFolder, images: list[str]) -> bool:
    """Most of the folder's captioned images show one person (without captions: the
    folder is named for solos)."""
    items = ctx.dataset.items
    captioned = [items[rel].tags for rel in images if items[rel].tags]
    if not captioned:
        return "solo" in f.path.lower()
    return sum(_is_solo(ctx, tags) for tags in captioned) >= MOST * len(captioned)


def _collage_material(ctx: RuleContext, f: IgnoredFolder, images: list[str]) -> str:
    where = "the dataset root" if not f.path else f"folder '{f.path}'"
    n = len(images) or f.image_count
    msg = (
        f"{where} holds {plural(n, 'solo image')}, which kohya does not train (it reads "
        "only the `N_name` folders): fine as the guide's collage material for a "
        f"{ctx.profile.kind} ('get their solos and create the collages'), and the rules ask "
        f"nothing of {'its caption' if n == 1 else 'their captions'}."
    )
    how_many = "two" if ctx.profile.kind == "couple" else "two to four"
    people, told = one_of_each(ctx, images, _want(ctx))
    if people:
        return msg + (
            f" Make a collage of {how_many} solos of different people, left to right: "
            f"`{ctx.command('collage', *people)}` ({told}); it goes into the "
            "kohya folder of the trained images, captioned under the core tag."
        )
    sample = _sample(ctx, images)
    if len(sample) < 2:
        return msg
    return msg + (
        f" Make a collage of {how_many} solos of different people, left to right, such as "
        f"`{ctx.command('collage', *sample)}`: the captions and file names here do not tell "
        "who is who, so check that the ones you name show different people. It goes into "
        "the kohya folder of the trained images, captioned under the core tag."
    )


def _want(ctx: RuleContext) -> int:
    """How many solos the kind's collage takes (a couple: two)."""
    return 2 if ctx.profile.kind == "couple" else COLLAGE_MAX


def _sample(ctx: RuleContext, images: list[str]) -> list[str]:
    """Images for the example command when no one can be told apart: different captions
    first, as many as the kind's collage takes."""
    items = ctx.dataset.items
    seen: set[tuple[str, ...]] = set()
    first, rest = [], []
    for rel in images:
        tags = tuple(items[rel].tags)
        (rest if tags in seen else first).append(rel)
        seen.add(tags)
    return (first + rest)[: _want(ctx)]

"""Which copy of a picture the ``clones.ratio`` fix keeps, and which it never sets aside.

Copies of one picture are one picture to kohya, but not to the captions: a download
manager's ``Copy of lena_010.png`` may carry the caption its owner wrote by hand
(``scar on cheek``), the file the analysis calls the original a tagger's bare
``1girl, solo, blonde hair``. The copy that stays is the one whose caption trains best,
by :func:`keep_key`: the special details it carries (the guide clones those), the
anchor (core tag or trigger), the style tag, then the better file (bigger, sharper,
lossless), then more tags and the dataset's tag spelling, then the analysis's own
original and its plain name.

The guide also asks each special detail to be shown in focus at least twice and with
the face/body at least three times, cloning the best ones: a copy whose caption is
one of those few carriers (or the last one) is never set aside (:meth:`Captions.may_go`).
When those copies alone are above the ratio, the finding says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lorapan.core.method.anchor import anchor_of, tag_key, trained_items
from lorapan.core.rules.context import RuleContext
from lorapan.core.rules.perimage import DETAIL_KINDS

#: the guide: each special detail in focus at least twice, with the face/body three times
FOCUS_MIN = 2
FACEBODY_MIN = 3
#: tags named where a set-aside copy's caption has some the kept one lacks
TAGS_NAMED = 4
_JOINED = re.compile(r"[^\W_]_[^\W_]")  # long_hair (not a kaomoji's ^_^)


@dataclass
class Captions:
    """What the fix reads of the captions kohya trains, at the time it plans."""

    tags: Mapping[str, tuple[str, ...]]  # relpath -> tag keys (tag_key form), in order
    anchor: frozenset[str] = frozenset()
    style_key: str = ""
    off_style: Mapping[str, int] = field(default_factory=dict)  # rel -> tags spelled otherwise
    details: Mapping[str, frozenset[str]] = field(default_factory=dict)  # rel -> its details
    focus: frozenset[str] = frozenset()  # images framed in focus (close-up, ...)
    facebody: frozenset[str] = frozenset()  # images that show the face/body
    #: whether the guide's counts hold for the kind (a character's special details)
    counted: bool = True

    @classmethod
    def of(cls, dataset: Any, ctx: RuleContext) -> Captions:
        """The captions of ``dataset`` as the fix plans them, read with ``ctx``'s
        vocabularies (its special details, framings, style tag and tag style)."""
        v = ctx.vocab
        items = trained_items(dataset)
        tags = {rel: tuple(map(tag_key, it.tags)) for rel, it in items.items()}
        anchor = (ctx.anchor if dataset is ctx.dataset else anchor_of(dataset)).keys
        off_style = {
            rel: sum(
                1 for t in it.tags if tag_key(t) not in anchor and _off_style(t, ctx.tag_style)
            )
            for rel, it in items.items()
        }
        details = {}
        focus, facebody = set(), set()
        for rel, keys in tags.items():
            found = frozenset(k for k in keys if ctx.info(k).special)
            if found:
                details[rel] = found
                if not v.detail_focus.isdisjoint(keys):
                    focus.add(rel)
                if not v.face_body.isdisjoint(keys):
                    facebody.add(rel)
        counted = ctx.profile.kind in DETAIL_KINDS
        return cls(
            tags,
            anchor,
            ctx.style_norm,
            off_style,
            details,
            frozenset(focus),
            frozenset(facebody),
            counted,
        )

    def of_image(self, rel: str) -> tuple[str, ...]:
        return self.tags.get(rel, ())

    # ---- which copy stays -------------------------------------------------------------
    def merits(self, rel: str) -> tuple[int, bool, bool]:
        """What a caption carries that training needs: special details, anchor, style tag."""
        keys = set(self.of_image(rel))
        return (
            len(self.details.get(rel, ())),
            not self.anchor.isdisjoint(keys),
            bool(self.style_key) and self.style_key in keys,
        )

    def fullness(self, rel: str) -> tuple[int, int]:
        """More tags, then fewer spelled against the dataset's style (``long_hair``)."""
        return len(set(self.of_image(rel))), -self.off_style.get(rel, 0)

    # ---- which copy may go ------------------------------------------------------------
    def may_go(self, rel: str, taken: Sequence[str]) -> bool:
        """Whether ``rel`` can be set aside after ``taken`` without losing the last
        carrier of a special detail, or one of the few the guide asks for."""
        mine = self.details.get(rel)
        if not mine:
            return True
        gone = set(taken)
        for detail in mine:
            left = [r for r, d in self.details.items() if detail in d and r not in gone]
            if len(left) <= 1:
                return False
            if not self.counted:
                continue
            if rel in self.focus and sum(r in self.focus for r in left) <= FOCUS_MIN:
                return False
            if rel in self.facebody and sum(r in self.facebody for r in left) <= FACEBODY_MIN:
                return False
        return True

    # ---- what the fix says ------------------------------------------------------------
    def why_kept(self, keep: str, gone: str) -> str:
        """Why ``keep``'s caption won over ``gone``'s ('' when they are alike or the file
        decided): the first thing it carries that the other lacks."""
        k, g = self.of_image(keep), self.of_image(gone)
        extra_details = sorted(self.details.get(keep, set()) - self.details.get(gone, set()))
        if extra_details:
            return f"whose caption carries {_quoted(extra_details)}"
        if self.merits(keep)[1] and not self.merits(gone)[1]:
            return f"whose caption carries {_quoted(sorted(self.anchor & set(k)))}"
        if self.merits(keep)[2] and not self.merits(gone)[2]:
            return f"whose caption carries the style tag '{self.style_key}'"
        kf, gf = self.fullness(keep), self.fullness(gone)
        if kf[0] > gf[0] and set(g) <= set(k):
            return f"whose caption has more tags ({kf[0]} to {gf[0]})"
        return ""

    def leaving(self, keep: str, gone: str) -> str:
        """The tags of ``gone``'s caption that ``keep``'s lacks: they leave with it (the
        fix moves files, it never merges captions)."""
        kept = set(self.of_image(keep))
        left = list(dict.fromkeys(t for t in self.of_image(gone) if t not in kept))
        if not left:
            return ""
        more = f" and {len(left) - TAGS_NAMED} more" if len(left) > TAGS_NAMED else ""
        if len(left) == 1:
            return f"its tag {_quoted(left)} leaves with it"
        return f"its tags {_quoted(left[:TAGS_NAMED])}{more} leave with it"

    def held_details(self, held: Iterable[str]) -> Counter[str]:
        """Special detail -> how many of the ``held`` copies carry it."""
        return Counter(d for rel in held for d in self.details.get(rel, ()))


def _off_style(tag: str, style: str) -> bool:
    """A multi-word tag spelled the other way (``long_hair`` in a set of ``long hair``)."""
    if style == "underscores":
        return " " in tag.strip()
    return " " not in tag.strip() and bool(_JOINED.search(tag))


def _quoted(tags: Sequence[str]) -> str:
    return ", ".join(f"'{t}'" for t in tags)


def keep_key(rel: str, captions: Captions, quality: tuple, head: bool, name: tuple = ()) -> tuple:
    """Sort key of a clone set's members, best (the one to keep) last.

    ``quality`` ranks the files (bigger, sharper, lossless, more bytes); ``head`` is
    the analysis's original of the set; ``name`` ranks the plain name last (``a.png``
    over ``a - Copy.png``).
    """
    return (*captions.merits(rel), quality, *captions.fullness(rel), head, name)

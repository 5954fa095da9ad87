"""Hair and eye tags merged into one unique tag per character (``tags.hair-unique``,
``tags.eyes-unique``, ``bundle.bio-overlap``), spelled in the dataset's tag style."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from lorapan.core.commands_hint import hint
from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange, plan
from lorapan.core.method.names import not_a_name
from lorapan.core.method.vocab import colour_counts, name_from_core, slug
from lorapan.core.rules import bundles
from lorapan.core.rules.context import RuleContext, norm
from lorapan.core.rules.fixes import Tags, current_tags, tag_fix
from lorapan.core.rules.model import Fix


def unique_tag(
    ctx: RuleContext, counts: Mapping[str, int], part: str, images: Iterable[str] = ()
) -> tuple[str | None, str]:
    """The ``<colour>_<name>_<part>`` tag to merge into, or None with the reason.

    An existing unique tag wins (the most common one); otherwise the dominant
    ``<colour> hair`` / ``<colour> eyes`` tag gives the colour. Two colours on as many
    captions (two-tone hair: ``orange hair, white hair`` on each) are told apart by
    which the captions of ``images`` write first (a tagger writes its surer tag first).
    """
    v = ctx.vocab
    if not v.name:
        return None, no_name_reason(ctx)
    is_unique = v.is_unique_hair if part == "hair" else v.is_unique_eyes
    colour_of = v.hair_colour if part == "hair" else v.eye_colour
    existing = [(c, t) for t, c in counts.items() if c > 0 and is_unique(t)]
    if existing:
        _c, tag = max(existing, key=lambda ct: (ct[0], ct[1]))
        return ctx.dataset.index.display(tag), ""
    colours = [(c, t) for t, c in counts.items() if c > 0 and colour_of(t)]
    if not colours:
        return None, f"no '<colour> {part}' tag to take the colour from; add the tag by hand"
    top = max(c for c, _t in colours)
    if part == "eyes" and len(colours) > 1 and 2 * counts.get(HETEROCHROMIA, 0) >= top:
        # two eye colours, each on its eye: one colour would teach both eyes that one
        return spell_unique(ctx, HETEROCHROMIA, v.name, part), ""
    tied = sorted(t for c, t in colours if c == top)
    items = ctx.dataset.items
    captions = (items[r].tags for r in images if r in items)
    tag = written_first(tied, captions) if len(tied) > 1 else tied[0]
    return spell_unique(ctx, colour_of(tag), v.name, part), ""


HETEROCHROMIA = "heterochromia"


def written_first(tags: list[str], captions: Iterable[Iterable[str]]) -> str:
    """Of ``tags`` (normalised), the one ``captions`` most often write before the
    others; the first of ``tags`` when none is written or votes tie."""
    wanted = set(tags)
    votes: Counter[str] = Counter()
    for caption in captions:
        first = next((k for k in map(norm, caption) if k in wanted), None)
        if first is not None:
            votes[first] += 1
    return max(tags, key=lambda t: votes[t])  # max keeps the first of equals


def no_name_reason(ctx: RuleContext) -> str:
    """Why no unique tag can be spelled yet, and what to set: the guide names it after
    the character, and a tagger's first tag ('1girl') or a booru's artist tag is not."""
    why = "no name is known yet; set the character's name or core tag ([dataset] name or core_tag in lorapan.toml)"
    first = ctx.anchor.single
    if first and (what := not_a_name(first) or _prefix(ctx, first)):
        why += f"; '{first}', first in the captions, is {what.split(',')[0]}, not a name"
    return why


def _prefix(ctx: RuleContext, tag: str) -> str:
    return "a prompt prefix" if ctx.prefixes.is_prefix(tag) else ""


def spell_unique(ctx: RuleContext, colour: str, name: str, part: str) -> str:
    """``<colour>_<name>_<part>`` in the dataset's tag style, the name as written
    (``red M1N2N3Z4_K eyes`` in a set that writes tags with spaces)."""
    sep = "_" if ctx.tag_style == "underscores" else " "
    words = [*colour.split(), name.strip(), part]
    if sep == "_":
        words = [w.replace(" ", "_") for w in words]
    return sep.join(w for w in words if w)


def _spell_unique(ctx: RuleContext, normed: str) -> str:
    """An existing unique tag (norm form) respelled in the dataset's style."""
    tag = slug(normed)
    return tag if ctx.tag_style == "underscores" else tag.replace("_", " ")


#: a tagger's head count: '4girls', '2boys', '6+girls', '3others'
_HEADS = re.compile(r"^(\d+)\+? ?(boys?|girls?|others?)$")


def people_shape(ctx: RuleContext, images: list[str]) -> str:
    """The guide's core tag naming every person of a couple or group (methodology.md,
    tags.core: 'a and b and c and d_4boys focus'), with as many names as the images'
    own head counts say and their words ('_4girls' for four girls, not the guide's
    '_3boys' example)."""
    if ctx.profile.kind == "couple":
        return "<name> and <name> couple focus"
    seen: Counter[tuple[str, ...]] = Counter()
    items = ctx.dataset.items
    for rel in images:
        heads = tuple(sorted(n for n in map(norm, items[rel].tags) if _HEADS.match(n)))
        if heads:
            seen[heads] += 1
    if not seen:
        return "<name> and <name> and <name>_<head count, such as 3girls> focus"
    heads = seen.most_common(1)[0][0]
    count = sum(int(_HEADS.match(h).group(1)) for h in heads)  # type: ignore[union-attr]
    names = " and ".join(["<name>"] * max(count, 3))
    return f"{names}_{'_'.join(h.replace(' ', '') for h in heads)} focus"


def merge_fn(is_part: Callable[[str], bool], unique: str) -> Callable[[Tags], Tags]:
    """Replace every tag where ``is_part`` holds by ``unique``, at the first one's place."""
    key = norm(unique)

    def fn(tags: Tags) -> Tags:
        idx = [i for i, t in enumerate(tags) if is_part(norm(t))]
        if not idx:
            return tags
        first = idx[0]
        out: list[str] = []
        for i, t in enumerate(tags):
            if i == first:
                out.append(unique)
            if i in idx or norm(t) == key:
                continue
            out.append(t)
        return tuple(out)

    return fn


#: One character has one look, so one unique tag: a one-key merge takes the colour on more
#: than this share of the images that carry a colour tag. Other people in some images add
#: their colours (the guide removes them), but the character is in every image, so its
#: colour is on most of them; when none is, the colours are several people's or a concept's,
#: and merging them all into one would teach a look that is nobody's.
LOOK_MAJORITY = 0.5


def colours_vary(ctx: RuleContext, part: str, images: list[str]) -> str:
    """Why no colour is the character's (empty when one is on a majority of the images)."""
    items = ctx.dataset.items
    keys = (frozenset(map(norm, items[rel].tags)) for rel in images if rel in items)
    per_image, coloured = colour_counts(keys, ctx.vocab.colours, part)
    if not per_image or max(per_image.values()) > LOOK_MAJORITY * coloured:
        return ""
    top = ", ".join(f"'{c} {part}' ×{n}" for c, n in per_image.most_common(6))
    more = f", and {len(per_image) - 6} more" if len(per_image) > 6 else ""
    root = ctx.dataset.root
    word = "hair" if part == "hair" else "eye"
    return (
        f"the {word} colours vary ({top}{more}) and none is on more than half of the "
        f"{coloured} images that carry one: one character has one look, and one tag for "
        "them all would teach a look that is nobody's. If it is one character, merge by "
        "hand with its colour; a set of several characters or a concept should set its kind "
        f"([dataset] kind in lorapan.toml; `{hint('check', root, '--kind', 'concept')}` shows "
        "the set as a concept first)"
    )


def hair_eyes_fix(
    ctx: RuleContext, counts: Mapping[str, int], part: str, images: list[str]
) -> tuple[Fix | None, str]:
    if ctx.profile.bundle and ctx.profile.hair_eyes:
        return bundle_hair_eyes_fix(ctx, part, images)
    if ctx.profile.hair_eyes != "fix":
        return None, "tags cannot tell whose hair/eyes each tag describes: merge them by hand"
    is_unique = ctx.vocab.is_unique_hair if part == "hair" else ctx.vocab.is_unique_eyes
    merged = any(c > 0 and is_unique(t) for t, c in counts.items())  # the user chose
    if not merged and (vary := colours_vary(ctx, part, images)):
        return None, vary
    unique, why = unique_tag(ctx, counts, part, images)
    if unique is None:
        return None, why
    is_part = ctx.vocab.is_hair_tag if part == "hair" else ctx.vocab.is_eye_tag
    words = "hair colour/style" if part == "hair" else "eye colour"
    label = f"replace {words} tags with '{unique}' (other people's go too)"
    return tag_fix(f"tags.{part}-unique", label, images, merge_fn(is_part, unique)), ""


# ---- bundles -------------------------------------------------------------------
def _subject_unique(ctx: RuleContext, name: str, tags_seen: list[Tags], part: str) -> str | None:
    """One subject's ``<colour>_<name>_<part>``: its own existing unique tag (the most
    common), else its dominant ``<colour> hair`` / ``<colour> eyes`` tag's colour."""
    v = ctx.vocab
    colour_of = v.hair_colour if part == "hair" else v.eye_colour
    suffix = f" {name} {part}"
    counts: Counter[str] = Counter(norm(t) for tags in tags_seen for t in tags)
    own = [(c, t) for t, c in counts.items() if t.endswith(suffix) and len(t) > len(suffix)]
    if own:
        return _spell_unique(ctx, max(own)[1])
    colours = [(c, t) for t, c in counts.items() if colour_of(t)]
    if not colours:
        return None
    top = max(c for c, _t in colours)
    tag = written_first(sorted(t for c, t in colours if c == top), tags_seen)
    return _spell_unique(ctx, f"{colour_of(tag)}{suffix}")


def bundle_uniques(
    ctx: RuleContext, ds: Dataset, part: str, images: Iterable[str]
) -> list[tuple[str, list[str]]]:
    """Per bundle subject: its unique tag and which of ``images`` it goes into.

    Each image belongs to one subject (folder, ``[rules] subjects`` or first tag),
    so the subject's own images give the colour. Images showing several people
    (``2girls``, ``1girl, 1boy``, two subjects' core tags, ...) are left out: tags cannot tell
    whose hair is whose.
    """
    wanted = set(images)
    out = []
    subject_map = bundles.subjects(ds)
    for subject, rels in subject_map.items():
        name = slug(name_from_core(subject))
        solo = [
            r
            for r in rels
            if r in ds.items
            and not ds.items[r].read_only
            and not bundles.several_people(ctx.vocab, ds.items[r].tags, subject_map)
        ]
        mine = [r for r in solo if r in wanted]
        if not name or not mine:
            continue
        unique = _subject_unique(
            ctx, name.replace("_", " "), [ds.items[r].tags for r in solo], part
        )
        if unique is not None:
            out.append((unique, mine))
    return out


def bundle_hair_eyes_fix(ctx: RuleContext, part: str, images: list[str]) -> tuple[Fix | None, str]:
    """``tags.hair-unique`` / ``tags.eyes-unique`` in a character bundle: merge per subject."""
    now = bundle_uniques(ctx, ctx.dataset, part, images)
    if not now:
        return None, (
            "no subject's own images carry a '<colour> "
            f"{part}' tag to take the colour from, or several people share the images; "
            "merge them by hand"
        )
    is_part = ctx.vocab.is_hair_tag if part == "hair" else ctx.vocab.is_eye_tag
    frozen = tuple(images)

    def planner(ds: Dataset) -> list[TagChange]:
        # Each look is read from the captions as checked, not from what earlier fixes
        # in this batch would write: a tag another fix made is not the user's choice,
        # and an image whose '2girls' the blacklist drops still shows two people.
        out: list[TagChange] = []
        for unique, rels in bundle_uniques(ctx, ctx.dataset, part, frozen):
            current, rels = current_tags(ds, rels)
            out.extend(plan(current, rels, merge_fn(is_part, unique)))
        return out

    words = "hair colour/style" if part == "hair" else "eye colour"
    examples = ", ".join(f"'{u}'" for u, _ in now[:3]) + (", ..." if len(now) > 3 else "")
    label = f"replace each character's {words} tags with its own unique tag ({examples})"
    if sum(len(r) for _, r in now) < len(images):
        label += " (images with several people, or no colour tag, are left to merge by hand)"
    return Fix(label, planner, f"tags.{part}-unique"), ""


def bio_overlap_fix(ctx: RuleContext, tag: str, owners: list[str]) -> Fix:
    """Turn the shared body tag ``tag`` (norm form) into one tag per character.

    Planned with :func:`lorapan.core.rules.bundles.bio_overlap_changes` on the
    subjects as they are at plan time (``scar`` -> ``scar_gob``, ...).
    """

    def planner(ds: Dataset) -> list[TagChange]:
        subject_map = bundles.subjects(ds)
        is_bio = bundles.is_bio_tag
        overlap = bundles.bio_overlap(
            ds, subject_map, is_body=lambda t: t == tag and is_bio(ctx.vocab, t)
        )
        return bundles.bio_overlap_changes(ds, overlap, subject_map, sep)

    sep = "_" if ctx.tag_style == "underscores" else " "
    examples = ", ".join(f"'{bundles.unique_tag(tag, s, sep)}'" for s in owners[:3])
    label = f"replace '{tag}' with one tag per character ({examples})"
    return Fix(label, planner, "bundle.bio-overlap")

"""Findings built from the per-image groups: plain words, what is wrong and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from lorapan.core.method.vocab import name_from_core
from lorapan.core.rules import caption_form, fixes, franchise, merges
from lorapan.core.rules.context import RuleContext
from lorapan.core.rules.groups import Group
from lorapan.core.rules.model import Finding
from lorapan.core.rules.pairing import near_pairs, rename_hint
from lorapan.core.words import article, plural, verb

IssueKey = tuple[str, str]


def top_details(details: Counter[str], limit: int = 6) -> str:
    rows = details.most_common()
    text = ", ".join(f"'{t}' ×{c}" for t, c in rows[:limit])
    return text + (f", and {len(rows) - limit} more" if len(rows) > limit else "")


def build(
    ctx: RuleContext, key: IssueKey, group: Group, counts: Mapping[str, int]
) -> Finding | None:
    """The finding for one issue group (None for internal keys)."""
    rule, sub = key
    builder = _BUILDERS.get(rule)
    if builder is None or not len(group):
        return None
    f = builder(ctx, sub, group, counts)
    if f is not None:
        f.key = f"{rule}:{sub}" if sub else rule
        f.details = dict(group.details)
    return f


def _imgs(group: Group) -> str:
    return plural(len(group), "image")


def _reopen(reasons: list[str]) -> str:
    """What to do about captions the system will not open, by why."""
    if any("ermission" in r for r in reasons):
        return "Make them readable (chmod u+rw), and lorapan reads them again."
    if any("No such file" in r for r in reasons):
        return "A link among them points at nothing: link it to a caption file, or remove it."
    return "Check the disk and the files, then rescan."


def _caption_unreadable(ctx, sub, g, counts):
    """Text that is not UTF-8, or a file that cannot be opened at all (its mode, a
    disk error): each said with its own remedy."""
    unopened = Counter({r: n for r, n in g.details.items() if r.startswith("cannot read")})
    n_open = sum(unopened.values())
    parts = []
    if n_open < len(g):
        parts.append(
            f"{plural(len(g) - n_open, 'caption')} cannot be read as UTF-8 text: lorapan "
            "keeps them read-only and the trainer would read garbled tags. Convert them "
            "to UTF-8."
        )
    if n_open:
        reasons = sorted({r.split(": ", 1)[-1] for r in unopened})
        parts.append(
            f"{plural(n_open, 'caption')} cannot be opened ({', '.join(reasons)}): neither "
            f"lorapan nor the trainer can read them. {_reopen(reasons)}"
        )
    return Finding("caption.unreadable", "error", " ".join(parts), g.images)


def _caption_empty(ctx, sub, g, counts):
    return Finding(
        "caption.empty",
        "error",
        f"{plural(len(g), 'caption')} {verb(len(g), 'is', 'are')} empty: those images train with no tags at all, "
        "not even the core tag. Tag them (the guide: two tags in every caption plus what varies).",
        g.images,
    )


def _no_caption(ctx, sub, g, counts):
    fix = fixes.new_caption_fix(ctx, g.images) if (ctx.core or ctx.style) else None
    msg = (
        f"{_imgs(g)} {verb(len(g), 'has', 'have')} no caption file: the trainer learns them without the core tag, "
        "so they blur the subject. Every image needs its caption."
    )
    for image, caption in [p for p in near_pairs(ctx.dataset) if p[0] in g][:3]:
        msg += (
            f" {image} has the caption {caption}, whose name differs only by a trailing dot, "
            f"space or case: rename it (`{rename_hint(ctx.dataset.root, image, caption)}`)."
        )
    if fix is None:
        msg += (
            " Set the core tag ([dataset] core_tag in lorapan.toml), then "
            f"`{ctx.command('fix', '--rule', 'pair.orphans')}` creates them starting with it; "
            f"or let a tagger write them: `{ctx.command('autotag', '--mode', 'replace')}`."
        )
    return Finding("pair.orphans", "error", msg, g.images, fix)


def _core(ctx, sub, g, counts):
    if sub == "missing":
        msg = (
            f"the core tag '{ctx.core}' is missing from {plural(len(g), 'caption')}: it must "
            "be in every caption, first, so the trainer (keep_tokens = 1) ties the subject to it."
        )
        fix = fixes.core_fix(f"insert '{ctx.core}' first", ctx.core, g.images)
    elif sub == "not-first":
        msg = (
            f"the core tag '{ctx.core}' is not the first tag in {plural(len(g), 'caption')}: "
            "training keeps only the first token fixed (keep_tokens = 1) and shuffles the rest."
        )
        fix = fixes.core_fix(f"move '{ctx.core}' to the front", ctx.core, g.images)
    else:
        subjects = ", ".join(sorted(ctx.subjects))
        msg = (
            f"{plural(len(g), 'caption')} {verb(len(g), 'does', 'do')} not start with a subject's core tag ({subjects}): "
            "in a bundle each subject is told apart by its core tag, first in the caption."
        )
        fix = None
    return Finding("tags.core", "error", msg, g.images, fix)


def _style(ctx, sub, g, counts):
    fix = fixes.style_fix(ctx, ctx.style, g.images)
    return Finding(
        "tags.style",
        "error",
        f"the style tag '{ctx.style}' is missing from {plural(len(g), 'caption')}: the guide puts "
        "it in every caption so the dataset's look can be switched on and off when prompting.",
        g.images,
        fix,
    )


def _placeholder(ctx, sub, g, counts):
    names = ", ".join(f"'{p}'" for p in sorted(g.details))
    msg = (
        f"{plural(len(g), 'caption')} {verb(len(g), 'holds', 'hold')} the placeholder {names}: "
        "another trainer (ai-toolkit) replaces it with the trigger word, but kohya reads "
        "captions as they are and would train the placeholder itself."
    )
    fix = None
    if ctx.core:
        fix = fixes.tag_fix(
            "tags.placeholder",
            f"replace it with the core tag '{ctx.core}', first",
            g.images,
            fixes.placeholder_fn(ctx.placeholders, ctx.core),
            moves_anchor=True,
        )
    else:
        msg += (
            ' Set the trigger as core tag first ([dataset] core_tag = "..." in '
            f"lorapan.toml), then `{ctx.command('fix', '--rule', 'tags.placeholder')}`."
        )
    return Finding("tags.placeholder", "warning", msg, g.images, fix)


def _junk(ctx, sub, g, counts):
    msg = (
        f"{_imgs(g)} {verb(len(g), 'carries', 'carry')} tagger junk or markup ({top_details(g.details)}): "
        "rating and meta tags a tagger or booru left say how a picture was posted, not what "
        "it shows, and markdown around a token is trained as text (the guide removes meta "
        "tags such as 'official style' that compete with what the picture shows)."
    )
    pony = [t for t in g.details if ctx.prefixes.is_prefix(t) and t.lower().startswith("rating")]
    if pony and not ctx.prefix_convention:
        msg += (
            f" A Pony set's {', '.join(repr(t) for t in pony[:2])} would stay: they are kept "
            "where most captions carry Pony's 'score_*' or 'source_*' prefixes."
        )
    fix = fixes.tag_fix(
        "tags.junk",
        "remove rating/meta tags, unwrap markdown",
        g.images,
        fixes.junk_fn(fixes.junk_test(ctx)),
    )
    return Finding("tags.junk", "warning", msg, g.images, fix)


def _weight(ctx, sub, g, counts):
    return Finding(
        "tags.weight-syntax",
        "warning",
        f"{_imgs(g)} {verb(len(g), 'carries', 'carry')} prompt syntax ({top_details(g.details)}): "
        "weights, BREAK, <lora:…> and embedding: are for prompts; kohya reads captions "
        "literally and trains the brackets, numbers and words as part of the caption.",
        g.images,
        fixes.tag_fix(
            "tags.weight-syntax",
            "unwrap the weighted tags, remove the prompt-only words",
            g.images,
            fixes.unweight_fn,
        ),
    )


def _blacklist(ctx, sub, g, counts):
    tags = frozenset(g.details)
    fix = fixes.remove_fix(
        "tags.blacklist", f"remove {plural(len(tags), 'blacklisted tag')}", g.images, tags
    )
    return Finding(
        "tags.blacklist",
        "error",
        f"{_imgs(g)} {verb(len(g), 'carries', 'carry')} blacklisted tags ({top_details(g.details)}): the guide removes "
        "body/biology tags, franchise names and conflicting meta tags so they do not "
        "compete with the subject's own tags.",
        g.images,
        fix,
    )


def _kind_prune(ctx, sub, g, counts):
    tags = frozenset(g.details)
    fix = fixes.remove_fix(
        "tags.kind-prune",
        f"remove {plural(len(tags), 'tag')} the subject itself is",
        g.images,
        tags,
    )
    return Finding(
        "tags.kind-prune",
        "warning",
        f"{_imgs(g)} {verb(len(g), 'carries', 'carry')} tags that describe the subject itself ({top_details(g.details)}): "
        f"{article(ctx.profile.label)} dataset drops them so the core tag absorbs them.",
        g.images,
        fix,
    )


def _duplicate(ctx, sub, g, counts):
    fix = fixes.tag_fix(
        "tags.duplicate", "keep the first of each repeated tag", g.images, fixes.dedupe_fn
    )
    return Finding(
        "tags.duplicate",
        "warning",
        f"{_imgs(g)} {verb(len(g), 'repeats', 'repeat')} a tag within one caption ({top_details(g.details)}): a repeated "
        "tag weighs double and the guide asks for non-duplicating tags.",
        g.images,
        fix,
    )


def _conflict(ctx, sub, g, counts):
    reasons = []
    for pair, _n in g.details.most_common(3):
        a, _, b = pair.partition(" + ")
        why = ctx.vocab.conflict_why.get(frozenset((a, b)), "")
        if why:
            reasons.append(f"'{a}' + '{b}': {why}")
    a, _, b = (g.details.most_common(1)[0][0] if g.details else "A + B").partition(" + ")
    remove = ctx.command("edit", "--query", a, "--remove", a)
    return Finding(
        "tags.conflict",
        "warning",
        f"{_imgs(g)} {verb(len(g), 'carries', 'carry')} tags that exclude each other ({top_details(g.details)}): at most "
        "one can be true; look at the images and remove the wrong one (the guide asks for "
        f"non-conflicting tags). Why: {'; '.join(reasons) or 'listed in lorapan.toml'}. "
        f"To drop one across these images: `{remove}` (or the same with '{b}').",
        g.images,
    )


def _per_person(ctx, part: str, images: list[str]) -> str:
    """A couple's or group's unique tags: one per person, never one for two."""
    people = ctx.vocab.people
    if people:
        shapes = ", ".join(f"'{merges.spell_unique(ctx, '<colour>', n, part)}'" for n in people)
        return f"one unique tag per person ({shapes})"
    shape = merges.spell_unique(ctx, "<colour>", "<name>", part)
    return (
        f"one unique tag per person ('{shape}', each with that person's own name; a core tag "
        f"in the guide's shape names them all: '{merges.people_shape(ctx, images)}')"
    )


def _hair_eyes(part: str):
    def builder(ctx, sub, g, counts):
        rule = f"tags.{part}-unique"
        fix, why = merges.hair_eyes_fix(ctx, counts, part, g.images)
        words = "hair colour/style" if part == "hair" else "eye colour"
        if ctx.profile.bundle:
            shapes = ", ".join(
                f"'{merges.spell_unique(ctx, '<colour>', n, part)}'"
                for n in _subject_names(ctx, g.images)
            )
            into = f"one unique tag per character ({shapes or f'<colour>_<name>_{part}'})"
        elif ctx.profile.several_people:
            into = _per_person(ctx, part, g.images)
        else:
            shape = merges.spell_unique(ctx, "<colour>", ctx.vocab.name or "<name>", part)
            into = f"one unique tag '{shape}'"
        whose = "each character's" if ctx.profile.several_people else "the character's"
        msg = (
            f"{_imgs(g)} still {verb(len(g), 'carries', 'carry')} {words} tags ({top_details(g.details)}): the guide folds "
            f"them into {into} and removes other people's, so {whose} "
            "look is learned as one token."
        )
        if why:
            msg += f" No automatic fix: {why}."
        return Finding(rule, "error", msg, g.images, fix)

    return builder


def _subject_names(ctx: RuleContext, images: list[str]) -> list[str]:
    """A bundle's character names (core tags' first words) of these images, in order."""
    names: dict[str, None] = {}
    for rel in images:
        item = ctx.dataset.items.get(rel)
        if item is not None and item.tags:
            names.setdefault("_".join(name_from_core(item.tags[0]).split()), None)
    return [n for n in names if n]


def _lowq(ctx, sub, g, counts):
    words = ", ".join(ctx.vocab.lowq_list)
    if sub not in ("missing", "claims"):
        fix = fixes.remove_fix("quality.lowq-tag", f"remove '{words}'", g.images, ctx.vocab.lowq)
        msg = (
            f"{_imgs(g)} {verb(len(g), 'is', 'are')} sharp but {verb(len(g), 'carries', 'carry')} low-quality tags ({top_details(g.details)}): "
            "only blurry or low-resolution images carry them."
        )
        return Finding("quality.lowq-tag", "warning", msg, g.images, fix)
    claims = ", ".join(repr(c) for c in _claims(ctx, g.images)[:4])
    drop = f"drop the quality claims {claims}" if claims else ""
    if sub == "missing":
        label = f"add '{words}'" + (f" and {drop}" if drop else "")
        msg = (
            f"{_imgs(g)} {verb(len(g), 'is', 'are')} blurry or small but {verb(len(g), 'lacks', 'lack')} '{words}': the guide tags low-quality "
            "images so the blur is tied to those tags, not to the subject."
        )
        if claims:
            msg += f" They also carry quality claims ({claims}) that say the opposite:"
    else:
        label = drop
        msg = (
            f"{_imgs(g)} {verb(len(g), 'is', 'are')} tagged '{words}' but also "
            f"{verb(len(g), 'carries', 'carry')} quality claims ({claims}):"
        )
    if claims:
        msg += (
            " both cannot be true (the guide asks for non-conflicting tags free from false "
            "positives), and a claim kept on a blurry image ties the blur to the tag prompts "
            "use to ask for quality. The fix drops them from these images only "
            "([rules.vocab] quality_claims = [] in lorapan.toml keeps them)."
        )
    fix = fixes.anchored_fix(
        "quality.lowq-tag", label, g.images, lambda a: fixes.lowq_add_fn(ctx, a)
    )
    return Finding("quality.lowq-tag", "warning", msg, g.images, fix)


def _claims(ctx: RuleContext, images: list[str]) -> list[str]:
    """The quality claims (``score_9``) these images carry, as written, most common first."""
    seen: Counter[str] = Counter()
    for rel in images:
        item = ctx.dataset.items.get(rel)
        if item is not None:
            seen.update(t for t in item.tags if ctx.prefixes.is_claim(t))
    return [t for t, _n in seen.most_common()]


def _unreadable(ctx, sub, g, counts):
    return Finding(
        "image.unreadable",
        "error",
        f"{_imgs(g)} will not decode ({top_details(g.details, 3)}): the trainer stops or "
        "skips them. Replace or remove them.",
        g.images,
    )


def _inconsistent(ctx, sub, g, counts):
    return Finding(
        "tags.inconsistent",
        "warning",
        f"{_imgs(g)} {verb(len(g), 'lacks', 'lack')} elements the tagger saw ({top_details(g.details)}): elements seen "
        "in fewer than 15 images must be tagged, or the LoRA bakes them into the subject.",
        g.images,
        fixes.inconsistent_fix(
            ctx, g.images, f"add the missing tags the tagger saw ({top_details(g.details, 3)})"
        ),
    )


_BUILDERS = {
    **caption_form.BUILDERS,
    "caption.unreadable": _caption_unreadable,
    "caption.empty": _caption_empty,
    "pair.orphans": _no_caption,
    "tags.core": _core,
    "tags.style": _style,
    "tags.placeholder": _placeholder,
    "tags.junk": _junk,
    "tags.weight-syntax": _weight,
    "tags.blacklist": _blacklist,
    franchise.RULE: franchise.finding,
    "tags.kind-prune": _kind_prune,
    "tags.duplicate": _duplicate,
    "tags.conflict": _conflict,
    "tags.hair-unique": _hair_eyes("hair"),
    "tags.eyes-unique": _hair_eyes("eyes"),
    "quality.lowq-tag": _lowq,
    "image.unreadable": _unreadable,
    "tags.inconsistent": _inconsistent,
}

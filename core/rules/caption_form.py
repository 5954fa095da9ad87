"""Captions that kohya reads differently from how they look.

- ``caption.multiline``: tags on lines after the first. sd-scripts reads the first line
  of a caption file only (unless ``enable_wildcard``, which picks one line at random), so
  an image tagged one tag per line, or a BLIP sentence with the tags under it, trains
  with its first line alone. The fix joins the lines into one, each tag once.
- ``tags.separator``: tags separated by ``、`` or ``，`` (Japanese and Chinese commas).
  sd-scripts splits a caption on ``,`` only: the caption is one long tag, which
  ``keep_tokens = 1`` holds first and whole, and no rule can see the tags inside it.
  The fix writes ``, `` between them.
- ``tags.escaped-brackets``: ``bow \\(weapon\\)``, as a tagger's "escape brackets"
  option writes it for prompts. A prompt tool reads ``\\(`` as a literal bracket;
  kohya reads a caption literally and trains the backslash, so the caption no longer
  matches the prompt (the reason ``tags.weight-syntax`` gives). The fix removes the
  backslashes, which also lets the other rules read the tag (``yoimiya \\(genshin
  impact\\)`` is a franchise name).

- ``caption.tokens``: a caption longer than CLIP's tokenizer lets sd-scripts read (75
  tokens, or ``max_token_length``): the tags past the limit are cut without a word and
  never train (:mod:`lorapan.core.method.clip_tokens` counts a lower bound). The fix
  writes the ``[training] max_token_length`` that reads the longest caption whole.

Each reads the caption as kohya does and says what the image trains as now.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lorapan.core.captions import split_tags
from lorapan.core.edits import TagChange, dedupe
from lorapan.core.method.anchor import anchor_of, tag_key
from lorapan.core.method.clip_tokens import LIMITS, WINDOW, caption_tokens, limit_for
from lorapan.core.method.prose import is_sentence
from lorapan.core.method.triggers import find_triggers, main_trigger
from lorapan.core.rules import fixes
from lorapan.core.rules.context import norm
from lorapan.core.rules.model import Finding, Fix
from lorapan.core.words import plural, verb

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset, ImageItem
    from lorapan.core.rules.context import RuleContext
    from lorapan.core.rules.groups import Group
    from lorapan.core.settings import Settings

MULTILINE, SEPARATOR, ESCAPED = "caption.multiline", "tags.separator", "tags.escaped-brackets"
TOKENS = "caption.tokens"
EMPTY = "caption.empty-fields"
OTHER_SCRIPT = "other script"
#: The ideographic comma (U+3001) and the fullwidth comma (U+FF0C).
FOREIGN_COMMAS = ("、", "，")
_FOREIGN = re.compile("[、，]")
#: A piece longer than this reads as a clause of a sentence, not a tag.
_TAG_CHARS = 24
_ESCAPE = re.compile(r"\\([()\[\]])")

Tags = tuple[str, ...]


def wildcards_on(settings: Settings) -> bool:
    """The user trains with ``enable_wildcard``: each line is a caption of its own."""
    return bool(settings.section("training").get("enable_wildcard"))


def other_lines_tags(item: ImageItem) -> Tags:
    """The tags on the caption's later lines that its first line lacks (each once)."""
    cap = item.caption
    if cap is None or not cap.extra_lines:
        return ()
    seen = {norm(t) for t in cap.tags}
    lost = [t for line in cap.extra_lines for t in split_tags(line)]
    return tuple(t for t in dedupe(tuple(lost)) if norm(t) not in seen)


def joined(item: ImageItem, leads: frozenset[str]) -> Tags:
    """Every line's tags on one line, each once. A line led by one of ``leads`` (the
    anchor or trigger, under a BLIP sentence) goes first, where keep_tokens = 1 keeps it."""
    cap = item.caption
    if cap is None:
        return ()
    lines = [cap.tags, *(tuple(split_tags(line)) for line in cap.extra_lines)]

    def led(tags: Tags) -> bool:
        return bool(tags) and tag_key(tags[0]) in leads

    if not led(cap.tags):
        lines.sort(key=lambda tags: not led(tags))  # stable: the others keep their order
    out: list[str] = []
    for tags in lines:
        if out and tags and _ends_sentence(out[-1]) and is_sentence(tags[0]):
            out[-1] = f"{out[-1]} {tags[0]}"  # prose runs on: '... clouds. The man ...'
            tags = tags[1:]
        out += tags
    return dedupe(tuple(out))


def _ends_sentence(field: str) -> bool:
    return field.rstrip().endswith((".", "!", "?"))


def leading_keys(ds: Dataset) -> frozenset[str]:
    """What a caption's first field should be: the anchor, or the dataset's trigger."""
    trigger = main_trigger(find_triggers(ds))
    return anchor_of(ds).keys | ({trigger.key} if trigger else set())


def _foreign_list(tag: str) -> bool:
    """A field that is a list of tags joined by a foreign comma, not a sentence using one."""
    pieces = [p.strip() for p in _FOREIGN.split(tag)]
    return len(pieces) > 1 and all(0 < len(p) <= _TAG_CHARS for p in pieces if p)


def split_foreign(tags: Tags) -> Tags:
    """Each field written ``a、b、c`` as the tags ``a``, ``b``, ``c`` (each once)."""
    out = []
    for tag in tags:
        if _foreign_list(tag):
            out += [p.strip() for p in _FOREIGN.split(tag) if p.strip()]
        else:
            out.append(tag)
    return dedupe(tuple(out))


def unescape(tags: Tags) -> Tags:
    """``bow \\(weapon\\)`` -> ``bow (weapon)``; a tag that then repeats another goes."""
    return dedupe(tuple(_ESCAPE.sub(r"\1", t) for t in tags))


def issues(ctx: RuleContext, item: ImageItem, out: dict[tuple[str, str], tuple[str, ...]]) -> None:
    """The caption-form issues of one image (its caption read, not read-only)."""
    tags = item.tags
    if not wildcards_on(ctx.dataset.settings) and (lost := other_lines_tags(item)):
        out[(MULTILINE, "")] = lost
    if foreign := tuple(t for t in tags if _foreign_list(t)):
        out[(SEPARATOR, "")] = tuple(_FOREIGN.findall("".join(foreign)))
    if escaped := tuple(t for t in tags if _ESCAPE.search(t)):
        out[(ESCAPED, "")] = escaped
    if where := empty_fields(item):
        out[(EMPTY, where)] = ()
    if (tokens := caption_tokens(tags, ctx.clip_bpe)) > ctx.token_limit:
        # Words in other scripts take several tokens each where the count says one.
        other = () if all(t.isascii() for t in tags) else (OTHER_SCRIPT,)
        out[(TOKENS, "")] = (f"{tokens} tokens", *other)


def empty_fields(item: ImageItem) -> str:
    """'leading' when the tag line starts with a comma, 'inner' for ',,' or a trailing
    ',' ('' for neither). sd-scripts splits the line on ',' as it is: a leading comma
    makes an empty first field, which keep_tokens = 1 holds in place of the first tag."""
    cap = item.caption
    line = getattr(cap, "_line", None) if cap is not None else None
    if not line or "," not in line:
        return ""
    pieces = [p.strip() for p in line.strip().split(",")]
    if not any(pieces):
        return ""
    if not pieces[0]:
        return "leading"
    return "inner" if "" in pieces[1:] else ""


# ---- findings --------------------------------------------------------------------
def _shown(g: Group, limit: int = 6) -> str:
    rows = g.details.most_common()
    text = ", ".join(f"'{t}' ×{c}" for t, c in rows[:limit])
    return text + (f", and {len(rows) - limit} more" if len(rows) > limit else "")


def multiline_finding(ctx: RuleContext, sub: str, g: Group, counts: Any) -> Finding:
    n = len(g)
    msg = (
        f"{plural(n, 'caption')} {verb(n, 'has', 'have')} tags on lines after the first "
        f"({_shown(g)}): kohya reads the first line of a caption only, so "
        f"{verb(n, 'that image trains', 'those images train')} without them. Join the lines "
        "into one (the fix), or set [training] enable_wildcard = true if each line is meant "
        "as a caption of its own."
    )
    return Finding(MULTILINE, "error", msg, g.images, join_lines_fix(g.images))


def separator_finding(ctx: RuleContext, sub: str, g: Group, counts: Any) -> Finding:
    marks = " and ".join(f"'{m}'" for m in sorted(g.details))
    msg = (
        f"{plural(len(g), 'caption')} separate tags with {marks}: kohya splits a caption on "
        "',' only, so each trains as one long tag that keep_tokens = 1 holds whole, and no "
        "rule can read the tags inside it. The fix writes ', ' between them."
    )
    fix = fixes.tag_fix(SEPARATOR, "write ', ' between the tags", g.images, split_foreign)
    return Finding(SEPARATOR, "warning", msg, g.images, fix)


def escaped_finding(ctx: RuleContext, sub: str, g: Group, counts: Any) -> Finding:
    msg = (
        f"{plural(len(g), 'image')} {verb(len(g), 'carries', 'carry')} escaped brackets "
        f"({_shown(g)}): '\\(' asks a prompt tool for a literal bracket; kohya reads a "
        "caption literally and trains the backslash, so the tag no longer matches the "
        "prompt. The fix removes the backslashes."
    )
    fix = fixes.tag_fix(ESCAPED, "remove the backslashes before brackets", g.images, unescape)
    return Finding(ESCAPED, "warning", msg, g.images, fix)


def tokens_finding(ctx: RuleContext, sub: str, g: Group, counts: Any) -> Finding:
    n, limit = len(g), ctx.token_limit
    longest = max(int(t.split()[0]) for t in g.details if t != OTHER_SCRIPT)
    setting = "max_token_length unset" if limit == WINDOW else f"max_token_length = {limit}"
    counted = (
        f"{longest} tokens (the longest, by CLIP's own tokenizer)"
        if ctx.clip_bpe
        else f"at least {longest} tokens (the longest)"
    )
    msg = (
        f"{plural(n, 'caption')} {verb(n, 'is', 'are')} longer than CLIP lets kohya read: "
        f"{counted}, where sd-scripts keeps the first {limit} "
        f"({setting}) and cuts the rest without a word: it never trains (with "
        "shuffle_caption, a different tail is cut each step)."
    )
    wanted = limit_for(longest)
    if OTHER_SCRIPT in g.details and ctx.clip_bpe is None:
        msg += (
            " Words outside English take several tokens each where lorapan counts one "
            "(it ships no CLIP vocabulary), so the captions are longer than counted."
        )
        wanted = max(LIMITS) if wanted else None
    top = max(LIMITS)
    past = sum(c for t, c in g.details.items() if t != OTHER_SCRIPT and int(t.split()[0]) > top)
    if wanted is None and past < n and top > limit:
        wanted = top  # reads the others whole; the longest still need pruning
    if wanted is None:
        msg += (
            f" That is past {top}, the most sd-scripts reads: prune tags the guide removes "
            "(background and clothing details it does not need, tags the tagger repeats)."
        )
        return Finding(TOKENS, "warning", msg, g.images)
    msg += (
        f" The fix sets [training] max_token_length = {wanted}, enough for the tokens "
        "counted; or prune tags the guide removes."
    )
    if past:
        msg += f" {plural(past, 'caption')} past {top} must be pruned either way."
    fix = Fix(
        f"set [training] max_token_length = {wanted}",
        lambda ds: [],
        TOKENS,
        settings={"training.max_token_length": wanted},
    )
    return Finding(TOKENS, "warning", msg, g.images, fix)


def empty_fields_finding(ctx: RuleContext, sub: str, g: Group, counts: Any) -> Finding:
    n = len(g)
    if sub == "leading":
        msg = (
            f"{plural(n, 'caption')} {verb(n, 'starts', 'start')} with a comma: kohya splits "
            "a caption on ',' as written, so keep_tokens = 1 holds the empty field before "
            "it and the first tag is shuffled like any other. The fix writes the tag line "
            "without empty fields."
        )
        severity = "warning"
    else:
        msg = (
            f"{plural(n, 'caption')} {verb(n, 'has', 'have')} empty fields (',,' or a comma "
            "at the end): kohya trains each as an empty tag. The fix drops them."
        )
        severity = "advice"
    frozen = tuple(g.images)

    def planner(ds: Dataset) -> list[TagChange]:
        out = []
        for rel in frozen:
            item = ds.items.get(rel)
            if item is None or item.read_only or not hasattr(item, "caption"):
                continue
            if empty_fields(item):
                out.append(TagChange(rel, item.tags, item.tags, anew=True))
        return out

    fix = Fix("write the tag line without empty fields", planner, EMPTY)
    return Finding(EMPTY, severity, msg, g.images, fix, key=f"{EMPTY}:{sub}")


def join_lines_fix(images: list[str]) -> Fix:
    """Each caption's later lines joined into its first, each tag once (one line left)."""
    frozen = tuple(images)

    def planner(ds: Dataset) -> list[TagChange]:
        leads = leading_keys(ds)
        out = []
        for rel in frozen:
            item = ds.items.get(rel)
            if item is None or item.read_only or not hasattr(item, "caption"):
                continue  # hasattr: a fix before it in a batch already wrote its tags
            if other_lines_tags(item):
                out.append(TagChange(rel, item.tags, joined(item, leads), one_line=True))
        return out

    return Fix("join the caption's lines into one", planner, MULTILINE, moves_anchor=True)


BUILDERS = {
    MULTILINE: multiline_finding,
    SEPARATOR: separator_finding,
    ESCAPED: escaped_finding,
    TOKENS: tokens_finding,
    EMPTY: empty_fields_finding,
}

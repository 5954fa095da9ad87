"""What every rule needs to know about one dataset, computed once per settings change.

Holds the vocabularies with the dataset's overrides, the normalised core and style
tags, the subjects of a bundle, the cached image facts and tagger scores, and how
new tags are spelled (the dataset's own tag style).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from lorapan.core import provenance
from lorapan.core.captions import apply_tag_style
from lorapan.core.captions import norm_tag as _norm_tag
from lorapan.core.commands_hint import hint
from lorapan.core.dataset import Dataset
from lorapan.core.method.anchor import Anchor, anchor_of, tag_key, trained_items
from lorapan.core.method.anchor import kohya_trains as trains  # where the rules read it
from lorapan.core.method.clip_bpe import ClipBPE
from lorapan.core.method.clip_bpe import find as find_bpe
from lorapan.core.method.clip_tokens import token_limit
from lorapan.core.method.kind import resolve_kind, subject_tags
from lorapan.core.method.names import character_qualifier, not_a_name, series_in
from lorapan.core.method.prefixes import Prefixes
from lorapan.core.method.prose import CaptionStyle, caption_style, tag_fields
from lorapan.core.method.style_tag import StyleGuess, propose_style
from lorapan.core.method.tag_style import style_for
from lorapan.core.method.triggers import Trigger, find_triggers, main_trigger
from lorapan.core.method.vocab import Vocab, data_file, name_from_core
from lorapan.core.rules import bundles
from lorapan.core.user_config import load_user_config

INCONSISTENT_BELOW = 15
INCONSISTENT_THRESHOLD = 0.35


@lru_cache(maxsize=131072)
def norm(tag: str) -> str:
    """:func:`norm_tag`, cached: datasets repeat the same few thousand tags."""
    return _norm_tag(tag)


@dataclass(frozen=True)
class TagInfo:
    """What the vocabularies say about one tag (normalised), computed once per tag."""

    blacklisted: bool
    prune: bool
    hair: bool
    eye: bool
    special: bool
    bio: bool  # a body tag bundle.bio-overlap keeps to one character
    indoor: bool
    outdoor: bool
    coverage: tuple[str, ...]  # ids of counted coverage items the tag belongs to
    franchise: bool = False  # another character's or franchise's name (rules.franchise)


@dataclass
class RuleContext:
    dataset: Dataset
    vocab: Vocab
    core: str  # as written in settings ("" when not set)
    core_norm: str
    style: str
    style_norm: str
    subjects: frozenset[str]  # bundle core tags (normalised); empty: told by first tag
    tag_style: str  # "underscores" / "spaces" for tags lorapan writes
    anchor: Anchor = field(default_factory=Anchor)  # what holds the first field
    triggers: list[Trigger] = field(default_factory=list)  # with their evidence
    placeholders: frozenset[str] = frozenset()  # "[trigger]": another trainer's, not a tag
    captions: CaptionStyle = field(default_factory=lambda: CaptionStyle("tags", 0, 0, 0))
    style_explicit: bool = False  # lorapan.toml states style_tag (even as "")
    style_guess: StyleGuess | None = None  # proposed while style_tag is not stated
    subject_tags: frozenset[str] = frozenset()  # what makes each subject of a bundle itself
    subject_cores: frozenset[str] = frozenset()  # a bundle's subjects' core tags (normalised)
    facts: Mapping[str, Any] | None = None
    clone_groups: list[Any] | None = None
    #: images ``lorapan augment --alter lowres`` made: low quality by design (provenance)
    made_low_quality: frozenset[str] = frozenset()
    scores_loaded: bool = False
    #: the set writes Pony's prompt prefixes (score_9, source_anime) on most captions:
    #: its rating_safe tags are the base model's vocabulary, not a tagger's junk
    prefix_convention: bool = False
    rare_seen: dict[str, list[tuple[str, str]]] = field(
        default_factory=dict
    )  # rel -> [(norm, name)]
    #: franchises the set's own 'name (series)' tags name ('sousou no frieren')
    series: frozenset[str] = frozenset()
    #: the subject's own names (core, triggers, anchor, unique-tag names, subjects):
    #: never another character's (tags.franchise-name)
    own_names: frozenset[str] = frozenset()

    @property
    def profile(self):  # noqa: ANN201 - Profile
        return self.vocab.profile

    @cached_property
    def _training(self) -> dict[str, Any]:
        """``[training]``: the dataset's keys over the user config's."""
        return {**load_user_config().table("training"), **self.dataset.settings.section("training")}

    @cached_property
    def token_limit(self) -> int:
        """CLIP tokens sd-scripts reads of a caption (``[training] max_token_length``)."""
        return token_limit(self._training)

    @cached_property
    def clip_bpe(self) -> ClipBPE | None:
        """CLIP's tokenizer where sd-scripts would find it (None: counts are a lower
        bound): its tokenizer_cache_dir, or the Hugging Face cache."""
        return find_bpe(str(self._training.get("tokenizer_cache_dir") or ""))

    @property
    def settings_kind(self) -> str:
        return self.dataset.settings.kind

    @staticmethod
    def norm(tag: str) -> str:
        return norm(tag)

    @property
    def prefixes(self) -> Prefixes:
        """The dataset's prompt prefixes (``score_9``): never a trigger, anchor or name."""
        return self.anchor.prefixes

    @property
    def trigger(self) -> Trigger | None:
        """The trigger to propose while no core tag is set (none for bundles)."""
        if self.core or self.profile.bundle:
            return None
        return main_trigger(self.triggers)

    _infos: dict[str, TagInfo] = field(default_factory=dict)

    def info(self, tag: str) -> TagInfo:
        """Classification of a normalised tag (cached: datasets repeat their tags)."""
        got = self._infos.get(tag)
        if got is None:
            v = self.vocab
            own = self._kept(tag)
            got = TagInfo(
                blacklisted=tag in v.blacklist and not own,
                prune=tag in v.kind_prune and not own,
                hair=v.is_hair_tag(tag),
                eye=v.is_eye_tag(tag),
                special=v.is_special_detail(tag),
                bio=bundles.is_bio_tag(v, tag),
                indoor=tag in v.indoor,
                outdoor=tag in v.outdoor,
                coverage=tuple(c.id for c in v.coverage if not c.manual and tag in c.tags),
                franchise=self._franchise(tag),
            )
            self._infos[tag] = got
        return got

    def _kept(self, tag: str) -> bool:
        """A tag no removal list takes: the core and style tags as set, and a person's
        own name (never a tagger's '1boy' that merely leads every caption). An asset's
        or concept's core words are the thing itself, which the guide prunes ('wooden
        chair': remove wood, chair), so only the whole core tag is kept there."""
        if tag and tag in (self.core_norm, self.style_norm):
            return True
        return bool(self.profile.hair_eyes) and tag in self.own_names and not not_a_name(tag)

    def _franchise(self, tag: str) -> bool:
        if tag in self.own_names:
            return False
        return tag in self.series or bool(character_qualifier(tag, self.vocab.rules))

    def command(self, name: str, *args: str) -> str:
        """``lorapan <name> <this dataset> <args>``, quoted for a shell, to copy and run."""
        return hint(name, self.dataset.root, *args)

    def styled(self, tag: str) -> str:
        """``tag`` spelled in the dataset's style (underscores or spaces)."""
        return apply_tag_style(tag, self.tag_style)


def detect_tag_style(dataset: Dataset, sample: int = 400, anchor: Anchor | None = None) -> str:
    """The style new tags are written in: the setting, or what most trained captions use.

    The anchor (a trigger such as ``M1N2N3Z4_K``) is spelled as its owner chose and
    says nothing about how the other tags are written, so it is not counted.
    """
    items = trained_items(dataset)
    skip: frozenset[str] = frozenset()
    if anchor is not None:  # nor are prompt prefixes: 'score_8_up' is Pony's spelling
        some = itertools.islice(items.values(), sample)
        is_prefix = anchor.prefixes.is_prefix
        skip = anchor.keys | {tag_key(t) for it in some for t in it.tags if is_prefix(t)}
    captions = (item.tags for item in items.values())
    return style_for(dataset.settings.tag_style, captions, skip)


def build_context(
    dataset: Dataset,
    facts: Mapping[str, Any] | None,
    clone_groups: list[Any] | None,
    scores: Mapping[str, Mapping[str, float]] | None,
    categories: Mapping[str, str] | None = None,
) -> RuleContext:
    settings = dataset.settings
    # What the captions teach is read from those kohya trains (not a solos/ folder)
    raw = [tuple(it.tags) for it in trained_items(dataset).values() if it.tags]
    captions = caption_style(raw)
    triggers = find_triggers(dataset)
    resolve_kind(dataset, captions, triggers)  # as set, else as the captions show (never saved)
    vocab = Vocab(settings)
    # The method's own tags (low quality, conflicting, hair and eye tags) are tags
    # wherever they stand: written after a sentence (by the low-quality fix, when a
    # caption has no anchor to follow; by a captioner that appends a tag list, as BLIP
    # with WD14 does), they are not a run-on clause, so they are flagged like any other.
    captions = replace(captions, shared=captions.shared | vocab.known_tags())
    rules = vocab.rules
    subjects = frozenset(norm(s) for s in rules.get("subjects", []) if str(s).strip())
    anchor = anchor_of(dataset)
    style_explicit = settings.is_set("style_tag")
    guess = None
    if not style_explicit and settings.kind != "style":
        fields = [tag_fields(c, captions.shared) for c in raw]
        removed = frozenset(tag_key(t) for t in [*vocab.blacklist, *vocab.kind_prune])
        guess = propose_style(dataset, anchor, fields, settings.kind, removed)
    cores: frozenset[str] = frozenset()
    if vocab.profile.bundle:
        subject_map = bundles.subjects(dataset)
        vocab.add_names([name_from_core(s) for s in subject_map])
        cores = frozenset(norm(s) for s in subject_map)
    else:
        # Unique tags are named after the trigger when one is known: the trigger and core
        # fixes put it first in this same plan, while the anchor may be a tag they displace.
        # Never a tagger's '1girl', a prompt prefix or a booru's artist tag found by place.
        trigger = None if settings.core_tag.strip() else main_trigger(triggers)
        if trigger is not None:
            vocab.use_anchor_name(trigger.tag, not trigger.from_owner, anchor.prefixes)
        else:
            vocab.use_anchor_name(anchor.single, True, anchor.prefixes)
    ctx = RuleContext(
        dataset=dataset,
        vocab=vocab,
        core=settings.core_tag.strip(),
        core_norm=norm(settings.core_tag) if settings.core_tag.strip() else "",
        style=settings.style_tag.strip(),
        style_norm=norm(settings.style_tag) if settings.style_tag.strip() else "",
        subjects=subjects,
        tag_style=detect_tag_style(dataset, anchor=anchor),
        anchor=anchor,
        triggers=triggers,
        placeholders=_norms_of(vocab_list(vocab, "junk.toml", "placeholders")),
        captions=captions,
        style_explicit=style_explicit,
        style_guess=guess,
        subject_tags=subject_tags(dataset),
        subject_cores=cores,
        facts=facts,
        clone_groups=clone_groups,
        made_low_quality=_made_low_quality(dataset) if facts is not None else frozenset(),
        prefix_convention=anchor.prefixes.convention_in(raw),
    )
    ctx.series = series_in(_trained_tags(dataset, raw), rules)
    ctx.own_names = own_names(ctx)
    if scores:
        ctx.scores_loaded = True
        ctx.rare_seen = rare_seen_tags(ctx, scores, categories or {})
    return ctx


def _trained_tags(dataset: Dataset, trained: list[tuple[str, ...]]) -> Iterable[str]:
    """The tags of the captions kohya trains (the index's when it trains every image)."""
    if not dataset.ignored_folders:
        return (k for k, _n in dataset.index.frequencies())
    return {t for tags in trained for t in tags}


def own_names(ctx: RuleContext) -> frozenset[str]:
    """Keys of the subject's own names, which are never another character's."""
    v = ctx.vocab
    own = {ctx.core_norm, ctx.style_norm, *ctx.anchor.keys, *ctx.subjects, *ctx.subject_cores}
    own |= {t.key for t in ctx.triggers}
    own |= {norm(n) for n in [*v.names, *v.people]}
    own |= {norm(str(t)) for t in v.rules.get("blacklist_allow", [])}
    return frozenset(o for o in own if o)


def _made_low_quality(dataset: Dataset) -> frozenset[str]:
    """The dataset's images that lorapan made low quality on purpose (its provenance file)."""
    made = provenance.made_low_quality(provenance.load(dataset.root))
    return frozenset(rel for rel in made if rel in dataset.items)


def vocab_list(vocab: Vocab, file: str, name: str) -> list[str]:
    """A list of a shipped data file, extended by ``[rules.vocab_add] NAME``."""
    extra = (vocab.rules.get("vocab_add") or {}).get(name, [])
    return [str(t) for t in [*data_file(file).get(name, []), *extra]]


def _norms_of(tags: list[str]) -> frozenset[str]:
    return frozenset(t.strip().lower() for t in tags if t.strip())


def _skip_seen(ctx: RuleContext, n: str) -> bool:
    v = ctx.vocab
    if n in v.blacklist or n in v.kind_prune or n in v.lowq:
        return True
    return bool(v.profile.hair_eyes) and (v.is_hair_tag(n) or v.is_eye_tag(n))


def rare_seen_tags(
    ctx: RuleContext,
    scores: Mapping[str, Mapping[str, float]],
    categories: Mapping[str, str],
) -> dict[str, list[tuple[str, str]]]:
    """Per image, the tags the tagger saw that occur in fewer than 15 images.

    Only general tags above the threshold count (character and rating tags are not
    elements of the picture); tags other rules remove are left out.
    """
    rules = ctx.vocab.rules
    threshold = float(rules.get("inconsistent_threshold", INCONSISTENT_THRESHOLD))
    below = int(rules.get("inconsistent_below", INCONSISTENT_BELOW))
    seen: dict[str, list[tuple[str, str, float]]] = {}
    counts: Counter[str] = Counter()
    items = ctx.dataset.items
    for rel, tag_scores in scores.items():
        if rel not in items or not trains(ctx.dataset, items[rel]):
            continue  # (nor is an image kohya never trains one the rare elements count)
        row = []
        for name, score in tag_scores.items():
            if score < threshold or categories.get(name, "general") != "general":
                continue
            n = norm(name)
            if _skip_seen(ctx, n):
                continue
            row.append((n, name, score))
            counts[n] += 1
        seen[rel] = row
    out = {}
    for rel, row in seen.items():
        rare = sorted((r for r in row if counts[r[0]] < below), key=lambda r: -r[2])
        if rare:
            out[rel] = [(n, name) for n, name, _ in rare]
    return out

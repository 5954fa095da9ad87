"""Every rule id the engine reports, with its usual severity and what it checks.

Ids are the ones of ``methodology.md`` (plus a few the engine adds for things the
method takes for granted: unreadable or empty captions, folders kohya ignores).
``coverage.<item>`` ids come from ``core/data/coverage.toml``.
"""

from __future__ import annotations

from lorapan.core.method.vocab import data_file

RULES: dict[str, tuple[str, str]] = {
    "dataset.kind": (
        "advice",
        "the subject kind, inferred from the captions and folders until lorapan.toml states it",
    ),
    "count.limited": (
        "advice",
        "fewer images than the kind's threshold: the limited-dataset workflow",
    ),
    "count.aim": ("warning", "image count outside the kind's aim"),
    "bundle.per-subject": ("warning", "each bundle subject's image count against its aim"),
    "bundle.bio-overlap": ("error", "no body tag belongs to two characters of a bundle"),
    "tags.core": ("error", "the core tag in every caption, first; proposed when not set"),
    "tags.style": (
        "error",
        "the style tag in every caption (unset: a warning that proposes one, or asks)",
    ),
    "tags.trigger-first": (
        "warning",
        "no core tag set: the dataset's trigger is the first field of every caption",
    ),
    "tags.first-id": (
        "warning",
        "captions that start with a per-image id (BG-001, ...) that keep_tokens would keep",
    ),
    "tags.placeholder": (
        "warning",
        "another trainer's placeholder ([trigger]) that kohya would train literally",
    ),
    "tags.blacklist": ("error", "the guide's blacklist (body/biology, names, meta tags) removed"),
    "tags.franchise-name": (
        "warning",
        "other characters' and franchises' names a booru wrote ('fern (sousou no frieren)')",
    ),
    "tags.kind-prune": (
        "warning",
        "tags that describe the subject itself dropped (bg/asset/concept)",
    ),
    "tags.duplicate": ("warning", "a tag repeated within one caption"),
    "tags.junk": (
        "warning",
        "tagger junk the guide removes: rating/meta tags (rating:general, what), markdown",
    ),
    "tags.weight-syntax": (
        "warning",
        "prompt weights in captions ((no humans), (red hair:1.2)) that kohya trains as text",
    ),
    "tags.conflict": ("warning", "mutually exclusive tags in one caption"),
    "tags.hair-unique": ("error", "hair colour/style tags merged into <colour>_<name>_hair"),
    "tags.eyes-unique": ("error", "eye colour tags merged into <colour>_<name>_eyes"),
    "tags.inconsistent": ("warning", "elements the tagger saw in fewer than 15 images are tagged"),
    "tags.constant": ("advice", "a tag on nearly every image (absorbed anyway): prune it"),
    "quality.lowq-tag": (
        "warning",
        "blurry/small images carry 'low quality, blurry, worst quality'; sharp ones do not",
    ),
    "image.unreadable": ("error", "files that will not decode"),
    "pair.orphans": ("error", "images without captions, captions without images"),
    "pair.stem-collision": (
        "warning",
        "two images with one stem (a.png + a.jpg) that kohya trains with the same caption",
    ),
    "captions.identical": (
        "advice",
        "different images sharing one long or prose caption",
    ),
    "pair.caption-files": (
        "error",
        "captions in another extension than kohya reads, '.TXT' for '.txt' too (renamed by "
        "the fix), or two caption files per image that disagree (a warning once the "
        "extension is set)",
    ),
    "caption.empty": ("error", "a caption with no tags"),
    "caption.multiline": (
        "error",
        "tags on lines after the first, which kohya never reads (joined by the fix)",
    ),
    "tags.separator": (
        "warning",
        "tags separated by '、' or '，': kohya splits on ',' only and trains one long tag",
    ),
    "tags.escaped-brackets": (
        "warning",
        "escaped brackets (bow \\(weapon\\)) that kohya trains with their backslashes",
    ),
    "caption.empty-fields": (
        "warning",
        "a caption starting with a comma (keep_tokens holds the empty field) or with ',,' "
        "(an empty tag trained)",
    ),
    "caption.tokens": (
        "warning",
        "captions longer than the 75 CLIP tokens sd-scripts reads (or max_token_length): "
        "the tail never trains",
    ),
    "captions.prose": (
        "advice",
        "captions written as sentences: which rules apply, shuffle_caption = false",
    ),
    "caption.unreadable": ("error", "a caption that is not UTF-8 text"),
    "clones.ratio": ("error", "clones above 3% of the images (a couple: above three)"),
    "altered.kinds": ("advice", "near-duplicate groups and how each copy was altered"),
    "clones.special-details": (
        "warning",
        "special details shown in focus ≥2× and with face/body ≥3×",
    ),
    "background.indoor-outdoor": (
        "warning",
        "a background dataset is indoors or outdoors, not both (counted per image from its tags)",
    ),
    "style.tag-all-or-none": ("advice", "a style dataset tags everything or nothing"),
    "kohya.ignored-folder": (
        "warning",
        "images kohya will not read (outside N_name folders); a couple's or group's solos "
        "there are collage material (advice)",
    ),
    "kohya.image-format": (
        "warning",
        "images kohya never reads (.gif, .heic: their captions are kept, not orphans) or "
        "reads wrong (16-bit grayscale turns white)",
    ),
    "kohya.orientation": (
        "warning",
        "images stored turned with an EXIF orientation that kohya ignores (the fix rewrites "
        "them upright)",
    ),
    "kohya.transparency": (
        "warning",
        "transparent parts kohya trains as the colour stored under them (the fix lays them "
        "on white)",
    ),
}


def coverage_ids() -> list[str]:
    doc = data_file("coverage.toml")["kinds"]
    ids = {
        f"coverage.{it['id']}" for items in doc.values() if isinstance(items, list) for it in items
    }
    return sorted(ids)


def coverage_rules() -> dict[str, tuple[str, str]]:
    """``coverage.<id>`` -> (severity, label): ``manual`` items are ticked by hand,
    counted ones warn below their minimum. The first kind listing an id names it."""
    doc = data_file("coverage.toml")["kinds"]
    out: dict[str, tuple[str, str]] = {}
    for items in doc.values():
        for it in items if isinstance(items, list) else ():
            sev = "manual" if it.get("manual") else "warning"
            out.setdefault(f"coverage.{it['id']}", (sev, str(it.get("label", it["id"]))))
    return dict(sorted(out.items()))


def known_rule(rule: str) -> bool:
    """True for a rule id, a coverage id, or a prefix of ids (``tags``, ``coverage``)."""
    ids = list(RULES) + coverage_ids()
    rule = rule.rstrip(".")
    return any(i == rule or i.startswith(rule + ".") for i in ids)

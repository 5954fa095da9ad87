"""What lorapan reads from a dataset before judging it, with the evidence: the kind,
the trigger, the anchor, how captions are written and which caption files exist.

``lorapan info`` and ``lorapan check`` print it (and put it in their ``--json``), so a
user sees what was inferred and why before reading any finding.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from lorapan.core.commands_hint import hint
from lorapan.core.method.anchor import Anchor, anchor_of, tag_key, trained_items
from lorapan.core.method.kind import kind_guess
from lorapan.core.method.names import not_a_name
from lorapan.core.method.prefixes import prefixes_of
from lorapan.core.method.prose import CaptionStyle, caption_style
from lorapan.core.method.triggers import Trigger, find_triggers


def caption_extensions(dataset: Any) -> dict[str, int]:
    """Caption files per extension, as they lie beside the images (and orphans)."""
    counts: Counter[str] = Counter()
    for item in dataset.items.values():
        names = [item.caption_file] if item.caption_file else []
        names += list(getattr(item, "extra_captions", ()))
        for name in names:
            counts[os.path.splitext(name)[1].lower()] += 1
    for rel in getattr(dataset, "orphan_captions", []):
        counts[os.path.splitext(rel)[1].lower()] += 1
    return dict(sorted(counts.items()))


def describe_dataset(
    dataset: Any,
    style: CaptionStyle | None = None,
    triggers: list[Trigger] | None = None,
    anchor: Anchor | None = None,
) -> dict[str, Any]:
    """Kind, trigger, anchor, caption style and caption files, each with its evidence
    (``style``, ``triggers``, ``anchor``: already computed for this dataset)."""
    captions = [tuple(it.tags) for it in dataset.items.values() if it.tags]
    style = caption_style(captions) if style is None else style
    triggers = find_triggers(dataset) if triggers is None else triggers
    anchor = anchor_of(dataset) if anchor is None else anchor
    # as the rules count, of the images kohya trains: an empty caption is one not carrying it
    total = len(trained_items(dataset))
    some_ignored = total < len(dataset.items)
    guess = kind_guess(dataset, style, triggers)
    confirm = ""
    if not guess.confirmed:
        confirm = hint("fix", dataset.root, "--rule", "dataset.kind")
    return {
        "kind": {**guess.to_dict(), "description": guess.describe(), "confirm": confirm},
        "prefix_first": _prefix_first(dataset, captions),
        "triggers": [
            {"tag": t.tag, "captions": t.captions, "evidence": t.describe(total, some_ignored)}
            for t in triggers
        ],
        "anchor": {"tags": sorted(anchor.spellings.values()), "source": anchor.source},
        "caption_style": {**style.to_dict(), "description": style.describe()},
        "caption_extensions": caption_extensions(dataset),
        "caption_extension_read": dataset.settings.caption_extension,
        "caption_extension_set": dataset.settings.is_set("caption_extension"),
    }


def _prefix_first(dataset: Any, captions: list[tuple[str, ...]]) -> dict[str, Any] | None:
    """The prompt prefix most captions start with (``score_9``), which keep_tokens=1
    keeps in place of a trigger; None when fewer than half start with one."""
    prefixes = prefixes_of(dataset.settings)
    firsts = Counter(c[0] for c in captions if prefixes.is_prefix(c[0]))
    n = sum(firsts.values())
    if not captions or 2 * n < len(captions):
        return None
    return {"tag": firsts.most_common(1)[0][0], "captions": n, "total": len(captions)}


def summary_lines(info: dict[str, Any]) -> list[str]:
    """The lines ``info`` and ``check`` print under the dataset's path (from
    :func:`describe_dataset`'s dict)."""
    lines = [f"kind: {info['kind']['description']}"]
    if info["kind"].get("confirm"):
        lines[0] += f" — confirm: `{info['kind']['confirm']}`"
    if info["triggers"]:  # the one proposed as core tag: the first the captions carry
        t = next((t for t in info["triggers"] if t["captions"]), info["triggers"][0])
        lines.append(f"trigger: '{t['tag']}' ({t['evidence']})")
    if info["anchor"]["tags"] and info["anchor"]["source"] != "core tag":
        shown = ", ".join(f"'{a}'" for a in info["anchor"]["tags"][:4])
        line = f"first field kept by keep_tokens=1: {shown} ({info['anchor']['source']})"
        whys = {not_a_name(tag_key(a)) for a in info["anchor"]["tags"]}
        if len(whys) == 1 and (why := whys.pop()):  # '1girl', 'mocha_(cotton)'
            line += f": {why}; set a core tag"
        lines.append(line)
    elif (first := info.get("prefix_first")) and info["anchor"]["source"] != "core tag":
        lines.append(
            f"first field kept by keep_tokens=1: '{first['tag']}', a prompt prefix, on "
            f"{first['captions']} of {first['total']} captions: it ties nothing to the subject "
            "(`tags.trigger-first` puts the trigger there)"
        )
    lines.append(f"captions: {info['caption_style']['description']}")
    exts = info["caption_extensions"]
    if exts:
        files = ", ".join(f"{ext} ×{n}" for ext, n in exts.items())
        lines.append(f"caption files: {files} (read: {info['caption_extension_read']})")
    return lines

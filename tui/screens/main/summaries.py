"""Small summaries the main screen shows: the status bar's counts and analysis state,
the selection's tags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lorapan.core.captions import norm_tag
from lorapan.tui.messages import AnalysisFinished


def counts_text(total: int, shown: int, selected: int, sort: str) -> str:
    """``"120 images, 30 shown, 4 selected, by tags"``: only the parts that apply."""
    text = f"{total} images"
    if shown != total:
        text += f", {shown} shown"
    if selected:
        text += f", {selected} selected"
    if sort != "name":
        text += f", by {sort}"
    return text


def rules_hint(key: str, report: Any, narrow: bool, shown: bool) -> tuple[str, str]:
    """The status bar's word on the sidebar a narrow terminal hides: ``("R", "rules 2✗ 1!")``
    (its key, and the errors and warnings ``report`` has waiting there), ``("R", "files")``
    while it stands in the preview's place; ``("", "")`` when the terminal is wide."""
    if not narrow:
        return "", ""
    if shown:
        return key, "files"
    counts = report.counts() if report is not None else {}
    waiting = [
        f"{counts[s]}{sign}" for s, sign in (("error", "✗"), ("warning", "!")) if counts.get(s)
    ]
    return key, " ".join(["rules", *waiting])


def analysis_text(message: AnalysisFinished) -> str:
    """``"analysis done, 2 unreadable"``, ``"analysis cancelled"``, ``"analysis failed"``."""
    if message.error:
        return "analysis failed"
    bad = sum(1 for f in message.facts.values() if not f.ok)
    state = "cancelled" if message.cancelled else "done"
    return f"analysis {state}" + (f", {bad} unreadable" if bad else "")


def tag_shares(tag_lists: Iterable[Iterable[str]]) -> tuple[tuple[str, ...], dict[str, int]]:
    """The union of several images' tags, in first-seen order, and how many carry each.

    Tags that differ only in spelling (``long_hair`` / ``long hair``) count as one,
    shown as first seen.
    """
    counts: dict[str, int] = {}
    order: list[str] = []
    spelled: dict[str, str] = {}
    for tags in tag_lists:
        for tag in tags:
            key = norm_tag(tag)
            if key not in spelled:
                spelled[key] = tag
                order.append(tag)
            counts[spelled[key]] = counts.get(spelled[key], 0) + 1
    return tuple(order), counts

"""A fix plan's words for one caption, the same in the CLI and the app: a repeat spelled
otherwise (``simple_background`` after ``simple background``) read "(tag order)" in the
app's finding view and fix preview, though the fix removes it."""

from __future__ import annotations

from lorapan.core.change_words import describe_change
from lorapan.core.edits import TagChange
from lorapan.tui.screens.finding import change_summary
from lorapan.tui.screens.fix_preview import change_text

REPEAT = TagChange(
    "a.png", ["cat", "simple background", "simple_background"], ["cat", "simple background"]
)


def test_a_repeat_in_another_spelling_is_named_as_a_repeat():
    assert describe_change(REPEAT) == "-'simple_background' (a repeat)"
    assert change_summary(REPEAT) == "-'simple_background' (a repeat)"
    assert (
        "(a repeat)" in change_text(REPEAT).plain and "tag order" not in change_text(REPEAT).plain
    )


def test_added_tags_say_where_and_a_moved_trigger_says_so():
    added = TagChange("a.png", ["tk", "solo"], ["tk", "anime screencap", "solo"])
    assert describe_change(added) == "+'anime screencap' after 'tk'"
    moved = TagChange("a.png", ["solo", "tk"], ["tk", "solo"])
    assert describe_change(moved) == "'tk' moved first"

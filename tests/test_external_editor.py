"""Text back from $EDITOR: its command line, and the final line end a caption had."""

from __future__ import annotations

from lorapan.tui.external_editor import editor_command, final_line_end_as_before, same_text


def test_the_editor_command_is_split_as_a_shell_would():
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor_command({"EDITOR": "'my editor' -n"}) == ["my editor", "-n"]
    assert editor_command({}) is None and editor_command({"EDITOR": "  "}) is None


def test_a_final_newline_the_editor_added_is_dropped_and_one_the_caption_had_kept():
    assert final_line_end_as_before("a, b", "a, b, c\n") == "a, b, c"
    assert final_line_end_as_before("a, b\r\n", "a, b, c\n") == "a, b, c\r\n"
    assert final_line_end_as_before("a, b\n", "a, b, c\n") == "a, b, c\n"
    assert final_line_end_as_before("a\nsecond\n", "a\nsecond line\n") == "a\nsecond line\n"
    assert same_text("a, b", "a, b\n") and not same_text("a, b", "a, c")

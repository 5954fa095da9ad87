"""Tag chips: one focusable widget showing the current image's tags in order.

Each chip is ``\\u00a0tag\\u00a0`` so a chip never breaks across lines while the
row wraps, unless it is wider than the pane (a prose caption's sentence, a long tag):
then it breaks between its words onto lines of its own. The first tag (kohya's kept
token, usually the trigger word) is marked with ★ and its own colour. The widget's
height is set by the layout, not by its tags: a layout pass (and a preview of another
size, decoded again) on every cursor move cost more than the rest of the key. When the
chips need more lines than it has, it shows the lines around the chip cursor and says
how many tags are out of sight. A ``note`` (tags on a caption's later lines, which
kohya never reads) takes muted lines under the chips. With several images selected
the chips are the union of their tags, each showing its share (``tag 3/5`` when only
some of the selection carry it). The widget edits nothing itself: it posts
:class:`TagChips.Requested` and the screen applies the edit to the selection.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from lorapan.tui.keymap import bindings_for
from rich.cells import cell_len
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

NBSP = "\u00a0"
#: one line of chips: (chip index, the part of its text on this line)
Line = list[tuple[int, str]]


def chip_pieces(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken after its (non-breaking)
    spaces where it can, inside a word only when one word is wider than a line."""
    if cell_len(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.replace(NBSP, NBSP + "\n").split("\n"):
        while cell_len(word) > width:  # a word longer than the line: cut it hard
            head = word
            while cell_len(line + head) > width and head:
                head = head[:-1]
            if not head:
                lines.append(line)
                line = ""
                continue
            lines.append(line + head)
            line, word = "", word[len(head) :]
        if cell_len(line + word) > width:
            lines.append(line)
            line = word
        else:
            line += word
    if line:
        lines.append(line)
    return [piece for piece in lines if piece]


class TagChips(Widget, can_focus=True):
    """Tags as chips; ←/→ move, d deletes, r renames, f to front, shift+←/→ reorder."""

    BINDINGS = bindings_for("chips")

    DEFAULT_CSS = """
    TagChips { height: auto; min-height: 1; padding: 0 1; }
    """

    # Not layout=True: the height does not follow the tags (module docstring).
    tags: reactive[tuple[str, ...]] = reactive(())
    cursor: reactive[int] = reactive(0)

    @dataclass
    class Requested(Message):
        """The user asked for ``action`` on the chip at ``index`` (``position``: where a
        move puts it), drawn as ``tag``. The screen reads the tag at ``index`` from the
        captions as they are now: keys in a burst come before the chips are drawn again,
        and ``H H`` moves the same tag twice. With one image shown, ``index`` tells a tag
        written twice from its twin; with a selection the chips are the union."""

        chips: TagChips
        action: str  # delete | rename | front | move | show
        tag: str
        position: int = 0
        index: int = 0

        @property
        def control(self) -> TagChips:
            return self.chips

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shares: dict[str, int] = {}
        self.total = 1
        #: one muted line under the chips (what the chips cannot show), "" for none
        self.note = ""
        #: (tag, where it should land) after a move: the screen may place it elsewhere
        #: (the dataset's anchor stays first), and the cursor follows the tag
        self._follow: tuple[str, int] | None = None

    def set_tags(
        self, tags: tuple[str, ...], shares: dict[str, int] | None, total: int, note: str = ""
    ) -> None:
        """Show ``tags``; ``shares`` maps tag -> how many of ``total`` images carry it;
        ``note``: the muted line under them."""
        self.shares = shares or {}
        self.note = note
        self.total = max(1, total)
        follow, self._follow = self._follow, None
        if follow is not None and sorted(tags) != sorted(self.tags):
            follow = None  # not the move asked for (the same tags, reordered)
        self.tags = tags
        self.refresh()  # shares and total are plain attributes: tags alone may not change
        if follow is None:
            self.cursor = self.cursor  # re-validate against the new length
            return
        tag, guess = follow
        places = [i for i, t in enumerate(tags) if t == tag]
        self.cursor = min(places, key=lambda i: abs(i - guess)) if places else guess

    def validate_cursor(self, cursor: int) -> int:
        if not self.tags:
            return 0
        return max(0, min(cursor, len(self.tags) - 1))

    @property
    def current_tag(self) -> str | None:
        if not self.tags:
            return None
        return self.tags[self.validate_cursor(self.cursor)]

    def _label(self, tag: str) -> str:
        n = self.shares.get(tag, self.total)
        share = f" {n}/{self.total}" if n < self.total else ""
        return f"{tag}{share}".replace(" ", NBSP)

    def _chip_text(self, i: int, tag: str) -> str:
        label = self._label(tag)
        if i == 0 and self.total == 1:
            label = f"★{NBSP}{label}"
        return f"{NBSP}{label}{NBSP}"

    def _lines(self, width: int) -> list[Line]:
        """The chips line by line: placed whole, wrapping between chips; a chip wider
        than the line starts a line and breaks over as many as it needs.

        (Textual's word wrap treats U+00A0 as a space, so the widget wraps itself.)
        """
        lines: list[Line] = [[]]
        used = 0
        for i, tag in enumerate(self.tags):
            text = self._chip_text(i, tag)
            w = cell_len(text)
            if lines[-1] and used + 1 + w > width:
                lines.append([])
                used = 0
            if w > width:
                *full, last = chip_pieces(text, width)
                for piece in full:
                    lines[-1].append((i, piece))
                    lines.append([])
                text, w = last, cell_len(last)
            used += w + (1 if lines[-1] else 0)
            lines[-1].append((i, text))
        return lines

    def get_content_height(self, container, viewport, width: int) -> int:
        chips = max(1, len(self._lines(width))) if self.tags else 1
        return chips + len(self._note_lines(width))

    def _style(self, i: int, tag: str) -> str:
        if self.has_focus and i == self.cursor:
            return "reverse bold"
        if i == 0 and self.total == 1:
            return "bold $background on $chip-first"
        if self.shares.get(tag, self.total) < self.total:
            return "$text-muted on $panel"
        return "$foreground on $panel"

    def _window(self, lines: list[Line]) -> tuple[list[Line], int]:
        """The lines that fit (those around the chip cursor when focused), and how many
        tags are left out."""
        note = len(self._note_lines(max(1, self.content_region.width)))
        room = max(1, self.content_region.height - note)
        if len(lines) <= room:
            return lines, 0
        room = max(1, room - 1)  # the last line says what is out of sight
        at = next((n for n, line in enumerate(lines) if any(i == self.cursor for i, _ in line)), 0)
        top = max(0, at - room + 1) if self.has_focus else 0
        shown = lines[top : top + room]
        return shown, len(self.tags) - len({i for line in shown for i, _ in line})

    def render(self) -> Content:
        if not self.tags:
            empty = Content.styled("no tags: press a to add one", "italic $text-muted")
            return Content.assemble(empty, *self._note())
        lines, hidden = self._window(self._lines(max(1, self.content_region.width)))
        parts: list[Content | str] = []
        for n, line in enumerate(lines):
            if n:
                parts.append("\n")
            for k, (i, text) in enumerate(line):
                if k:
                    parts.append(" ")
                parts.append(Content.styled(text, self._style(i, self.tags[i])))
        if hidden:
            parts.append(Content.styled(f"\n… {hidden} more tags", "italic $text-muted"))
        return Content.assemble(*parts, *self._note())

    def _note_lines(self, width: int) -> list[str]:
        """The note broken between words into lines of ``width`` (the widget wraps itself)."""
        return textwrap.wrap(self.note, max(8, width)) if self.note else []

    def _note(self) -> list[Content | str]:
        lines = self._note_lines(max(1, self.content_region.width))
        return [Content.styled(f"\n{line}", "italic $text-muted") for line in lines]

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ---- actions -------------------------------------------------------------
    def action_cursor_left(self) -> None:
        self.cursor -= 1

    def action_cursor_right(self) -> None:
        self.cursor += 1

    def _request(self, action: str, position: int = 0) -> None:
        tag = self.current_tag
        if tag is not None:
            index = self.validate_cursor(self.cursor)
            self.post_message(self.Requested(self, action, tag, position, index))

    def action_back_to_files(self) -> None:
        """esc leaves the chips for the file list (e and tab did, and nothing said so)."""
        files = next(iter(self.screen.query("FileList")), None)
        if files is not None:
            self.screen.set_focus(files)

    def action_delete_tag(self) -> None:
        self._request("delete")

    def action_rename_tag(self) -> None:
        self._request("rename")

    def action_front_tag(self) -> None:
        self._request("front")
        self.cursor = 0

    def action_show_tag(self) -> None:
        self._request("show")

    def action_move_left(self) -> None:
        if self.cursor > 0:
            self._request("move", self.cursor - 1)
            self.cursor -= 1  # now: the next key moves on from here

    def action_move_right(self) -> None:
        if self.cursor < len(self.tags) - 1:
            self._request("move", self.cursor + 1)
            self.cursor += 1

    def follow_tag(self, tag: str, index: int) -> None:
        """The screen moves ``tag`` to ``index``: when the chips are drawn again the
        cursor goes to wherever it landed."""
        self._follow = (tag, index)

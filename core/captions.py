"""Caption files: comma-separated tags on the first line.

Parsing keeps what a later write needs to reproduce the file exactly: encoding
(UTF-8 with or without BOM), and the text of the tag line. A caption whose tags
did not change is written back as its original bytes; one whose tags changed
gets only the changed tags rewritten (see :mod:`caption_spans`): the separators
between untouched tags, the lines after the first (kohya reads only the first
line unless wildcards are on, so those are reported, and kept) and every line
ending, mixed or not, stay as they were.

Tags are compared ignoring case and with underscores read as spaces
(:func:`norm_tag`): ``Solo``, ``solo`` and ``SOLO`` are one tag, as are
``long_hair`` and ``long hair``; ``so_lo`` is ``so lo``, another tag than ``solo``.

Splitting honours parentheses: ``(red hair:1.2)``, ``(a, b:1.1)`` and
``artist \\(style\\)`` stay one tag each; escaped parentheses do not count.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import lru_cache

from lorapan.core.caption_spans import rewrite_line, tag_spans

_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# The WD14 reference tagger's kaomoji list: underscores here are part of the face.
KAOMOJI = frozenset(
    {
        "0_0", "(o)_(o)", "+_+", "+_-", "._.", "<o>_<o>", "<|>_<|>", "=_=", ">_<",
        "3_3", "6_9", ">_o", "@_@", "^_^", "o_o", "u_u", "x_x", "|_|", "||_||",
        "-_-", ";_;", "t_t", "^_^;", "o_0", "0_o", "*_*", "._.;", "q_q",
    }
)  # fmt: skip


class CaptionDecodeError(ValueError):
    """The caption is not valid UTF-8; it stays read-only until converted."""


@dataclass
class Caption:
    """A parsed caption file (or a new, empty one)."""

    tags: tuple[str, ...] = ()
    bom: bool = False
    newline: str = "\n"
    final_newline: bool = False
    separator: str = ", "
    extra_lines: tuple[str, ...] = ()
    raw: bytes | None = None  # bytes as read; None for a caption not on disk yet
    _orig_tags: tuple[str, ...] = field(default=(), repr=False)
    _line: str | None = field(default=None, repr=False)  # the tag line as read
    _line_end: int = field(default=0, repr=False)  # byte offset of the rest in ``raw``

    @property
    def is_multiline(self) -> bool:
        return bool(self.extra_lines)


@lru_cache(maxsize=65536)
def is_kaomoji(tag: str) -> bool:
    """True for faces like ``^_^`` whose underscores must never become spaces."""
    t = tag.strip()
    if t.lower() in KAOMOJI:
        return True
    # Short tags made mostly of punctuation around an underscore are faces too.
    if "_" not in t or len(t) > 7:
        return False
    letters = sum(ch.isalpha() for ch in t)
    return letters <= 2 and not t.replace("_", "").isalnum()


def apply_tag_style(tag: str, style: str) -> str:
    """Convert ``tag`` to ``underscores`` or ``spaces`` style; ``keep`` leaves it."""
    if style == "keep" or is_kaomoji(tag):
        return tag
    if style == "underscores":
        return tag.replace(" ", "_")
    if style == "spaces":
        return tag.replace("_", " ")
    raise ValueError(f"unknown tag style {style!r}")


@lru_cache(maxsize=131072)
def norm_tag(tag: str) -> str:
    """The form used to compare tags: lower case, underscores as spaces (not kaomoji)."""
    t = tag.strip()
    if is_kaomoji(t):
        return t.lower()
    return " ".join(t.replace("_", " ").split()).lower()


@lru_cache(maxsize=1 << 16)
def norm_keys(tags: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`norm_tag` of each tag of one caption, remembered per caption: a bulk edit
    plans each caption and then reports it, and both compare its tags (issue 17).
    Bounded like :func:`lorapan.core.method.anchor.tag_keys`."""
    return tuple(map(norm_tag, tags))


def split_tags(line: str) -> list[str]:
    """Split on commas outside parentheses; trim; drop empty tags.

    An unbalanced ``(`` falls back to plain comma splitting for the rest of the line.
    """
    if "(" not in line and "\\" not in line:  # the common case, fast
        return [t for t in map(str.strip, line.split(",")) if t]
    return [line[a:b] for a, b in tag_spans(line)]


def _line_terminator(text: str, start: int = 0) -> int:
    """Index of the first CR or LF at or after ``start`` (``len(text)`` when none)."""
    cut = len(text)
    for ch in ("\n", "\r"):
        pos = text.find(ch, start, cut)
        if pos >= 0:
            cut = pos
    return cut


def _extra_lines(text: str, cut: int) -> tuple[str, ...]:
    """The lines after the tag line (a final line ending does not start a line)."""
    if cut == len(text):
        return ()
    body = text[cut:]
    body = body[2:] if body.startswith("\r\n") else body[1:]
    if not body:
        return ()
    for end in ("\r\n", "\n", "\r"):
        if body.endswith(end):
            body = body[: -len(end)]
            break
    return tuple(_LINE_BREAK.split(body))


def _detect_separator(line: str, tags: list[str]) -> str:
    if len(tags) < 2:
        return ", "
    return ", " if ", " in line or "," not in line else ","


def parse_caption(data: bytes) -> Caption:
    """Parse caption bytes; raise CaptionDecodeError when not UTF-8."""
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaptionDecodeError(
            f"not valid UTF-8 (byte {exc.start}); convert it to UTF-8 to edit it"
        ) from None
    cut = _line_terminator(text)
    first = text[:cut]
    newline = "\r\n" if text.startswith("\r\n", cut) else text[cut : cut + 1] or "\n"
    tags = tuple(split_tags(first))
    return Caption(
        tags=tags,
        bom=bom,
        newline=newline,
        final_newline=text.endswith(("\n", "\r")),
        separator=_detect_separator(first, list(tags)),
        extra_lines=_extra_lines(text, cut),
        raw=data,
        _orig_tags=tags,
        _line=first,
        _line_end=len(data) - len(text[cut:].encode("utf-8")),
    )


def format_caption(caption: Caption, tags: tuple[str, ...] | list[str] | None = None) -> bytes:
    """Bytes for ``caption`` with ``tags``; the original bytes when tags are unchanged.

    For a caption read from disk only the changed tags are rewritten: the rest of
    the tag line and everything after it keep their original bytes.
    """
    new_tags = tuple(caption.tags if tags is None else tags)
    if caption.raw is not None and new_tags == caption._orig_tags:
        return caption.raw
    if caption.raw is not None and caption._line is not None:
        line = rewrite_line(caption._line, caption._orig_tags, new_tags, caption.separator)
        head = codecs.BOM_UTF8 if caption.bom else b""
        return head + line.encode("utf-8") + caption.raw[caption._line_end :]
    lines = [caption.separator.join(new_tags), *caption.extra_lines]
    text = caption.newline.join(lines)
    if caption.final_newline:
        text += caption.newline
    data = text.encode("utf-8")
    return codecs.BOM_UTF8 + data if caption.bom else data


def new_caption(tags: tuple[str, ...] = ()) -> Caption:
    """A caption that does not exist on disk yet (written without final newline)."""
    return Caption(tags=tuple(tags))

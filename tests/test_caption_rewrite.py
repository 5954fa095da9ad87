"""Only the edited tags change bytes: separators, other lines and line endings stay.

Captions are generated as ``prefix tag sep tag … tag suffix`` + the rest of the
file, so each test knows every span and can say exactly which bytes an edit may
touch: a renamed tag's own span; a removed tag with the separator after it (before
it, for the last tag); an inserted tag with one separator (the line's usual one).
"""

from __future__ import annotations

import codecs
from collections import Counter
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st
from lorapan.core import edits
from lorapan.core.caption_spans import tag_spans
from lorapan.core.captions import (
    CaptionDecodeError,
    apply_tag_style,
    format_caption,
    norm_tag,
    parse_caption,
)

VOCAB = ["solo", "Solo", "SOLO", "so_lo", "red hair", "red_hair", "1girl", "smile", "a b", "x"]
_tag = st.one_of(
    st.sampled_from(VOCAB),
    st.text(alphabet="abcXY _-:.é日", min_size=1, max_size=6).map(str.strip).filter(bool),
)
_sep = st.sampled_from([",", ", ", ",\t", " ,", " , ", ",  ", "\t,\t", ",,", ", ,", " ,, "])
_prefix = st.sampled_from(["", " ", "\t", ", ", ",,"])
_suffix = st.sampled_from(["", " ", ",", ", ", " ,\t"])
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))  # encodable as UTF-8
_tail = st.one_of(
    st.just(""),
    st.builds(lambda end, rest: end + rest, st.sampled_from(["\n", "\r\n", "\r"]), _text),
)


def _join(tags: list[str], seps: list[str]) -> str:
    """Tags with ``seps[k]`` between tag k and tag k + 1."""
    if not tags:
        return ""
    return "".join(t + s for t, s in zip(tags, seps, strict=False)) + tags[-1]


@dataclass
class Shape:
    """A caption as its parts, so a test knows where each tag and separator is."""

    prefix: str
    tags: list[str]
    seps: list[str]  # seps[k] lies between tags[k] and tags[k + 1]
    suffix: str
    tail: str
    bom: bool

    @property
    def line(self) -> str:
        return self.prefix + _join(self.tags, self.seps) + self.suffix

    @property
    def raw(self) -> bytes:
        data = (self.line + self.tail).encode("utf-8")
        return codecs.BOM_UTF8 + data if self.bom else data

    def with_line(self, line: str) -> bytes:
        data = (line + self.tail).encode("utf-8")
        return codecs.BOM_UTF8 + data if self.bom else data

    @property
    def usual_sep(self) -> str:
        single = [s for s in self.seps if s.count(",") == 1]
        if single:
            counts = Counter(single)
            top = max(counts.values())
            return next(s for s in single if counts[s] == top)
        if len(self.tags) < 2 or ", " in self.line or "," not in self.line:
            return ", "
        return ","


@st.composite
def shapes(draw, max_tags: int = 10) -> Shape:
    tags = draw(st.lists(_tag, max_size=max_tags))
    seps = [draw(_sep) for _ in tags[1:]]
    return Shape(draw(_prefix), tags, seps, draw(_suffix), draw(_tail), draw(st.booleans()))


def _renamed_line(shape: Shape, new: list[str]) -> str:
    """Each tag replaced in its own span, every separator as it was."""
    return shape.prefix + _join(new, shape.seps) + shape.suffix


def _kept_line(shape: Shape, keep: list[int]) -> str:
    """Only tags ``keep``, each with the separator written after it."""
    if not keep:
        return shape.prefix + shape.suffix
    body = "".join(shape.tags[k] + shape.seps[k] for k in keep[:-1]) + shape.tags[keep[-1]]
    return shape.prefix + body + shape.suffix


def _inserted_line(shape: Shape, tag: str, pos: int) -> str:
    tags, seps, sep = shape.tags, shape.seps, shape.usual_sep
    if not tags:
        return shape.line + tag
    if pos >= len(tags):
        return shape.prefix + _join(tags, seps) + sep + tag + shape.suffix
    head = "".join(tags[k] + seps[k] for k in range(pos))
    rest = _join(tags[pos:], seps[pos:])
    return shape.prefix + head + tag + sep + rest + shape.suffix


def _rewrite(shape: Shape, new: tuple[str, ...]) -> bytes:
    cap = parse_caption(shape.raw)
    assert cap.tags == tuple(shape.tags)  # the generator builds what it means to
    return format_caption(cap, new)


@given(shapes(), st.sampled_from(VOCAB), _tag)
def test_a_rename_changes_only_the_renamed_tags_spans(shape, old, new):
    after = edits.replace_tag(tuple(shape.tags), old, new)
    key = norm_tag(old)
    clash = norm_tag(new) != key and edits.has_tag(shape.tags, new)
    if clash:  # the new name is already there: the old tag is dropped instead
        keep = [k for k, t in enumerate(shape.tags) if norm_tag(t) != key]
        assert _rewrite(shape, after) == shape.with_line(_kept_line(shape, keep))
    else:
        expected = [new.strip() if norm_tag(t) == key else t for t in shape.tags]
        assert _rewrite(shape, after) == shape.with_line(_renamed_line(shape, expected))


@given(shapes(), st.sampled_from(VOCAB))
def test_a_removal_drops_the_tag_and_one_separator_only(shape, tag):
    after = edits.remove_tag(tuple(shape.tags), tag)
    keep = [k for k, t in enumerate(shape.tags) if norm_tag(t) != norm_tag(tag)]
    assert _rewrite(shape, after) == shape.with_line(_kept_line(shape, keep))


@given(shapes(), st.data())
def test_dedupe_keeps_the_first_of_each_tag_and_its_bytes(shape, data):
    after = edits.dedupe(tuple(shape.tags))
    seen: set[str] = set()
    keep = []
    for k, t in enumerate(shape.tags):
        if norm_tag(t) not in seen:
            seen.add(norm_tag(t))
            keep.append(k)
    assert _rewrite(shape, after) == shape.with_line(_kept_line(shape, keep))


@given(shapes(), _tag, st.integers(min_value=0, max_value=12))
def test_an_added_tag_brings_the_lines_usual_separator(shape, tag, pos):
    after = edits.add_tag(tuple(shape.tags), tag, pos)
    if edits.has_tag(shape.tags, tag):
        assert _rewrite(shape, after) == shape.raw
        return
    assert _rewrite(shape, after) == shape.with_line(_inserted_line(shape, tag, pos))


@given(shapes(), st.sampled_from(["spaces", "underscores"]))
def test_a_tag_style_respells_each_tag_in_place(shape, style):
    after = tuple(apply_tag_style(t, style) for t in shape.tags)
    assert _rewrite(shape, after) == shape.with_line(_renamed_line(shape, list(after)))


_reorder = st.sampled_from(["sort", "front", "move", "reverse"])


@given(shapes(), _reorder, st.sampled_from(VOCAB), st.integers(min_value=0, max_value=12))
def test_reordered_tags_read_back_and_the_rest_of_the_file_is_untouched(shape, how, tag, pos):
    tags = tuple(shape.tags)
    after = {
        "sort": lambda: edits.sort_tags(tags),
        "front": lambda: edits.move_to_front(tags, tag),
        "move": lambda: edits.move_tag(tags, tag, pos),
        "reverse": lambda: tags[::-1],
    }[how]()
    out = _rewrite(shape, after)
    assert parse_caption(out).tags == after
    head = codecs.BOM_UTF8 if shape.bom else b""
    assert out.startswith(head)
    assert out.endswith(shape.tail.encode("utf-8"))
    if after == tags:
        assert out == shape.raw


_edit = st.one_of(
    st.builds(lambda t: lambda tags: edits.remove_tag(tags, t), _tag),
    st.builds(lambda t, p: lambda tags: edits.add_tag(tags, t, p), _tag, st.integers(0, 5)),
    st.builds(lambda a, b: lambda tags: edits.replace_tag(tags, a, b), _tag, _tag),
    st.just(edits.dedupe),
    st.just(edits.sort_tags),
    st.just(lambda tags: tuple(apply_tag_style(t, "spaces") for t in tags)),
)


@given(st.binary(max_size=300), _edit)
def test_any_bytes_keep_everything_after_the_tag_line(data, edit):
    try:
        cap = parse_caption(data)
    except CaptionDecodeError:
        return
    after = edit(cap.tags)
    out = format_caption(cap, after)
    if after == cap.tags:
        assert out == data
        return
    newline_at = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    tail = data[min(newline_at) :] if newline_at else b""
    assert out.endswith(tail)
    assert out.startswith(codecs.BOM_UTF8) == data.startswith(codecs.BOM_UTF8)


def test_the_issue_caption_renames_every_solo_and_keeps_its_bytes():
    raw = b"red hair,\tsolo ,red hair, solo, Solo, so_lo\r\nsecond line\r\nthird\n"
    cap = parse_caption(raw)
    after = edits.replace_tag(cap.tags, "solo", "solo person")
    assert format_caption(cap, after) == (
        b"red hair,\tsolo person ,red hair, solo person, solo person, so_lo"
        b"\r\nsecond line\r\nthird\n"
    )


def _reference_split(line: str) -> list[str]:
    """The splitter lorapan had before spans (kept here as an independent oracle)."""
    tags, current, depth, escaped = [], [], 0, False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped = False
            continue
        if ch == "\\":
            current.append(ch)
            escaped = True
            continue
        if ch == "(":
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
        if ch == "," and depth == 0:
            tags.append("".join(current))
            current = []
            continue
        current.append(ch)
    rest = "".join(current)
    tags.extend(rest.split(",") if depth > 0 else [rest])
    return [t.strip() for t in tags if t.strip()]


_any_char = st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",))
_line = st.text(alphabet=_any_char, max_size=60) | st.text(alphabet="ab ,()\\:\t", max_size=40)


@given(_line)
def test_spans_cut_exactly_the_tags_the_splitter_sees(line):
    spans = tag_spans(line)
    assert [line[a:b] for a, b in spans] == _reference_split(line)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))


@given(_line, _tail, st.data())
def test_renaming_one_tag_of_any_line_touches_its_spans_only(line, tail, data):
    cap = parse_caption((line + tail).encode("utf-8"))
    if not cap.tags:
        return
    old = data.draw(st.sampled_from(cap.tags))
    after = edits.replace_tag(cap.tags, old, "renamed tag")
    hit = [(a, b) for a, b in tag_spans(line) if norm_tag(line[a:b]) == norm_tag(old)]
    expected = line
    for a, b in reversed(hit):
        expected = expected[:a] + "renamed tag" + expected[b:]
    assert format_caption(cap, after) == (expected + tail).encode("utf-8")

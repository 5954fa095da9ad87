"""Caption codec: tags survive round trips, files keep their own conventions."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lorapan.core.captions import (
    CaptionDecodeError,
    apply_tag_style,
    format_caption,
    is_kaomoji,
    norm_tag,
    parse_caption,
    split_tags,
)

# Tags as users write them: words, weights, escaped parentheses, unicode, kaomoji.
_word = st.text(
    alphabet=st.characters(
        blacklist_characters=",()\\\r\n", blacklist_categories=("Cs", "Cc", "Zs")
    ),
    min_size=1,
    max_size=12,
)
_tag = st.one_of(
    st.builds(lambda a, b: f"{a} {b}", _word, _word),
    _word,
    st.builds(lambda w: f"({w}:1.2)", _word),
    st.builds(lambda w: f"artist \\({w}\\)", _word),
    st.sampled_from(["^_^", ">_<", "poster (object)", "(a, b:1.1)"]),
)
_tags = st.lists(_tag, min_size=0, max_size=12).map(tuple)
_newline = st.sampled_from(["\n", "\r\n"])


@given(_tags, st.booleans(), _newline, st.booleans())
def test_format_then_parse_returns_the_same_tags(tags, bom, newline, final):
    from lorapan.core.captions import Caption

    cap = Caption(bom=bom, newline=newline, final_newline=final)
    data = format_caption(cap, tags)
    back = parse_caption(data)
    assert back.tags == tags
    assert back.bom == bom
    assert format_caption(back) == data  # untouched -> byte-identical


@given(st.binary(max_size=200))
def test_untouched_captions_are_byte_identical(data):
    try:
        cap = parse_caption(data)
    except CaptionDecodeError:
        return
    assert format_caption(cap, cap.tags) == data


def test_weights_and_escaped_parentheses_stay_one_tag():
    line = "1girl, (red hair:1.2), artist \\(style\\), (a, b:1.1), poster (object), ^_^"
    assert split_tags(line) == [
        "1girl",
        "(red hair:1.2)",
        "artist \\(style\\)",
        "(a, b:1.1)",
        "poster (object)",
        "^_^",
    ]


def test_bom_crlf_and_missing_final_newline_are_kept_on_write():
    raw = codecs.BOM_UTF8 + b"a, b\r\nsecond line\r\n"
    cap = parse_caption(raw)
    assert cap.tags == ("a", "b") and cap.bom and cap.newline == "\r\n"
    assert cap.extra_lines == ("second line",)
    assert format_caption(cap, ("a", "b", "c")) == codecs.BOM_UTF8 + b"a, b, c\r\nsecond line\r\n"
    assert format_caption(parse_caption(b"x,y"), ("x", "y", "z")) == b"x,y,z"


def test_non_utf8_caption_is_refused_with_a_reason():
    with pytest.raises(CaptionDecodeError, match="UTF-8"):
        parse_caption("caf\xe9, smile".encode("latin-1"))


def test_tag_style_never_touches_kaomoji():
    assert apply_tag_style("long_hair", "spaces") == "long hair"
    assert apply_tag_style("long hair", "underscores") == "long_hair"
    for face in ("^_^", ">_<", "o_o", "x_x"):
        assert is_kaomoji(face)
        assert apply_tag_style(face, "spaces") == face
    assert norm_tag("Long_Hair") == norm_tag("long hair")
    assert not is_kaomoji("long_hair")


def test_an_unclosed_parenthesis_does_not_swallow_the_line():
    assert split_tags("a, smile (open, b, c") == ["a", "smile (open", "b", "c"]

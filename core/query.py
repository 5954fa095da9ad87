"""The selection query language, shared by the CLI (``--query``) and the app (``/``).

Examples::

    long hair                      images tagged "long hair" (or long_hair)
    solo AND NOT smile             AND, OR, NOT (upper case) or & | !
    (red hair OR blue hair) AND 1girl
    *hair*                         wildcards: any tag containing "hair"
    tags>30   tags<=5   tags=0     tag-count comparisons
    has:caption   lacks:caption    caption file present / missing
    folder:10_gob*   name:*.png    folder (relative path) / file name, with wildcards
    tag:"a, b"                     a tag written out exactly (commas, keywords)
    star (sky)                     parentheses right after a word belong to the tag

Bare words next to each other make one tag (``long hair``), so use AND between tags.
Matching ignores case and treats ``_`` and space alike.
"""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from lorapan.core.captions import norm_tag


class QueryError(ValueError):
    """A query that does not parse; the message points at the position."""


class _Item(Protocol):
    relpath: str

    @property
    def tags(self) -> tuple[str, ...]: ...

    @property
    def has_caption(self) -> bool: ...


Pred = Callable[[_Item], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\() | (?P<rp>\)) |
        (?P<and>AND\b|&&?) | (?P<or>OR\b|\|\|?) | (?P<not>NOT\b|!) |
        (?P<cmp>tags\s*(?:<=|>=|!=|<|>|=)\s*\d+) |
        (?P<field>(?:tag|has|lacks|folder|name):(?:"[^"]*"|'[^']*'|[^\s()]+)) |
        (?P<quoted>"[^"]*"|'[^']*') |
        (?P<word>[^\s()&|!]+)
    )""",
    re.VERBOSE,
)
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "=": operator.eq, "!=": operator.ne}  # fmt: skip


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f"cannot read the query at position {pos}: {text[pos : pos + 20]!r}")
        kind = m.lastgroup or ""
        toks.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return _merge_words(toks)


def _merge_words(toks: list[_Tok]) -> list[_Tok]:
    """Adjacent bare words form one multi-word tag.

    A parenthesis right after a word cannot open a group (terms need AND/OR
    between them), so ``star (sky)`` and ``artist \\(style\\)`` stay one tag.
    """
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "lp" and out and out[-1].kind == "word":
            close = _closing(toks, i)
            if close is not None:
                inner = " ".join(t.text for t in toks[i + 1 : close])
                out[-1] = _Tok("word", f"{out[-1].text} ({inner})", out[-1].pos)
                i = close + 1
                continue
        if tok.kind == "word" and out and out[-1].kind == "word":
            out[-1] = _Tok("word", out[-1].text + " " + tok.text, out[-1].pos)
        else:
            out.append(tok)
        i += 1
    return out


def _closing(toks: list[_Tok], start: int) -> int | None:
    """Index of the ``)`` closing ``toks[start]`` when only words lie between."""
    j = start + 1
    while j < len(toks) and toks[j].kind == "word":
        j += 1
    if j < len(toks) and toks[j].kind == "rp" and j > start + 1:
        return j
    return None


def _unquote(s: str) -> str:
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'" else s


def _tag_pred(pattern: str) -> Pred:
    key = norm_tag(pattern)
    if any(c in key for c in "*?["):
        rx = re.compile(fnmatch.translate(key))
        return lambda it: any(rx.match(norm_tag(t)) for t in it.tags)
    return lambda it: any(norm_tag(t) == key for t in it.tags)


def _field_pred(text: str) -> Pred:
    name, _, value = text.partition(":")
    value = _unquote(value)
    if name == "tag":
        return _tag_pred(value)
    if name in ("has", "lacks"):
        if value != "caption":
            raise QueryError(f"{name}: takes 'caption' (e.g. {name}:caption)")
        want = name == "has"
        return lambda it: it.has_caption == want
    if name == "folder":
        pat = value.rstrip("/")
        return lambda it: fnmatch.fnmatch(it.relpath.rpartition("/")[0], pat)
    pat = value.lower()
    return lambda it: fnmatch.fnmatch(it.relpath.rpartition("/")[2].lower(), pat)


def _cmp_pred(text: str) -> Pred:
    m = re.match(r"tags\s*(<=|>=|!=|<|>|=)\s*(\d+)", text)
    assert m
    op, n = _OPS[m.group(1)], int(m.group(2))
    return lambda it: op(len(it.tags), n)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise QueryError("the query ends too early (a term is missing)")
        self.i += 1
        return tok

    def parse(self) -> Pred:
        if not self.toks:
            return lambda it: True
        pred = self.expr()
        if self.peek() is not None:
            tok = self.peek()
            assert tok
            raise QueryError(
                f"unexpected {tok.text!r} at position {tok.pos}: join terms with AND or OR"
            )
        return pred

    def expr(self) -> Pred:
        left = self.conj()
        while (tok := self.peek()) and tok.kind == "or":
            self.take()
            right = self.conj()
            left = (lambda a, b: lambda it: a(it) or b(it))(left, right)
        return left

    def conj(self) -> Pred:
        left = self.neg()
        while (tok := self.peek()) and tok.kind == "and":
            self.take()
            right = self.neg()
            left = (lambda a, b: lambda it: a(it) and b(it))(left, right)
        return left

    def neg(self) -> Pred:
        tok = self.peek()
        if tok and tok.kind == "not":
            self.take()
            inner = self.neg()
            return lambda it: not inner(it)
        return self.atom()

    def atom(self) -> Pred:
        tok = self.take()
        if tok.kind == "lp":
            inner = self.expr()
            close = self.peek()
            if close is None or close.kind != "rp":
                raise QueryError(f"missing ')' for the '(' at position {tok.pos}")
            self.take()
            return inner
        if tok.kind == "word":
            return _tag_pred(tok.text)
        if tok.kind == "quoted":
            return _tag_pred(_unquote(tok.text))
        if tok.kind == "field":
            return _field_pred(tok.text)
        if tok.kind == "cmp":
            return _cmp_pred(tok.text)
        raise QueryError(f"unexpected {tok.text!r} at position {tok.pos}")


@dataclass
class Query:
    text: str
    _pred: Pred

    def matches(self, item: _Item) -> bool:
        return self._pred(item)


def compile_query(text: str) -> Query:
    """Parse ``text``; raises :class:`QueryError` with a position on bad input."""
    return Query(text, _Parser(text).parse())

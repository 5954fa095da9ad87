"""Writing a TOML document back over the file it came from, keeping the user's comments.

``tomli_w`` writes a document from scratch: a ``lorapan.toml`` the user annotated
(``# trained on 2026-11 data``, a key commented out for later) would lose every comment
the first time lorapan set a key or ticked a checklist item. lorapan only ever sets
values (a ``[dataset]`` key, a ``[checklist]`` tick), so :func:`edit_toml` changes the
old text in place: the line of each changed key is rewritten, a new key goes after its
table's last line, a new table at the end. The result is parsed again and must equal
the document asked for; anything it cannot edit that way (a key removed, a value
spread over several lines, dotted keys, inline tables) is written whole by ``tomli_w``
instead, so the file always holds exactly the document, comments kept where they can be.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import tomli_w

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_TABLE = re.compile(r"^\s*(\[\[?)([^\[\]]+)\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")


def dump_toml(doc: dict[str, Any], old: bytes | None = None) -> bytes:
    """``doc`` as TOML bytes: ``old`` edited in place when that gives exactly ``doc``
    (comments and layout kept), else written whole."""
    if old:
        try:
            edited = edit_toml(old.decode("utf-8"), doc)
        except (UnicodeDecodeError, ValueError, tomllib.TOMLDecodeError):
            edited = None
        if edited is not None:
            return edited.encode("utf-8")
    return tomli_w.dumps(doc).encode("utf-8")


def edit_toml(text: str, doc: dict[str, Any]) -> str | None:
    """``text`` with the values ``doc`` sets changed in place; None when that cannot
    give ``doc`` exactly (the caller then writes it whole)."""
    before = tomllib.loads(text)
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if text.endswith("\r\n") else "\n"
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    for name, table in doc.items():
        if not isinstance(table, dict):
            if before.get(name) != table:
                return None  # a top-level key: not lorapan's to set
            continue
        old = before.get(name, {})
        if not isinstance(old, dict) or set(old) - set(table):
            return None  # a key removed, or a table that was a value
        for key, value in table.items():
            if isinstance(value, dict) or (key in old and old[key] == value):
                if isinstance(value, dict) and old.get(key) != value:
                    return None  # a sub-table: written whole
                continue
            line = _key_line(key, value)
            if not _set_line(lines, name, key, line, newline):
                return None
    out = "".join(lines)
    return out if tomllib.loads(out) == doc else None


def _key_line(key: str, value: Any) -> str:
    """``key = value`` as tomli_w writes it (quoting the key when it must)."""
    return tomli_w.dumps({key: value}).rstrip("\n")


def _set_line(lines: list[str], table: str, key: str, line: str, newline: str) -> bool:
    """Replace ``key``'s line in ``[table]``, or add it there (the table too, at the end)."""
    start, end = _table_span(lines, table)
    if start is None:
        if lines and lines[-1].strip():
            lines.append(newline)
        lines.extend([f"[{table}]{newline}", f"{line}{newline}"])
        return True
    last = start
    for i in range(start + 1, end):
        m = _KEY.match(lines[i])
        if m is None:
            continue
        last = i
        if m.group(1).strip('"') == key:
            if not _one_line_value(lines[i]):
                return False
            lines[i] = f"{line}{newline}"
            return True
    lines.insert(last + 1, f"{line}{newline}")
    return True


def _table_span(lines: list[str], table: str) -> tuple[int | None, int]:
    """The header line of ``[table]`` and the line its next table starts at."""
    start = None
    for i, text in enumerate(lines):
        m = _TABLE.match(text)
        if m is None:
            continue
        if start is not None:
            return start, i
        if m.group(1) == "[" and m.group(2).strip() == table:
            start = i
    return start, len(lines)


def _one_line_value(line: str) -> bool:
    """Whether ``key = value`` is whole on this line (a multi-line array or string is not)."""
    try:
        tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return False
    return True

"""Rewrite a caption's tag line touching only the tags that changed.

A tag line is read as ``prefix tag sep tag sep … tag suffix``: each tag is the
stripped text between top-level commas (its *span*), each separator is whatever
lies between two tags as written (``", "``, ``",\\t"``, ``" ,"``, ``",,"``…).
A rewrite first aligns the old tags with the new ones (:func:`align`), then
builds the line again from the original text (:func:`rewrite_line`):

- a tag that is kept keeps its bytes, and the separator written after it;
- a tag renamed in place (old and new at the same place in the order) takes the
  old tag's span, so only those bytes change;
- a removed tag goes with the separator after it (the one before it when it was
  the last tag);
- a new tag is written before the next kept tag followed by the line's usual
  separator (after the last kept tag, preceded by it).

So when a rewrite changes one tag, the bytes before and after that tag's span
(and its separator, for a removal or insertion) are the original bytes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from collections.abc import Sequence

Span = tuple[int, int]
# A tag between plain commas: no comma, no whitespace at either end (``\\s`` is
# exactly what ``str.strip`` removes).
_PLAIN_TAG = re.compile(r"[^,\s](?:[^,]*[^,\s])?")
# What lies between two tags of a plain line (no parentheses, no backslash).
_PLAIN_SEP = re.compile(r"[\s,]*,[\s,]*")
_EDGE = re.compile(r"[\s,]*")
# (old index or None, new index or None): keep/rename, removal, insertion.
Step = tuple[int | None, int | None]


def tag_spans(line: str) -> list[Span]:
    """``(start, end)`` of each tag in ``line``, as :func:`captions.split_tags` splits it.

    Splits on commas outside parentheses (escaped parentheses do not count); an
    unclosed ``(`` falls back to plain comma splitting for the rest of the line.
    Each span excludes the whitespace around the tag; empty tags are dropped.
    """
    if "(" not in line and "\\" not in line:  # the common case: one regex pass
        return [m.span() for m in _PLAIN_TAG.finditer(line)]
    pieces: list[Span] = []
    start = 0
    depth = 0
    escaped = False
    for i, ch in enumerate(line):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
        elif ch == "," and depth == 0:
            pieces.append((start, i))
            start = i + 1
    if depth > 0:  # an unclosed "(" must not swallow the rest of the line
        pos = line.find(",", start)
        while pos >= 0:
            pieces.append((start, pos))
            start = pos + 1
            pos = line.find(",", start)
    pieces.append((start, len(line)))
    return _trimmed(line, pieces)


def _trimmed(line: str, pieces: list[Span]) -> list[Span]:
    """Each piece without surrounding whitespace (as ``str.strip`` sees it); empty ones dropped."""
    spans = []
    for start, end in pieces:
        piece = line[start:end]
        stripped = piece.strip()
        if stripped:
            left = start + len(piece) - len(piece.lstrip())
            spans.append((left, left + len(stripped)))
    return spans


def _next_at_or_after(positions: dict[str, deque[int]], tag: str, floor: int) -> int | None:
    """The first index of ``tag`` at or after ``floor`` (indices below it are dropped)."""
    queue = positions.get(tag)
    if not queue:
        return None
    while queue and queue[0] < floor:
        queue.popleft()
    return queue[0] if queue else None


def _positions(tags: Sequence[str]) -> dict[str, deque[int]]:
    out: dict[str, deque[int]] = defaultdict(deque)
    for i, tag in enumerate(tags):
        out[tag].append(i)
    return out


def align(old: Sequence[str], new: Sequence[str]) -> list[Step]:
    """Pair old and new tags in order, in one linear pass.

    Equal tags are kept. Where the lists differ, a tag is *surplus* when it occurs
    more often in the rest of its own list than in the rest of the other: a
    surplus old tag is removed, a surplus new tag inserted, and when both are
    surplus the new tag replaces the old one in place (a rename, a respelling).
    When neither is (tags moved), the side whose tag comes back sooner is taken
    as the insertion or removal, which keeps the longer run of tags untouched.
    """
    if not old or not new:
        return [(k, None) for k in range(len(old))] + [(None, k) for k in range(len(new))]
    left_old, left_new = Counter(old), Counter(new)
    in_old, in_new = _positions(old), _positions(new)
    steps: list[Step] = []
    i = j = 0
    while i < len(old) and j < len(new):
        a, b = old[i], new[j]
        if a == b:
            step: Step = (i, j)
        else:
            a_surplus = left_old[a] > left_new[a]
            b_surplus = left_new[b] > left_old[b]
            if a_surplus and b_surplus:
                step = (i, j)
            elif a_surplus or b_surplus:
                step = (i, None) if a_surplus else (None, j)
            else:
                a_back = _next_at_or_after(in_new, a, j)
                b_back = _next_at_or_after(in_old, b, i)
                assert a_back is not None and b_back is not None  # counts say both recur
                step = (i, None) if b_back - i < a_back - j else (None, j)
        steps.append(step)
        if step[0] is not None:
            left_old[a] -= 1
            i += 1
        if step[1] is not None:
            left_new[b] -= 1
            j += 1
    steps += [(k, None) for k in range(i, len(old))]
    steps += [(None, k) for k in range(j, len(new))]
    return steps


def usual_separator(line: str, spans: Sequence[Span], fallback: str) -> str:
    """The separator written most often between two tags (with exactly one comma)."""
    seps = Counter(line[end:start] for (_, end), (start, _) in zip(spans, spans[1:], strict=False))
    for sep, _count in seps.most_common():  # ties: the one written first
        if sep.count(",") == 1:
            return sep
    return fallback


def _appended(line: str, old: Sequence[str], new: Sequence[str], fallback: str) -> str | None:
    """The fast path of a bulk ``--add``: tags only appended to a plain line.

    The new tags go after the last tag, each after the line's usual separator;
    no span is needed. None when the edit or the line is not that simple.
    """
    if not old or len(new) <= len(old) or "(" in line or "\\" in line:
        return None
    if tuple(new[: len(old)]) != tuple(old):
        return None
    start = _EDGE.match(line).end()  # type: ignore[union-attr]  # matches even ""
    end = len(line) - len(_EDGE.match(line[::-1]).group())  # type: ignore[union-attr]
    sep = _one_separator(line, start, end, old)
    if sep is None:
        seps = Counter(_PLAIN_SEP.findall(line, start, end))
        sep = next((s for s, _n in seps.most_common() if s.count(",") == 1), fallback)
    return line[:end] + "".join(sep + tag for tag in new[len(old) :]) + line[end:]


def _one_separator(line: str, start: int, end: int, tags: Sequence[str]) -> str | None:
    """The separator of a plain line whose tags are all joined by the same one, else None.

    With n tags there are n - 1 separators, each of whitespace and at least one
    comma. If there are n - 1 commas, the first separator ``s`` occurs n - 1 times
    and the separators add up to (n - 1) × len(s), each separator holds exactly
    one ``s`` and nothing else: they are all ``s``. A few counts, no scan in Python.
    """
    n = len(tags) - 1
    if n < 1:
        return None
    first = _PLAIN_SEP.search(line, start, end)
    if first is None:
        return None
    sep = first.group()
    if (
        sep.count(",") == 1
        and line.count(",", start, end) == n
        and line.count(sep, start, end) == n
        and (end - start) - sum(map(len, tags)) == n * len(sep)
    ):
        return sep
    return None


def _common_ends(old: Sequence[str], new: Sequence[str]) -> tuple[int, int]:
    """How many tags the lists share at the start, and then at the end.

    The shared end is used only when none of its tags also occurs between the
    shared start and end: then aligning the whole lists would pair it the same
    way (with a repeated tag, :func:`align` keeps the first occurrence and the
    end would keep the last).
    """
    limit = min(len(old), len(new))
    head = 0
    if tuple(old[:limit]) == tuple(new[:limit]):  # one comparison in C
        head = limit
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    if tail:
        ending = set(old[len(old) - tail :])
        between = {*old[head : len(old) - tail], *new[head : len(new) - tail]}
        if not ending.isdisjoint(between):
            tail = 0
    return head, tail


def rewrite_line(
    line: str, old: Sequence[str], new: Sequence[str], fallback_sep: str = ", "
) -> str:
    """``line`` (whose tags are ``old``) with tags ``new``, keeping untouched bytes.

    The tags both lists share at the start and at the end are copied as one slice
    each; only the tags between are aligned, so adding or removing one tag costs
    about as much as finding the tags.
    """
    fast = _appended(line, old, new, fallback_sep)
    if fast is not None:
        return fast
    spans = tag_spans(line)
    if len(spans) != len(old):  # not the line these tags came from: write it plainly
        return fallback_sep.join(new)
    if not spans:  # nothing to keep in place: the new tags follow what is there
        return line + fallback_sep.join(new)
    head, tail = _common_ends(old, new)
    usual: list[str] = []  # computed on the first insertion

    def sep() -> str:
        if not usual:
            usual.append(usual_separator(line, spans, fallback_sep))
        return usual[0]

    def between(last: int) -> str:  # the separator written after old tag ``last``
        return line[spans[last][1] : spans[last + 1][0]]

    pieces = [line[: spans[head - 1][1]] if head else line[: spans[0][0]]]
    last: int | None = head - 1 if head else None  # old index of the last tag written
    pending: list[str] = []  # new tags waiting for the next kept tag
    for i, j in align(old[head : len(old) - tail], new[head : len(new) - tail]):
        if j is None:
            continue  # removed: neither it nor the separator after it is written
        if i is None:
            pending.append(new[head + j])
            continue
        i, j = i + head, j + head
        if last is not None:
            pieces.append(between(last))
        for tag in pending:
            pieces += [tag, sep()]
        pending = []
        pieces.append(line[spans[i][0] : spans[i][1]] if old[i] == new[j] else new[j])
        last = i
    if tail:  # the shared end, with its separators and the line's suffix, as written
        if last is not None:
            pieces.append(between(last))
        for tag in pending:
            pieces += [tag, sep()]
        pieces.append(line[spans[len(old) - tail][0] :])
        return "".join(pieces)
    if pending:
        if last is None:
            pieces.append(sep().join(pending))
        else:
            for tag in pending:
                pieces += [sep(), tag]
    pieces.append(line[spans[-1][1] :])
    return "".join(pieces)

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

from collections import Counter, defaultdict, deque
from collections.abc import Sequence

Span = tuple[int, int]
# (old index or None, new index or None): keep/rename, removal, insertion.
Step = tuple[int | None, int | None]


def tag_spans(line: str) -> list[Span]:
    """``(start, end)`` of each tag in ``line``, as :func:`captions.split_tags` splits it.

    Splits on commas outside parentheses (escaped parentheses do not count); an
    unclosed ``(`` falls back to plain comma splitting for the rest of the line.
    Each span excludes the whitespace around the tag; empty tags are dropped.
    """
    pieces: list[Span] = []
    start = 0
    if "(" not in line and "\\" not in line:
        pos = line.find(",")
        while pos >= 0:
            pieces.append((start, pos))
            start = pos + 1
            pos = line.find(",", start)
        pieces.append((start, len(line)))
        return _trimmed(line, pieces)
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
    seps = Counter(
        line[spans[k][1] : spans[k + 1][0]]
        for k in range(len(spans) - 1)
        if line.count(",", spans[k][1], spans[k + 1][0]) == 1
    )
    return seps.most_common(1)[0][0] if seps else fallback


def rewrite_line(
    line: str, old: Sequence[str], new: Sequence[str], fallback_sep: str = ", "
) -> str:
    """``line`` (whose tags are ``old``) with tags ``new``, keeping untouched bytes."""
    spans = tag_spans(line)
    if len(spans) != len(old):  # not the line these tags came from: write it plainly
        return fallback_sep.join(new)
    sep = usual_separator(line, spans, fallback_sep)
    prefix = line[: spans[0][0]] if spans else line
    suffix = line[spans[-1][1] :] if spans else ""
    pieces = [prefix]
    pending: list[str] = []  # new tags waiting for the next kept tag
    last: int | None = None  # old index of the last tag written
    for i, j in align(old, new):
        if j is None:
            continue  # removed: neither it nor the separator after it is written
        if i is None:
            pending.append(new[j])
            continue
        if last is not None:
            pieces.append(line[spans[last][1] : spans[last + 1][0]])
        for tag in pending:
            pieces += [tag, sep]
        pending = []
        pieces.append(line[spans[i][0] : spans[i][1]] if old[i] == new[j] else new[j])
        last = i
    if pending:
        if last is None:
            pieces.append(sep.join(pending))
        else:
            for tag in pending:
                pieces += [sep, tag]
    pieces.append(suffix)
    return "".join(pieces)

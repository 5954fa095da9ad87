"""The journal's pack: raw contents behind a JSON index (issue 17), damage refused.

Each test edits a real dataset through the CLI, as a user would, then looks at or
damages the pack that edit wrote. Packs of the first format (base64 JSON, written
by earlier versions and carried inside datasets) must still undo.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import write_dataset
from journal_craft import craft, write_op
from lorapan.core.dataset import Dataset
from lorapan.main import main

CAPTIONS = {"a.png": "x, y\n", "b.png": "café, ünï\r\n", "c.png": b"\xef\xbb\xbfbom, tag"}


@pytest.fixture
def root(tmp_path):
    return write_dataset(tmp_path / "ds", CAPTIONS)


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def _captions(root) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.glob("*.txt"))}


def _edit(root, capsys) -> tuple[dict[str, bytes], str]:
    """Add a tag to every caption; the captions before and the entry's pack path."""
    before = _captions(root)
    assert _run(capsys, "edit", root, "--add", "new tag")[0] == 0
    (txn,) = Dataset.open(root).journal.transactions()
    return before, root / ".lorapan" / "journal" / f"{txn.id}.pack"


def test_an_edit_packs_raw_contents_and_undo_puts_every_byte_back(root, capsys):
    before, pack = _edit(root, capsys)
    after = _captions(root)
    assert not list(pack.parent.glob("*.pack.json"))
    raw = sum(len(b) for b in before.values()) + sum(len(b) for b in after.values())
    assert raw <= pack.stat().st_size < raw + 600  # no base64: contents plus a small index
    assert _run(capsys, "undo", root)[0] == 0
    assert _captions(root) == before
    assert _run(capsys, "redo", root)[0] == 0
    assert _captions(root) == after


def test_a_first_format_pack_carried_in_a_dataset_still_undoes(root):
    old, now = b"old, tags", (root / "a.txt").read_bytes()
    txn = craft(root, 1, "applied", [write_op("a.txt", old, now)], [old, now])
    assert (root / ".lorapan" / "journal" / f"{txn}.pack.json").exists()
    assert Dataset.open(root).undo().ok
    assert (root / "a.txt").read_bytes() == old


def _cut(data: bytes) -> bytes:
    return data[:-3]


def _grown(data: bytes) -> bytes:
    return data + b"tail"


def _no_magic(data: bytes) -> bytes:
    return b"{" + data[1:]


def _bad_index(data: bytes) -> bytes:
    magic, _, rest = data.partition(b"\n")
    return magic + b"\n[[1, 2]]\n" + rest.partition(b"\n")[2]


def _swapped_content(data: bytes) -> bytes:
    """Same lengths, one byte of content changed: only the hash can tell."""
    return data[:-2] + bytes([data[-2] ^ 1]) + data[-1:]


@pytest.mark.parametrize("damage", [_cut, _grown, _no_magic, _bad_index, _swapped_content])
def test_a_damaged_pack_leaves_every_caption_and_the_entry_as_they_were(root, capsys, damage):
    _, pack = _edit(root, capsys)
    after = _captions(root)
    pack.write_bytes(damage(pack.read_bytes()))
    for _ in range(2):  # refused before the entry's state changes: the same words again
        code, _, err = _run(capsys, "undo", root)
        assert code == 4 and "pack" in err and "--skip" in err
        assert Dataset.open(root).journal.transactions()[0].state == "applied"
    assert _captions(root) == after


def test_the_index_names_each_content_by_its_hash(root, capsys):
    _, pack = _edit(root, capsys)
    magic, index, body = pack.read_bytes().split(b"\n", 2)
    assert magic == b"lorapan-pack/2"
    at = 0
    for digest, size in json.loads(index):
        assert hashlib.sha256(body[at : at + size]).hexdigest() == digest
        at += size
    assert at == len(body)

"""The analyzer: cache keyed by size and mtime, worker pool, cancel, progress, settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import imagegen as gen
import pytest
from lorapan.core.analysis import verdicts
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts


def _make_set(root: Path, n: int, side: int = 192) -> list[str]:
    rels = []
    for i in range(n):
        maker = gen.photo_like if i % 2 else gen.flat_art
        sub = "10_goblin" if i % 3 == 0 else "extra"
        name = f"{sub}/img{i:03d}.{'jpg' if i % 2 else 'png'}"
        gen.save(maker((side, side * 3 // 4), seed=i), root / name)
        rels.append(name)
    return rels


def _scramble_keep_stamp(path: Path) -> None:
    """Overwrite a file with junk of the same size and restore its mtime."""
    st = path.stat()
    path.write_bytes(b"\0" * st.st_size)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_second_run_decodes_nothing_and_a_touched_file_is_redone(tmp_path: Path) -> None:
    rels = _make_set(tmp_path, 6)
    analyzer = Analyzer(tmp_path, tmp_path / ".lorapan")
    first = analyzer.run(rels)
    assert analyzer.last_run.analysed == rels and analyzer.last_run.from_cache == 0
    assert (tmp_path / ".lorapan" / "analysis.sqlite").is_file()
    # Same size and mtime but junk bytes: any decode would now fail, so equal facts
    # prove the second run read only the cache.
    for rel in rels:
        _scramble_keep_stamp(tmp_path / rel)
    again = Analyzer(tmp_path, tmp_path / ".lorapan")
    second = again.run(rels)
    assert again.last_run.analysed == [] and again.last_run.from_cache == len(rels)
    assert second == first
    assert all(f.ok for f in second.values())
    # Touching one file (new mtime) makes it analysed again: it now shows as broken.
    touched = tmp_path / rels[2]
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    third = again.run(rels)
    assert again.last_run.analysed == [rels[2]]
    assert third[rels[2]].error_kind == "not-image"
    assert all(third[r] == first[r] for r in rels if r != rels[2])


def test_force_reanalyses_everything(tmp_path: Path) -> None:
    rels = _make_set(tmp_path, 3)
    analyzer = Analyzer(tmp_path, tmp_path / ".lorapan")
    analyzer.run(rels)
    analyzer.run(rels, force=True)
    assert analyzer.last_run.analysed == rels


def test_deleted_files_are_dropped_from_the_cache(tmp_path: Path) -> None:
    rels = _make_set(tmp_path, 4)
    analyzer = Analyzer(tmp_path, tmp_path / ".lorapan")
    analyzer.run(rels)
    (tmp_path / rels[0]).unlink()
    result = analyzer.run(rels[1:])
    assert analyzer.last_run.dropped == [rels[0]]
    assert list(result) == rels[1:]
    assert rels[0] not in analyzer.cached(rels)
    # asked for by name although deleted: reported, not raised
    gone = analyzer.run(rels)[rels[0]]
    assert gone.error_kind == "unreadable" and "not found" in gone.error_message


def test_cached_reads_without_decoding_and_skips_changed_files(tmp_path: Path) -> None:
    rels = _make_set(tmp_path, 4)
    analyzer = Analyzer(tmp_path, tmp_path / ".lorapan")
    assert analyzer.cached(rels) == {}
    facts = analyzer.run(rels)
    changed = tmp_path / rels[1]
    gen.save(gen.flat_art((50, 50)), changed)
    got = analyzer.cached(rels)
    assert set(got) == {rels[0], rels[2], rels[3]}
    assert got[rels[0]] == facts[rels[0]]


def test_pool_gives_the_same_facts_as_one_process(tmp_path: Path) -> None:
    rels = _make_set(tmp_path, 40, side=128)
    pooled = Analyzer(tmp_path, tmp_path / "pool", AnalysisConfig(workers=2))
    seen: list[tuple[int, int]] = []
    facts = pooled.run(rels, progress=lambda done, total: seen.append((done, total)))
    single = Analyzer(tmp_path, tmp_path / "single", AnalysisConfig(workers=1)).run(rels)
    assert facts == single
    assert list(facts) == rels
    assert seen[0] == (0, 40) and seen[-1] == (40, 40)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) > 2


def test_cancel_stops_early_and_keeps_finished_work(tmp_path: Path) -> None:
    rels = _make_set(tmp_path, 40, side=96)
    cancel = threading.Event()
    analyzer = Analyzer(tmp_path, tmp_path / ".lorapan", AnalysisConfig(workers=1))

    def progress(done: int, total: int) -> None:
        if done > 0:
            cancel.set()

    partial = analyzer.run(rels, progress=progress, cancel=cancel)
    assert analyzer.last_run.cancelled
    assert 0 < len(partial) < len(rels)
    done_before = len(partial)
    analyzer.run(rels)
    assert analyzer.last_run.from_cache == done_before
    assert len(analyzer.last_run.analysed) == len(rels) - done_before


def test_cancel_with_the_pool(tmp_path: Path) -> None:
    rels = _make_set(tmp_path, 48, side=96)
    cancel = threading.Event()
    analyzer = Analyzer(tmp_path, tmp_path / ".lorapan", AnalysisConfig(workers=2))
    partial = analyzer.run(rels, progress=lambda d, t: d and cancel.set(), cancel=cancel)
    assert analyzer.last_run.cancelled and len(partial) < len(rels)
    assert all(f.ok for f in partial.values())


def test_thresholds_come_from_settings_and_apply_to_cached_facts(tmp_path: Path) -> None:
    gen.save(gen.photo_like((800, 600), seed=1), tmp_path / "a.jpg", quality=92)
    gen.save(gen.blurred(gen.photo_like((800, 600), seed=2), 4), tmp_path / "b.jpg")
    default = Analyzer(tmp_path, tmp_path / ".lorapan").run(["a.jpg", "b.jpg"])
    assert not default["a.jpg"].blurry and default["b.jpg"].blurry
    assert default["a.jpg"].low_res is False  # 600 >= 1024 * 0.5
    config = AnalysisConfig.from_settings(
        {"blur_edge_px": 50, "training_resolution": 2048, "low_res_fraction": "x", "other": 1}
    )
    assert config.blur_edge_px == 50 and config.training_resolution == 2048
    assert config.low_res_fraction == AnalysisConfig().low_res_fraction  # bad value ignored
    strict = Analyzer(tmp_path, tmp_path / ".lorapan", config)
    facts = strict.run(["a.jpg", "b.jpg"])
    assert strict.last_run.analysed == []  # flags change without decoding again
    assert not facts["b.jpg"].blurry and facts["a.jpg"].low_res


def test_damaged_cache_file_is_rebuilt(tmp_path: Path) -> None:
    rels = _make_set(tmp_path, 2)
    state = tmp_path / ".lorapan"
    state.mkdir()
    (state / "analysis.sqlite").write_bytes(b"this is not a database" * 50)
    analyzer = Analyzer(tmp_path, state)
    assert all(f.ok for f in analyzer.run(rels).values())
    analyzer.run(rels)
    assert analyzer.last_run.from_cache == 2


@pytest.mark.parametrize("field", ["dhash", "phash"])
def test_facts_round_trip_through_json(tmp_path: Path, field: str) -> None:
    rels = _make_set(tmp_path, 1)
    facts = Analyzer(tmp_path, tmp_path / ".lorapan").run(rels)[rels[0]]
    public = facts.to_dict()
    assert len(public[field]) == 16 and int(public[field], 16) == getattr(facts, field)
    assert "crop_hashes" not in public
    restored = ImageFacts.from_record(facts.to_record())  # measurements only, no verdicts
    assert restored != facts and not restored.blur_limit
    assert verdicts.apply({rels[0]: restored}, AnalysisConfig())[rels[0]] == facts


def test_pool_starts_safely_from_a_threaded_host(tmp_path: Path) -> None:
    """With other threads alive (as in the app) workers come from a forkserver."""
    rels = _make_set(tmp_path, 24, side=96)
    stop = threading.Event()
    host = threading.Thread(target=stop.wait, daemon=True)
    host.start()
    try:
        from lorapan.core.analysis.workers import mp_context

        assert mp_context().get_start_method() in {"forkserver", "spawn"}
        facts = Analyzer(tmp_path, tmp_path / ".lorapan", AnalysisConfig(workers=2)).run(rels)
    finally:
        stop.set()
    assert len(facts) == 24 and all(f.ok for f in facts.values())


_HOST_WITHOUT_STDERR = """
import io, json, sys, threading
from pathlib import Path
from lorapan.core.analysis import verdicts
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.facts import AnalysisConfig

class TextualLike(io.TextIOBase):  # what Textual puts in sys.stderr: fileno() is -1
    def write(self, s):
        return len(s)
    def fileno(self):
        return -1

class NoFileno:  # a bare writer with no fileno() at all
    def write(self, s):
        return len(s)
    def flush(self):
        pass

root, kind = Path(sys.argv[1]), sys.argv[2]
rels = json.loads(sys.argv[3])
out = sys.stdout
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()  # a threaded host, as the app
sys.stderr = TextualLike() if kind == "fileno-minus-one" else NoFileno()
try:
    analyzer = Analyzer(root, root / ".lorapan", AnalysisConfig(workers=2))
    facts = analyzer.run(rels)
    ok = sum(f.ok for f in facts.values())
    out.write(json.dumps({"ok": ok, "workers": analyzer.last_run.workers}))
finally:
    stop.set()
"""


@pytest.mark.parametrize("kind", ["fileno-minus-one", "no-fileno"])
def test_pool_starts_when_stderr_has_no_file_descriptor(tmp_path: Path, kind: str) -> None:
    """Inside the app sys.stderr has no usable descriptor; the pool must start anyway.

    A fresh interpreter, so no forkserver or resource tracker is running yet.
    """
    rels = _make_set(tmp_path, 20, side=96)
    done = subprocess.run(
        [sys.executable, "-c", _HOST_WITHOUT_STDERR, str(tmp_path), kind, json.dumps(rels)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == {"ok": 20, "workers": 2}

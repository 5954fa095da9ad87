"""Commands a message offers to copy are quoted: pasting one runs what it says.

The dataset lives in ``my data $(touch pwned)``: an unquoted hint pasted into a
shell would create ``pwned`` and act on the wrong folder.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_dataset
from lorapan.core.commands_hint import hint
from lorapan.core.dataset import Dataset

HOSTILE = "my data $(touch pwned)"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / HOSTILE, {"a.png": "a, b\n", "b.png": "c\n"})


def _paste(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``command`` as a user pasting it into bash would (``lorapan`` on PATH)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _interrupt(root: Path) -> None:
    """Leave a pending journal entry, as a crash half-way through an edit does."""
    ds = Dataset.open(root)
    ds.journal.begin("half-done edit", [("a.txt", b"a, b\n", b"a, b, c\n")])


def _backticked(text: str) -> list[str]:
    return re.findall(r"`(lorapan [^`]*)`", text)


def test_hint_quotes_each_part():
    assert hint("undo", "/data/my data $(x)") == "lorapan undo '/data/my data $(x)'"
    assert hint("recover", Path("/d"), "--finish") == "lorapan recover /d --finish"
    assert shlex.split(hint("info", "it's here")) == ["lorapan", "info", "it's here"]


def test_pasting_the_undo_hint_of_edit_undoes_it(root: Path, lorapan_cmd):
    res = lorapan_cmd("edit", root, "--add", "x")
    assert res.returncode == 0, res.stderr
    line = next(x for x in res.stdout.splitlines() if x.startswith("undo with: "))
    command = line.removeprefix("undo with: ")
    assert shlex.split(command) == ["lorapan", "undo", str(root)]
    pasted = _paste(command, cwd=root.parent)
    assert pasted.returncode == 0, pasted.stderr
    assert (root / "a.txt").read_text() == "a, b\n"
    assert not (root.parent / "pwned").exists()


@pytest.mark.parametrize(
    ("args", "stream"),
    [
        (("edit", "--add", "x"), "stderr"),  # refuses until the interrupted edit is settled
        (("undo",), "stderr"),
        (("info",), "stdout"),
    ],
)
def test_recover_hints_name_the_dataset_quoted(root: Path, lorapan_cmd, args, stream):
    _interrupt(root)
    res = lorapan_cmd(args[0], root, *args[1:])
    commands = _backticked(getattr(res, stream))
    for command in commands:  # every command offered names the dataset, quoted
        assert shlex.split(command)[2] == str(root), command
    recover = [c for c in commands if shlex.split(c)[1] == "recover"]
    assert recover, getattr(res, stream)
    pasted = _paste(recover[0], cwd=root.parent)
    assert pasted.returncode == 0, pasted.stderr
    assert "half-done edit" in pasted.stdout
    assert not (root.parent / "pwned").exists()


def test_the_image_hint_of_collage_and_augment_names_the_dataset_quoted(root: Path, lorapan_cmd):
    res = lorapan_cmd("collage", root, "missing.png", "a.png")
    assert res.returncode != 0
    (command,) = _backticked(res.stderr)
    assert shlex.split(command) == ["lorapan", "info", str(root)]


# ---- every command that offers a command names the dataset quoted -------------------


def _offered(text: str, root: Path) -> list[str]:
    """Each ``lorapan CMD …`` in ``text`` that names ``root``, up to the end of its argv.

    An unquoted root (``lorapan undo /tmp/my data $(touch pwned)``) fails here: pasted,
    it would run ``touch pwned`` and act on ``/tmp/my``.
    """
    assert not re.search(r"lorapan [a-z-]+ " + re.escape(str(root)), text), text
    quoted = re.escape(shlex.quote(str(root)))
    found = re.findall(
        r"lorapan [a-z-]+ " + quoted + r"(?: --?[a-z-]+| [0-9a-f][0-9a-f-]{5,})*", text
    )
    for command in found:
        assert shlex.split(command)[2] == str(root), command
    return found


def _paste_all(commands: list[str], root: Path) -> None:
    """Paste each (read-only) command into bash: it runs on the dataset, nothing else."""
    for command in commands:
        pasted = _paste(command, cwd=root.parent)
        assert pasted.returncode in (0, 1), (command, pasted.stderr)
        assert "Traceback" not in pasted.stderr
    assert not (root.parent / "pwned").exists()


def test_check_fix_and_their_rules_offer_the_dataset_quoted(root: Path, lorapan_cmd):
    (root / "a.txt").write_text("a, b, a\n")  # a repeated tag: tags.duplicate fixes it
    checked = lorapan_cmd("check", root)
    offered = _offered(checked.stdout, root)
    assert any(shlex.split(c)[1:4:2] == ["fix", "--rule"] for c in offered), checked.stdout
    assert any(shlex.split(c)[1] == "scan" for c in offered)  # a rule's own hint (context)
    fixed = lorapan_cmd("fix", root)
    assert fixed.returncode in (0, 1), fixed.stderr
    offered = _offered(fixed.stdout, root)
    assert {shlex.split(c)[1] for c in offered} >= {"undo", "check"}, fixed.stdout
    _paste_all([c for c in offered if shlex.split(c)[1] == "check"], root)
    _paste_all([c for c in offered if shlex.split(c)[1] == "undo"], root)
    assert (root / "a.txt").read_text() == "a, b, a\n"  # the pasted undo undid the fix


def test_set_aside_restore_and_their_refusals_offer_the_dataset_quoted(root: Path, lorapan_cmd):
    out = lorapan_cmd("set-aside", root, "a.png")
    [undo] = _offered(out.stdout, root)
    listing = lorapan_cmd("restore", root)
    [restore] = _offered(listing.stdout, root)
    assert "restore with: " + restore + " IMAGE... (or --all)" in listing.stdout
    refused = lorapan_cmd("set-aside", root, "nope.png")
    [info] = _offered(refused.stderr, root)
    refused = lorapan_cmd("restore", root, "nope.png")
    [listed] = _offered(refused.stderr, root)
    _paste_all([info, listed, restore], root)
    _paste_all([undo], root)
    assert (root / "a.png").exists()


def test_collage_offers_undo_quoted(root: Path, lorapan_cmd):
    import imagegen as gen

    for name in ("a", "b"):
        gen.save(gen.flat_art((512, 768), seed=ord(name)), root / f"{name}.png")
    made = lorapan_cmd("collage", root, "a.png", "b.png")
    assert made.returncode == 0, made.stderr
    [undo] = _offered(made.stdout, root)
    _paste_all([undo], root)
    assert sorted(p.name for p in root.glob("*.png")) == ["a.png", "b.png"]


def test_augment_offers_undo_quoted(root: Path, lorapan_cmd):
    import imagegen as gen

    gen.save(gen.flat_art((1024, 768), seed=7), root / "a.png")
    made = lorapan_cmd("augment", root, "a.png", "--alter", "grayscale")
    assert made.returncode == 0, made.stderr
    [undo] = _offered(made.stdout, root)
    _paste_all([undo], root)
    assert sorted(p.name for p in root.glob("*.png")) == ["a.png", "b.png"]


def test_training_commands_without_runs_offer_the_dataset_quoted(root: Path, lorapan_cmd):
    runs = lorapan_cmd("runs", root)
    logs = lorapan_cmd("logs", root, "latest")
    stop = lorapan_cmd("stop", root, "nope")
    resume = lorapan_cmd("train", root, "--resume", "latest")
    offered = [
        *_offered(runs.stdout, root),
        *_offered(logs.stderr, root),
        *_offered(stop.stderr, root),
        *_offered(resume.stderr, root),
    ]
    verbs = [shlex.split(c)[1:] for c in offered]
    assert verbs == [
        ["train", str(root)],
        ["train", str(root), "--dry-run"],
        ["train", str(root)],
        ["runs", str(root)],
        ["runs", str(root)],
    ], offered
    _paste_all([c for c in offered if "train" not in c] + [offered[1]], root)


def test_train_preflight_offers_fix_and_check_quoted(root: Path, lorapan_cmd):
    (root / "lorapan.toml").write_text('[dataset]\ncore_tag = "gob goblin"\n')  # no caption has it
    res = lorapan_cmd("train", root, "--dry-run")
    offered = _offered(res.stdout, root)
    assert [shlex.split(c)[1] for c in offered] == ["fix", "check"], res.stdout
    _paste_all(offered[1:], root)


def test_a_broken_journal_entry_offers_history_and_recover_quoted(root: Path, lorapan_cmd):
    folder = root / ".lorapan" / "journal"
    folder.mkdir(parents=True)
    (folder / "00000001-00000000aa.json").write_text("[]")
    undo = lorapan_cmd("undo", root)
    assert undo.returncode == 4
    offered = _offered(undo.stderr, root)
    assert [shlex.split(c)[1:] for c in offered] == [
        ["history", str(root), "--broken"],
        ["recover", str(root), "--skip", "00000000aa"],
    ], undo.stderr
    history = lorapan_cmd("history", root, "--broken")
    [skip] = _offered(history.stdout, root)
    assert "set one aside with: " + skip + " ID" in history.stdout
    _paste_all([offered[0]], root)
    _paste_all([offered[1]], root)  # pasted, the recover sets the entry aside
    assert "nothing to undo" in lorapan_cmd("undo", root).stdout


def test_a_training_run_offers_logs_stop_runs_and_export_quoted(
    tmp_path: Path, lorapan_cmd, monkeypatch
):
    from test_training_env import make_dataset, replay_env, runnable_training

    for key, value in replay_env(step_s=0.01).items():
        monkeypatch.setenv(key, value)  # the run inherits the environment it was started from
    root = make_dataset(tmp_path / HOSTILE, training=runnable_training(tmp_path))
    started = lorapan_cmd("train", root)
    assert started.returncode == 0, started.stderr
    offered = _offered(started.stdout, root)
    assert [shlex.split(c)[1] for c in offered] == ["logs", "stop"], started.stdout
    assert shlex.split(offered[0])[-1] == "--follow"
    followed = _paste(offered[0], cwd=root.parent)  # follows the run to its end
    assert followed.returncode == 0 and "steps:" in followed.stdout, followed.stderr
    shown = lorapan_cmd("runs", root, "latest")
    offered = _offered(shown.stdout, root)
    assert [shlex.split(c)[1] for c in offered] == ["export"], shown.stdout
    assert (root.parent / "out").exists() and not (root.parent / "pwned").exists()


def test_autotag_offers_undo_quoted(root: Path, tmp_path: Path, lorapan_cmd):
    from onnx_models import make_model_dir

    model = make_model_dir(tmp_path / "models")
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    tagged = lorapan_cmd("autotag", root, "-m", model, "--mode", "add-missing", env=env)
    assert tagged.returncode == 0, tagged.stderr
    [undo] = _offered(tagged.stdout, root)
    _paste_all([undo], root)
    assert (root / "a.txt").read_text() == "a, b\n"

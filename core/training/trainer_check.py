"""Check a planned run with sd-scripts itself, before anything starts (issue 16.3).

Runs :mod:`.kohya_probe` in the trainer's Python with the sd-scripts checkout on its
path: its argument parser, ``verify_training_args``, the dataset-config sanitizer, the
dataset build with its buckets and the trainer's own extra checks, without loading
the model (seconds, not the minute a model load takes). What sd-scripts says is
turned into :class:`~lorapan.core.training.preflight.Check` items in lorapan's words.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lorapan.core.training import kohya_probe
from lorapan.core.training.config import RunPlan
from lorapan.core.training.preflight import Check
from lorapan.core.training.run_settings import trainer_env

TIMEOUT_S = 300.0
WHAT_FAILED = {
    "import": "could not start",
    "arguments": "refused an argument",
    "tokenizer": "could not load the CLIP tokenizer",
    "dataset config": "refused the dataset config",
    "dataset": "could not build the dataset",
    "trainer checks": "refused a setting",
    "sample prompts": "could not read a sample prompt",
    "timeout": "did not answer",
}
HINTS = {
    "import": "sd-scripts could not be imported: set python in [training] to the Python of "
    "the sd-scripts venv (with its requirements installed)",
    "arguments": "sd-scripts refused an argument: check extra_args and the --set values",
    "tokenizer": "sd-scripts could not load the CLIP tokenizer: on a machine without hub "
    "access, set tokenizer_cache_dir in [training] to a folder holding its files",
    "dataset config": "the dataset TOML was refused by sd-scripts' config sanitizer",
    "dataset": "check the image folders and the bucket settings (min_bucket_reso, "
    "max_bucket_reso, bucket_reso_steps; 0 = from the resolution)",
    "trainer checks": "a setting this model family does not allow (bucket_reso_steps, "
    "SDXL text-encoder caching)",
    "sample prompts": "a sample prompt line sd-scripts cannot read",
    "timeout": "the check did not finish; run it again with lorapan train --check",
}


@dataclass
class TrainerVerdict:
    """What sd-scripts said about one plan."""

    ok: bool
    stage: str = ""
    error: str = ""
    facts: dict | None = None
    seconds: float = 0.0


def english(message: str) -> str:
    """sd-scripts' bilingual ``English / 日本語`` message without the second half."""
    head = message.split(" / ", 1)[0].strip()
    for prefix in ("AssertionError: ", "ValueError: "):
        head = head.removeprefix(prefix)
    return head


def job(plan: RunPlan) -> dict:
    script = plan.argv[len(plan.argv) - len(plan.script_args) - 1]
    return {"script": Path(script).name, "args": plan.script_args}


def run_checks(plans: list[RunPlan], timeout: float = TIMEOUT_S) -> list[TrainerVerdict]:
    """sd-scripts' verdict on each plan, from one process in the first plan's trainer Python.

    Each plan's dataset TOML and prompts are written to a scratch folder (the run folder
    does not exist before the start).
    """
    if not plans:
        return []
    settings = plans[0].settings
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lorapan-check-") as tmp:
        jobs = []
        for i, plan in enumerate(plans):
            moved = plan.moved_to(Path(tmp) / f"run{i}")
            moved.run_dir.mkdir()
            (moved.run_dir / "dataset.toml").write_text(moved.dataset_toml, encoding="utf-8")
            text = "\n".join(moved.prompts) + "\n"
            (moved.run_dir / "prompts.txt").write_text(text, encoding="utf-8")
            jobs.append(job(moved))
        jobs_path, report_path = Path(tmp) / "jobs.json", Path(tmp) / "report.json"
        jobs_path.write_text(json.dumps(jobs), encoding="utf-8")
        env = {**os.environ, **trainer_env(settings), "PYTHONIOENCODING": "utf-8"}
        argv = [settings["python"], kohya_probe.__file__, settings["sd_scripts"]]
        try:
            proc = subprocess.run(
                [*argv, str(jobs_path), str(report_path)],
                capture_output=True,
                text=True,
                errors="replace",
                env=env,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return [TrainerVerdict(False, "timeout", f"no answer in {timeout:.0f} s")] * len(plans)
        except OSError as exc:
            return [TrainerVerdict(False, "import", f"cannot run {argv[0]}: {exc}")] * len(plans)
        seconds = time.monotonic() - started
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = []
    out = [_verdict(r, seconds) for r in report]
    if len(out) < len(plans):  # the probe died: its own last words say why
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        out += [TrainerVerdict(False, "import", last[0], seconds=seconds)] * (len(plans) - len(out))
    return out


def _verdict(entry: dict, seconds: float) -> TrainerVerdict:
    if entry.get("ok"):
        facts = {k: v for k, v in entry.items() if k != "ok"}
        return TrainerVerdict(True, facts=facts, seconds=seconds)
    return TrainerVerdict(False, str(entry.get("stage")), str(entry.get("error")), seconds=seconds)


def checks_for(plan: RunPlan, verdict: TrainerVerdict) -> list[Check]:
    """The verdict in lorapan's words, with the trainer's counts next to the prediction."""
    if not verdict.ok:
        what = WHAT_FAILED.get(verdict.stage, verdict.stage)
        message = f"sd-scripts {what}: {english(verdict.error)}"
        return [Check("error", message, HINTS.get(verdict.stage, ""))]
    facts = verdict.facts or {}
    st = plan.steps
    checks = [
        Check(
            "info",
            f"sd-scripts accepts the run ({verdict.seconds:.0f} s): its parser, checks and "
            f"dataset build pass; {facts.get('images_with_repeats')} images with repeats, "
            f"{facts.get('batches_per_epoch')} batches per epoch",
        )
    ]
    if facts.get("images_with_repeats") not in (None, st.images_with_repeats):
        checks.append(
            Check(
                "warning",
                f"sd-scripts counts {facts['images_with_repeats']} images with repeats, "
                f"lorapan predicted {st.images_with_repeats}",
            )
        )
    single = int(plan.settings["num_processes"]) <= 1
    if st.batches_per_epoch and facts.get("batches_per_epoch") not in (None, st.batches_per_epoch):
        checks.append(
            Check(
                "warning",
                f"sd-scripts makes {facts['batches_per_epoch']} batches per epoch, lorapan "
                f"predicted {st.batches_per_epoch}",
            )
        )
    if single and facts.get("total_steps") not in (None, st.total_steps):
        checks.append(
            Check(
                "warning",
                f"sd-scripts will train {facts['total_steps']} steps, lorapan predicted "
                f"{st.total_steps}",
            )
        )
    return checks


def trainer_configured(plan: RunPlan) -> bool:
    """An sd-scripts checkout (script and ``library/``) and a Python: the check can run."""
    sd = plan.settings.get("sd_scripts")
    script = "sdxl_train_network.py" if plan.sdxl else "train_network.py"
    python = Path(plan.settings.get("python") or "")
    if not sd or not python.is_file():
        return False
    return (Path(sd) / script).is_file() and (Path(sd) / "library" / "train_util.py").is_file()


def check_plan(plan: RunPlan, timeout: float = TIMEOUT_S) -> list[Check]:
    return checks_for(plan, run_checks([plan], timeout)[0])

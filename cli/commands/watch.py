"""`lorapan watch PATH`: follow outside changes to a dataset, headless.

Prints a line per change (an image added, removed or re-captioned, an orphan
caption appearing or going) and the findings each burst of changes added or
cleared. Meant to run beside another tool (a tagger script, rsync, a file
manager) or into a log; runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING

from lorapan.support import EXIT_FINDINGS, EXIT_OK, fail, json_written

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset
    from lorapan.core.rules.engine import RulesEngine
    from lorapan.core.rules.model import Finding
    from lorapan.core.watch import Batch, DatasetWatcher

NAME = "watch"
ORDER = 60
HELP = "follow outside changes live: a line per change and the findings it adds or clears"

EPILOG = """\
examples:
  lorapan watch ~/data/goblin              a line per outside change, until Ctrl-C
  lorapan watch ~/data/goblin --json       JSON lines (one object per change/finding)
  lorapan watch /mnt/nfs/goblin --polling  network folders, where inotify misses changes

Lines: `+ image` added, `- image` removed, `~ image +tag -tag` caption changed,
`? caption` orphan caption appeared, `. caption` orphan caption went,
`! [severity] rule: message` finding added, `* ...` a finding's images changed,
`ok rule: message` finding cleared.
Polling can also be set per dataset in lorapan.toml: [watch] polling = true.
Exit codes: 0 stopped by Ctrl-C/SIGTERM, 1 the folder was deleted, 2 usage error.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        NAME,
        help=HELP,
        description=__doc__.split("\n\n")[1].replace("\n", " "),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="PATH", help="dataset folder")
    p.add_argument("--json", action="store_true", help="JSON lines instead of text")
    p.add_argument(
        "--polling",
        action="store_true",
        default=None,
        help="poll instead of native events (NFS/SMB); default from lorapan.toml [watch]",
    )
    p.add_argument(
        "--debounce",
        type=float,
        default=None,
        metavar="S",
        help="seconds of quiet that end a burst of changes (default 0.3)",
    )
    p.set_defaults(func=run)


# ---- findings -----------------------------------------------------------------------
class _Findings:
    """Finding keys before/after each batch (none when the engine could not start)."""

    def __init__(self, dataset: Dataset) -> None:
        from lorapan.core.rules.engine import RulesEngine

        self.engine: RulesEngine | None = None
        self.error: str | None = None
        self.current: dict[str, dict] = {}
        try:
            self.engine = RulesEngine(dataset)
            self.current = self._collect()
        except Exception as exc:  # a broken rule must not stop the watch
            self.engine, self.error = None, f"rules engine unavailable: {exc}"

    def _collect(self) -> dict[str, dict]:
        assert self.engine is not None
        return {f.key: _finding_dict(f) for f in self.engine.check().findings}

    def diff(self) -> tuple[list[dict], list[dict], list[dict]]:
        """(added, cleared, changed) findings since the last call.

        A finding keeps its key while the images it names change; those come back
        as ``changed`` with ``images_added``/``images_removed``.
        """
        if self.engine is None:
            return [], [], []
        try:
            now = self._collect()
        except Exception as exc:
            self.error = f"rules check failed: {exc}"
            return [], [], []
        added = [now[k] for k in now if k not in self.current]
        cleared = [self.current[k] for k in self.current if k not in now]
        changed = []
        for k, f in now.items():
            old = self.current.get(k)
            if old is None or (old["images"], old["message"]) == (f["images"], f["message"]):
                continue
            before, after = set(old["images"]), set(f["images"])
            changed.append(
                {
                    **f,
                    "images_added": sorted(after - before),
                    "images_removed": sorted(before - after),
                }
            )
        self.current = now
        return added, cleared, changed


def _finding_dict(f: Finding) -> dict:
    """The fields a watch line (or JSON line) shows of a finding."""
    return {
        "rule": f.rule_id,
        "severity": f.severity,
        "message": f.message,
        "images": list(f.images),
    }


# ---- output -----------------------------------------------------------------------
class _Printer:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.lock = threading.Lock()
        self.broken = threading.Event()
        self.gone = threading.Event()  # the watched folder was deleted

    def emit(self, obj: dict, text: str) -> None:
        with self.lock:
            try:
                if self.as_json:
                    json_written()
                    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
                else:
                    sys.stdout.write(text + "\n")
                sys.stdout.flush()
            except BrokenPipeError:  # `lorapan watch ... | head`
                self.broken.set()


def _stamp(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def _print_batch(out: _Printer, batch: Batch, seq: int, findings: _Findings) -> None:
    at = _stamp(batch.at)
    common = {"batch": seq, "at": batch.at}
    for rel in batch.added:
        out.emit({**common, "change": "added", "image": rel}, f"{at} + {rel}")
    for rel in batch.removed:
        out.emit({**common, "change": "removed", "image": rel}, f"{at} - {rel}")
    diffs = {tc.relpath: tc for tc in batch.tag_changes}
    for rel in batch.changed:
        tc = diffs.get(rel)
        added, removed = (tc.added, tc.removed) if tc else ([], [])
        words = " ".join([f"+{t}" for t in added] + [f"-{t}" for t in removed])
        out.emit(
            {
                **common,
                "change": "changed",
                "image": rel,
                "tags_added": added,
                "tags_removed": removed,
            },
            f"{at} ~ {rel}  {words or '(same tags)'}",
        )
    for rel in batch.orphans_added:
        out.emit(
            {**common, "change": "orphan_added", "caption": rel},
            f"{at} ? {rel}  (caption without image)",
        )
    for rel in batch.orphans_removed:
        out.emit(
            {**common, "change": "orphan_removed", "caption": rel},
            f"{at} . {rel}  (orphan caption gone)",
        )
    added, cleared, changed = findings.diff()
    for f in added:
        out.emit(
            {**common, "finding": "added", **f},
            f"{at}   ! [{f['severity']}] {f['rule']}: {f['message']}",
        )
    for f in changed:
        moved = " ".join(
            [f"+{i}" for i in f["images_added"]] + [f"-{i}" for i in f["images_removed"]]
        )
        out.emit(
            {**common, "finding": "changed", **f},
            f"{at}   * [{f['severity']}] {f['rule']}: {f['message']}  {moved}".rstrip(),
        )
    for f in cleared:
        out.emit({**common, "finding": "cleared", **f}, f"{at}   ok {f['rule']}: {f['message']}")


def run(args: argparse.Namespace) -> int:
    from lorapan.core.dataset import Dataset
    from lorapan.core.settings import SettingsError
    from lorapan.core.watch import DatasetWatcher

    try:
        ds = Dataset.open(args.path)
    except FileNotFoundError:
        return fail(f"{args.path} is not a folder", "give the dataset folder to watch")
    except SettingsError as exc:
        return fail(str(exc), "fix lorapan.toml in the dataset folder")
    if args.debounce is not None and args.debounce < 0:
        return fail("--debounce must be 0 or more seconds", "for example --debounce 0.5")
    out = _Printer(args.json)
    findings = _Findings(ds)
    seq = 0

    def on_batch(batch: Batch) -> None:
        nonlocal seq
        seq += 1
        _print_batch(out, batch, seq, findings)

    def on_error(exc: BaseException) -> None:
        if isinstance(exc, FileNotFoundError):  # the folder itself went away
            print(f"lorapan: error: {exc}", file=sys.stderr)
            out.gone.set()
        else:
            print(f"lorapan: warning: could not apply a change: {exc}", file=sys.stderr)

    watcher = DatasetWatcher(
        ds, on_batch=on_batch, polling=args.polling, debounce=args.debounce, on_error=on_error
    )
    try:
        watcher.start()
    except OSError as exc:
        return fail(f"cannot watch {ds.root}: {exc.strerror or exc}", "try --polling")
    try:
        _announce(out, ds, watcher, findings)
        _wait(out)
    except KeyboardInterrupt:
        pass  # Ctrl-C before the wait began (right after "watching"): stop as usual
    finally:
        watcher.stop()
    out.emit({"event": "stopped", "batches": seq}, f"stopped after {seq} batch(es)")
    return EXIT_FINDINGS if out.gone.is_set() else EXIT_OK


def _announce(out: _Printer, ds: Dataset, watcher: DatasetWatcher, findings: _Findings) -> None:
    n = len(findings.current)
    rules = f"; {n} finding(s)" if findings.engine is not None else ""
    out.emit(
        {
            "event": "watching",
            "root": str(ds.root),
            "images": len(ds.items),
            "mode": watcher.mode,
            "findings": n if findings.engine is not None else None,
        },
        f"watching {ds.root} — {len(ds.items)} images, {watcher.mode} events{rules}; Ctrl-C to stop",
    )
    if findings.error:
        print(f"lorapan: warning: {findings.error}", file=sys.stderr)


def _wait(out: _Printer) -> None:
    """Block until Ctrl-C, SIGTERM or a closed stdout."""
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not (stop.is_set() or out.broken.is_set() or out.gone.is_set()):
            stop.wait(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)

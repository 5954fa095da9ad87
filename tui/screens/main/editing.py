"""Every edit the main screen makes: captions (plan, write, conflicts, undo/redo), rule
fixes, and ticks of the coverage checklist in lorapan.toml (journaled like a caption edit,
so undo and redo walk ticks and caption edits in the order they were made).

:meth:`Editor.edit` plans a tag function against the tags held now, with the dataset's
anchor held first as ``lorapan edit`` holds it (``core.method.edit_plan``), and writes it
through ``Dataset.apply_changes`` (journaled, conflict-checked): on the event loop
for a few files, on a worker for more (``BULK``), which ends with an
:class:`~lorapan.tui.messages.EditWritten` or ``EditFailed`` message that the
screen hands back to :meth:`Editor.written` / :meth:`Editor.failed`. A conflict
(another program changed a caption since it was read) asks: reload, or keep ours
(plan the same edit again on what is on disk now). Widgets are refreshed from the
app's ``DatasetChanged`` path, so outside changes and our own edits take one path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from lorapan.core.checklist import tick
from lorapan.core.dataset import ApplyResult
from lorapan.core.edits import Tags, add_tag, move_tag, move_to_front, remove_tag, replace_tag
from lorapan.core.errors import LorapanError
from lorapan.core.journal import JournalError
from lorapan.core.method.edit_plan import plan_edit
from lorapan.core.occurrence_edits import move_at, remove_at, rename_at
from lorapan.core.rules.kind_pin import kind_to_pin, pinned_note
from lorapan.core.settings import SETTINGS_FILE, SettingsError
from lorapan.core.settings_journal import settings_taken
from lorapan.core.words import plural
from lorapan.tui import workers
from lorapan.tui.errors import show_error
from lorapan.tui.screens.conflict import ConflictScreen
from lorapan.tui.screens.fix_preview import FixPreviewScreen
from lorapan.tui.screens.main.journal_repair import offer_skip

if TYPE_CHECKING:
    from lorapan.tui.screens.main.screen import MainScreen

#: Edits touching more files than this run in a thread worker.
BULK = 64
TagFn = Callable[[Tags], Tags]
Retry = Callable[[list[str]], None]


class Editor:
    """The main screen's edits; state (``busy_label``) stays on the screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.dataset = screen.dataset

    def _keys(self, binding_id: str) -> str:
        return self.screen.keys(binding_id)

    def _refuse_while_busy(self) -> bool:
        busy = self.screen.busy_label
        if busy:
            self.screen.notify(f"still busy: {busy}", severity="warning")
        return bool(busy)

    def other_writer(self) -> str | None:
        """Who else writes to the dataset now (another lorapan: a CLI edit, a second app).

        A write on the event loop would wait for it (up to a minute) with the screen
        frozen; callers wait on a worker instead, or say so and write nothing.
        """
        try:
            holder = self.dataset.journal.writer.busy()
        except LorapanError:
            return None  # a damaged .lorapan/: the write itself will say what is wrong
        return holder.describe() if holder is not None else None

    # ---- tag edits -------------------------------------------------------------
    def edit(self, fn: TagFn, relpaths: Iterable[str], label: str) -> None:
        """Plan ``fn`` over ``relpaths`` against current tags and write it."""
        if self._refuse_while_busy():
            return
        with self.dataset.lock:
            items = self.dataset.items
            planned = plan_edit(self.dataset, [r for r in relpaths if r in items], fn)
        changes, held = planned.changes, planned.held_note()
        if not changes:
            self.screen.notify(held or "nothing to change", timeout=6 if held else 2)
            self.screen.center.show_tags(self.screen.files)  # a chip moved ahead goes back
            return
        if held:  # e.g. f on a chip: it goes right after the anchor, not before it
            self.screen.notify(held, timeout=6)
        retry = self._retry_edit(fn, label)
        other = self.other_writer()
        if len(changes) > BULK or other is not None:
            waiting = f"waiting for another lorapan ({other}), then " if other else ""
            self.screen.set_busy(f"{label}: {waiting}writing {plural(len(changes), 'caption')}…")
            self.screen.run_worker(
                partial(
                    workers.write_edit,
                    self.dataset,
                    changes,
                    label,
                    retry,
                    self.screen.post_message,
                ),
                name="writing captions",
                group="edits",
                thread=True,
                exit_on_error=False,
            )
            return
        try:
            result = self.dataset.apply_changes(changes, label)
        except LorapanError as exc:  # another writer, unwritable or damaged .lorapan/
            show_error(self.screen, exc, title=f"{label}: not written")
            return
        self.written(result, retry)

    def typed(
        self, mode: str, old: str, text: str, targets: list[str], index: int | None = None
    ) -> None:
        """What was typed in the tag box: add ``text``, or rename ``old`` to it (the
        chip at ``index`` only, when the chips showed one image)."""
        if mode == "add":
            self.edit(lambda tags: add_tag(tags, text), targets, f"add {text}")
        elif mode == "rename" and text != old:
            label = f"rename {old} → {text}"
            if index is None:
                self.edit(lambda tags: replace_tag(tags, old, text), targets, label)
            else:
                self.edit(lambda tags: rename_at(tags, old, index, text), targets, label)

    def chip_edit(
        self, action: str, tag: str, position: int, targets: list[str], index: int | None = None
    ) -> None:
        """A chip's key: delete ``tag``, move it to the front, or to ``position``.

        ``index``: the chip's place when the chips show one image's tags, so a tag
        written twice loses (or moves) only the occurrence pointed at; None for a
        selection, whose chips are the union of tags (every occurrence is meant).
        """
        if index is None:
            fns = {
                "delete": lambda tags: remove_tag(tags, tag),
                "front": lambda tags: move_to_front(tags, tag),
                "move": lambda tags: move_tag(tags, tag, position),
            }
        else:
            fns = {
                "delete": lambda tags: remove_at(tags, tag, index),
                "front": lambda tags: move_at(tags, tag, index, 0),
                "move": lambda tags: move_at(tags, tag, index, position),
            }
        labels = {"delete": f"delete {tag}", "front": f"{tag} to front", "move": f"move {tag}"}
        if action in fns:
            self.edit(fns[action], targets, labels[action])

    def add_tags(self, new: list[str], relpath: str) -> None:
        """Accepted tagger suggestions: one edit (one undo) for all of them."""

        def add_all(tags: Tags) -> Tags:
            for tag in new:
                tags = add_tag(tags, tag)
            return tags

        self.edit(add_all, [relpath], f"accept {', '.join(new)}")

    def _retry_edit(self, fn: TagFn, label: str) -> Retry:
        """ "Keep ours": plan the same edit again on what is on disk now."""
        return lambda rels: self.edit(fn, rels, label)

    def written(self, result: ApplyResult, retry: Retry | None) -> None:
        """An edit was written: say so (with the undo key), then read-only files, conflicts."""
        self.screen.set_busy(None)
        n = len(result.applied)
        undo = self._keys("undo")
        if n:
            self.screen.set_last_action(f"✓ {result.label} ({plural(n, 'image')}; {undo}: undo)")
        elif result.settings:  # a fix that writes lorapan.toml only: u takes it back
            self.screen.set_last_action(f"✓ {result.label}: lorapan.toml ({undo}: undo)")
        if result.unreadable:
            rel, why = result.unreadable[0]
            more = len(result.unreadable) - 1
            others = f" (and {plural(more, 'other image')})" if more else ""
            self.screen.notify(
                f"{plural(len(result.unreadable), 'caption')} not written: {rel}: {why}{others}",
                severity="warning",
                timeout=8,
            )
        if result.conflicts:
            self._ask_conflict(result, retry)

    def failed(self, label: str, error: str) -> None:
        self.screen.set_busy(None)
        self.screen.notify(f"{label} failed: {error}", severity="error", timeout=12)

    def _ask_conflict(self, result: ApplyResult, retry: Retry | None) -> None:
        rels = [r for r, _ in result.conflicts]

        def decided(choice: str | None) -> None:
            self.dataset.reload(rels, "reload after conflict")
            if choice == "ours" and retry is not None:
                retry(rels)
            else:
                self.screen.set_last_action(f"reloaded {plural(len(rels), 'caption')} from disk")

        self.screen.app.push_screen(ConflictScreen(result.label, result.conflicts), decided)

    # ---- undo / redo ---------------------------------------------------------------
    def history(self, which: str) -> None:
        """Undo or redo the last edit (``which``: "undo" | "redo")."""
        if self._refuse_while_busy():
            return
        if other := self.other_writer():
            self.screen.notify(
                f"another lorapan is writing to this dataset ({other}); {which} when it is done",
                severity="warning",
                timeout=8,
            )
            return
        settings = self.dataset.settings  # to say what a settings step taken back changed
        try:
            result = self.dataset.undo() if which == "undo" else self.dataset.redo()
        except JournalError as exc:  # an entry it cannot use: nothing was touched
            offer_skip(self.screen, exc, which)
            return
        except LorapanError as exc:
            show_error(self.screen, exc, title=f"cannot {which}")
            return
        if result is None:
            self.screen.notify(f"nothing to {which}", timeout=2)
            return
        if result.settings:  # a tick or a settings save was taken back (or put back)
            self.screen.host.settings_followed(settings_taken(settings, self.dataset.settings))
        other = "redo" if which == "undo" else "undo"
        n = len(result.applied)
        what = SETTINGS_FILE if result.settings and not n else plural(n, "image")
        self.screen.set_last_action(f"✓ {result.label} ({what}; {self._keys(other)}: {other})")
        self._history_conflicts(which, result.conflicts)

    def _history_conflicts(self, which: str, conflicts: list[tuple[str, str]]) -> None:
        """Say what undo or redo left alone because it changed since."""
        images = [r for r, _ in conflicts if r != SETTINGS_FILE]
        if len(images) < len(conflicts):  # another editor wrote it since
            self.screen.notify(
                f"{which} left {SETTINGS_FILE} as it is: it changed since that step",
                severity="warning",
                timeout=8,
            )
        if images:
            names = ", ".join(images[:3])
            self.screen.notify(
                f"{which} skipped {plural(len(images), 'image')} (caption changed since): {names}",
                severity="warning",
                timeout=6,
            )

    # ---- rule fixes ------------------------------------------------------------------
    def fix_plan(self, finding: Any) -> list:
        """The caption changes ``finding``'s fix would make now ([] without a fix)."""
        if self.screen.host.rules is None or finding.fix is None:
            return []
        with self.dataset.lock:  # the rules thread reads the dataset under the same lock
            return finding.fix.plan(self.dataset)

    def preview_fix(self, finding: Any) -> None:
        """Show which files and tags a fix changes; enter applies it (one undo reverts)."""
        if self.screen.host.rules is None or finding.fix is None:
            self.screen.notify("no fix to preview", severity="warning")
            return
        changes = self.fix_plan(finding)
        kind = None
        if changes and not finding.fix.moves_files:
            with self.dataset.lock:
                kind = kind_to_pin(self.dataset, changes)

        def decided(apply: bool | None) -> None:
            if apply:
                self.apply_fix(finding)

        self.screen.app.push_screen(FixPreviewScreen(finding, changes, kind), decided)

    def apply_fix(self, finding: Any) -> None:
        if self._refuse_while_busy():
            return
        self.screen.set_busy(f"fixing {finding.rule_id}…")
        rules = self.screen.host.rules
        self.screen.run_worker(
            partial(workers.apply_fix, rules, finding, self.screen.post_message),
            name=f"fix {finding.rule_id}",
            group="edits",
            thread=True,
            exit_on_error=False,
        )

    def fix_applied(self, finding: Any, outcome: Any) -> None:
        if outcome.result is None:
            self.screen.set_busy(None)
            text = "settings saved" if outcome.settings else "nothing left to change"
            self.screen.set_last_action(f"✓ {outcome.label}: {text}")
            return
        self.written(outcome.result, lambda _rels: self.apply_fix(finding))
        if outcome.pinned_kind:
            self.screen.notify(pinned_note(outcome.pinned_kind), timeout=10)

    # ---- the coverage checklist -------------------------------------------------------
    def tick(self, item_id: str, ticked: bool) -> None:
        """Tick or untick a manual checklist item: one journaled step on lorapan.toml
        (``core.checklist``), which ``u`` undoes like any edit; the rules re-check."""
        if self._refuse_while_busy():
            return
        if other := self.other_writer():
            self.screen.notify(
                f"another lorapan is writing to this dataset ({other}); tick when it is done",
                severity="warning",
                timeout=8,
            )
            return
        try:
            result = tick(self.dataset, {item_id: ticked})
        except SettingsError as exc:  # a lorapan.toml that does not parse: not written over
            self.screen.notify(f"cannot tick: {exc}", severity="error", timeout=10)
            return
        except LorapanError as exc:
            show_error(
                self.screen, exc, title=f"{'tick' if ticked else 'untick'} {item_id}: not saved"
            )
            return
        if result.conflicts:
            self.screen.notify(
                f"{SETTINGS_FILE} changed on disk while it was written; nothing ticked",
                severity="warning",
                timeout=8,
            )
            return
        self.screen.host.settings_changed()
        self.screen.set_last_action(f"✓ {result.label} ({self._keys('undo')}: undo)")

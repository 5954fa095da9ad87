"""The main screen: file list | preview + tag chips | rules sidebar, status bar, footer.

State lives here and in the dataset; widgets only display and post messages.
Every edit goes through :meth:`MainScreen.edit`: plan against the tags held now,
apply through ``Dataset.apply_changes`` (journaled, conflict-checked), and on a
conflict ask reload / keep ours. Widgets are refreshed from the app's
``DatasetChanged`` messages, so outside changes and our own edits take one path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from lorapan.core.captions import norm_tag
from lorapan.core.dataset import ApplyResult, Dataset
from lorapan.core.edits import Tags, add_tag, move_tag, move_to_front, plan, remove_tag, replace_tag
from lorapan.core.query import QueryError, compile_query
from lorapan.core.settings import SettingsError, save_settings
from lorapan.core.tagger.service import configured_model
from lorapan.tui import workers
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from lorapan.tui.messages import (
    AnalysisFinished,
    AnalysisProgress,
    AutotagFinished,
    EditFailed,
    EditWritten,
    FixApplied,
    WorkProgress,
)
from lorapan.tui.screens.augment import AugmentScreen
from lorapan.tui.screens.conflict import ConflictScreen
from lorapan.tui.screens.fix_preview import FixPreviewScreen
from lorapan.tui.screens.tag_frequency import TagFrequencyScreen
from lorapan.tui.screens.training import TrainingScreen
from lorapan.tui.widgets.file_list import FileList
from lorapan.tui.widgets.preview import Preview
from lorapan.tui.widgets.rules_sidebar import RulesSidebar
from lorapan.tui.widgets.status_bar import StatusBar
from lorapan.tui.widgets.suggestions import Suggestions
from lorapan.tui.widgets.tag_chips import TagChips
from lorapan.tui.workers import report_failure
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Input
from textual.worker import Worker

#: Edits touching more files than this run in a thread worker.
BULK = 64
SORTS = ("name", "tags", "findings", "sharpness")
FILTER_PLACEHOLDER = "filter: tag, a AND NOT b, tags>20…"
TagFn = Callable[[Tags], Tags]


class MainScreen(Screen):
    BINDINGS = bindings_for("main")

    def __init__(
        self,
        dataset: Dataset,
        preview: bool = True,
        graphics: Any = None,
        cell: tuple[int, int] = (10, 20),
    ) -> None:
        super().__init__()
        self.dataset = dataset
        self.preview_on = preview
        self.graphics = graphics  # textual-image widget class for sixel/tgp, else None
        self.cell = cell
        self.filter_text = ""
        self.sort = "name"
        self.facts: dict[str, Any] = {}
        self.clone_group: dict[str, str] = {}
        self.report: Any = None
        self.image_findings: dict[str, tuple[int, int]] = {}
        self.tag_mode: str | None = None  # "add" | "rename" while the tag input is open
        self.rename_from = ""
        self._return_focus: str = "#files"
        self.busy_label: str | None = None
        self.analysis_text = ""
        self._vocab_dirty = True
        self.predictions: dict[str, list] = {}
        self.image_set: tuple[set[str], str] | None = None

    # ---- layout --------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield Input(placeholder=FILTER_PLACEHOLDER, id="filter")
                yield FileList(self.row_info, id="files")
            with Vertical(id="center"):
                yield Preview(
                    self.dataset.root,
                    enabled=self.preview_on,
                    graphics=self.graphics,
                    cell=self.cell,
                    id="preview",
                )
                yield TagChips(id="tags")
                yield Input(id="tag-input")
                yield Suggestions(id="suggestions")
            with Vertical(id="right"):
                yield RulesSidebar(id="rules")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        ds = self.dataset
        status = self.query_one(StatusBar)
        status.dataset = ds.settings.name or ds.root.name
        status.kind = ds.settings.kind
        self.query_one("#filter").display = False
        self.query_one("#tag-input").display = False
        self.query_one(Suggestions).display = False
        self.apply_filter(self.filter_text)
        self.query_one(FileList).focus()
        self._update_status()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")

    def on_descendant_focus(self, event: Any) -> None:
        """Narrow terminals show the sidebar only while it has the focus."""
        rules = self.query_one(RulesSidebar)
        if self.has_class("-show-rules") and rules not in event.widget.ancestors_with_self:
            self.remove_class("-show-rules")

    # ---- rows ----------------------------------------------------------------
    def row_info(self, rel: str) -> tuple[int, str]:
        item = self.dataset.items.get(rel)
        if item is None:
            return 0, "?"
        marks = ""
        facts = self.facts.get(rel)
        if item.read_only or (facts is not None and not facts.ok):
            marks += "!"
        errors, warnings = self.image_findings.get(rel, (0, 0))
        if errors:
            marks += "E"
        elif warnings:
            marks += "W"
        if rel in self.clone_group and len(marks) < 2:
            marks += "="
        return len(item.tags), marks

    def _sorted(self, rows: list[str]) -> list[str]:
        items = self.dataset.items
        if self.sort == "tags":
            return sorted(rows, key=lambda r: -len(items[r].tags))
        if self.sort == "findings":
            return sorted(rows, key=lambda r: tuple(-n for n in self.image_findings.get(r, (0, 0))))
        if self.sort == "sharpness":

            def sharp(r: str) -> tuple[int, float]:
                f = self.facts.get(r)
                return (0, f.sharpness) if f is not None and f.ok else (1, 0.0)

            return sorted(rows, key=sharp)
        return rows  # dataset order is natural order

    def apply_filter(self, text: str) -> bool:
        """Show the images matching ``text``; False (and a message) when it does not parse."""
        try:
            query = compile_query(text) if text.strip() else None
        except QueryError as exc:
            self.query_one("#filter", Input).border_subtitle = str(exc)[:60]
            self.notify(str(exc), title="Filter", severity="warning", timeout=4)
            return False
        self.query_one("#filter", Input).border_subtitle = ""
        self.filter_text = text.strip()
        self.image_set = None
        with self.dataset.lock:
            items = list(self.dataset.items.values())
        rows = [it.relpath for it in items if query is None or query.matches(it)]
        self._show(rows)
        return True

    def show_images(self, images: Iterable[str], label: str) -> None:
        """Show exactly these images (a finding's); esc goes back to the whole list."""
        wanted = set(images)
        box = self.query_one("#filter", Input)
        with self.prevent(Input.Changed):
            box.value = ""
        box.display = True
        box.placeholder = f"{label} ({len(wanted)}) · esc: all"
        self.filter_text = ""
        self.image_set = (wanted, label)
        self._show([r for r in self.dataset.items if r in wanted])
        self.remove_class("-show-rules")  # narrow: back to preview and chips beside the list
        self.files.focus()

    def _show(self, rows: list[str]) -> None:
        files = self.query_one(FileList)
        files.show_rows(self._sorted(rows), keep=files.current)
        files.selection &= set(rows)
        self._current_changed()
        self._update_status()

    # ---- current image, chips, preview -----------------------------------------
    @property
    def files(self) -> FileList:
        return self.query_one(FileList)

    def targets(self) -> list[str]:
        """Images an edit applies to: the selection, else the current image."""
        files = self.files
        if files.selection:
            return [r for r in self.dataset.items if r in files.selection]
        return [files.current] if files.current else []

    @on(FileList.CursorMoved)
    def _cursor_moved(self) -> None:
        self._current_changed()

    @on(FileList.SelectionChanged)
    def _selection_changed(self) -> None:
        self._update_chips()
        self._update_status()

    def _current_changed(self) -> None:
        files = self.files
        rel = files.current
        i = files.cursor or 0
        neighbours = [files.rows[j] for j in (i + 1, i - 1, i + 2) if 0 <= j < len(files.rows)]
        preview = self.query_one(Preview)
        preview.show(rel, neighbours)
        preview.set_extra(self._facts_caption(rel))
        self._update_chips()

    def _facts_caption(self, rel: str | None) -> str:
        if rel is None:
            return ""
        parts = []
        f = self.facts.get(rel)
        if f is not None and f.ok:
            parts.append(f"sharpness {f.sharpness:.0f}" + (" (blurry)" if f.blurry else ""))
            if f.grayscale:
                parts.append("grayscale")
        elif f is not None:
            parts.append(f.error_message or "unreadable")
        if rel in self.clone_group:
            parts.append(self.clone_group[rel])
        item = self.dataset.items.get(rel)
        if item is not None and item.caption_error:
            parts.append(f"caption read-only: {item.caption_error}")
        return " · ".join(parts)

    def _update_chips(self) -> None:
        chips = self.query_one(TagChips)
        files = self.files
        items = self.dataset.items
        if files.selection:
            sel = [r for r in files.selection if r in items]
            counts: dict[str, int] = {}
            order: list[str] = []
            spelled: dict[str, str] = {}
            for rel in sorted(sel):
                for tag in items[rel].tags:
                    key = norm_tag(tag)
                    if key not in spelled:
                        spelled[key] = tag
                        order.append(tag)
                    counts[spelled[key]] = counts.get(spelled[key], 0) + 1
            chips.set_tags(tuple(order), counts, len(sel))
        else:
            rel = files.current
            tags = items[rel].tags if rel in items else ()
            chips.set_tags(tuple(tags), None, 1)
        self._show_suggestions()

    def _show_suggestions(self) -> None:
        panel = self.query_one(Suggestions)
        rel = self.files.current
        preds = self.predictions.get(rel or "", [])
        if not preds and not panel.display:
            return  # nothing to show and nothing shown: skip a rebuild per cursor move
        item = self.dataset.items.get(rel or "")
        panel.show(rel, preds, item.tags if item else ())
        panel.display = bool(panel.predictions)

    def _update_status(self) -> None:
        files = self.files
        total = len(self.dataset.items)
        counts = f"{total} images"
        if len(files.rows) != total:
            counts += f", {len(files.rows)} shown"
        if files.selection:
            counts += f", {len(files.selection)} selected"
        if self.sort != "name":
            counts += f", by {self.sort}"
        status = self.query_one(StatusBar)
        status.counts = counts
        work_parts = [p for p in (self.busy_label, self.analysis_text) if p]
        status.work = " · ".join(work_parts)

    # ---- dataset changes -------------------------------------------------------
    def refresh_from_dataset(self, relpaths: set[str], reason: str) -> None:
        """Called by the app (on the event loop) after any change of the dataset."""
        self._vocab_dirty = True
        files = self.files
        items = self.dataset.items
        gone = {r for r in relpaths if r not in items}
        new = {r for r in relpaths if r in items and not files.contains(r)}
        if gone or new:
            files.selection -= gone
            if self.image_set is not None:
                self.show_images(self.image_set[0] - gone, self.image_set[1])
            else:
                self.apply_filter(self.filter_text)
        else:
            files.refresh_rows(relpaths)
            if files.current in relpaths or files.selection & relpaths:
                self._update_chips()
            if files.current in relpaths:
                self.query_one(Preview).set_extra(self._facts_caption(files.current))
        self._update_status()

    # ---- editing ----------------------------------------------------------------
    def edit(self, fn: TagFn, relpaths: Iterable[str], label: str) -> None:
        """Plan ``fn`` over ``relpaths`` against current tags and write it."""
        if self.busy_label:
            self.notify(f"still busy: {self.busy_label}", severity="warning")
            return
        with self.dataset.lock:
            items = self.dataset.items
            current = {r: items[r].tags for r in relpaths if r in items}
        changes = plan(current, list(current), fn)
        if not changes:
            self.notify("nothing to change", timeout=2)
            return
        retry = self._retry_edit(fn, label)
        if len(changes) > BULK:
            self.busy_label = f"{label}: writing {len(changes)} files…"
            self._update_status()
            self.run_worker(
                partial(workers.write_edit, self.dataset, changes, label, retry, self.post_message),
                name="writing captions",
                group="edits",
                thread=True,
                exit_on_error=False,
            )
            return
        self.after_apply(self.dataset.apply_changes(changes, label), retry)

    def _retry_edit(self, fn: TagFn, label: str) -> Callable[[list[str]], None]:
        """ "Keep ours": plan the same edit again on what is on disk now."""
        return lambda rels: self.edit(fn, rels, label)

    @on(EditWritten)
    def _edit_written(self, message: EditWritten) -> None:
        self.after_apply(message.result, message.retry)

    @on(EditFailed)
    def _edit_failed(self, message: EditFailed) -> None:
        self.busy_label = None
        self._update_status()
        self.notify(f"{message.label} failed: {message.error}", severity="error", timeout=8)

    def after_apply(self, result: ApplyResult, retry: Callable[[list[str]], None] | None) -> None:
        self.busy_label = None
        n = len(result.applied)
        if n:
            undo = display_keys(keys_for("undo", self.app.keymap))
            self.set_last_action(f"✓ {result.label} ({n} file{'s' * (n != 1)}; {undo}: undo)")
        if result.unreadable:
            names = ", ".join(r for r, _ in result.unreadable[:3])
            self.notify(
                f"{len(result.unreadable)} caption(s) are read-only and were skipped: {names}",
                severity="warning",
                timeout=6,
            )
        if result.conflicts:
            self._ask_conflict(result, retry)
        self._update_status()

    def _ask_conflict(self, result: ApplyResult, retry: Callable[[list[str]], None] | None) -> None:
        rels = [r for r, _ in result.conflicts]

        def decided(choice: str | None) -> None:
            self.dataset.reload(rels, "reload after conflict")
            if choice == "ours" and retry is not None:
                retry(rels)
            else:
                self.set_last_action(f"reloaded {len(rels)} file(s) from disk")

        self.app.push_screen(ConflictScreen(result.label, result.conflicts), decided)

    def set_last_action(self, text: str) -> None:
        self.query_one(StatusBar).last_action = text

    # ---- tag input (add / rename) ---------------------------------------------------
    def vocabulary(self) -> list[str]:
        return [t for t, _ in self.dataset.index.frequencies()]

    def open_tag_input(self, mode: str, value: str = "") -> None:
        if not self.targets():
            self.notify("no image to tag", severity="warning")
            return
        box = self.query_one("#tag-input", Input)
        self._return_focus = "#tags" if self.focused is self.query_one(TagChips) else "#files"
        self.tag_mode = mode
        self.rename_from = value
        n = len(self.targets())
        where = f"{n} selected images" if self.files.selection else "this image"
        box.placeholder = f"add a tag to {where}" if mode == "add" else f"rename “{value}” to…"
        box.border_title = "Add tag" if mode == "add" else "Rename tag"
        if self._vocab_dirty or box.suggester is None:
            box.suggester = SuggestFromList(self.vocabulary(), case_sensitive=False)
            self._vocab_dirty = False
        box.value = value
        box.display = True
        box.focus()

    def close_tag_input(self) -> None:
        box = self.query_one("#tag-input", Input)
        box.display = False
        box.value = ""
        self.tag_mode = None
        self.query_one(self._return_focus).focus()

    @on(Input.Submitted, "#tag-input")
    def _tag_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        mode, old = self.tag_mode, self.rename_from
        self.close_tag_input()
        if not text:
            return
        targets = self.targets()
        if mode == "add":
            self.edit(lambda tags: add_tag(tags, text), targets, f"add {text}")
        elif mode == "rename" and text != old:
            self.edit(lambda tags: replace_tag(tags, old, text), targets, f"rename {old} → {text}")

    @on(TagChips.Requested)
    def _chip_request(self, event: TagChips.Requested) -> None:
        tag, targets = event.tag, self.targets()
        if event.action == "delete":
            self.edit(lambda tags: remove_tag(tags, tag), targets, f"delete {tag}")
        elif event.action == "rename":
            self.open_tag_input("rename", tag)
        elif event.action == "front":
            self.edit(lambda tags: move_to_front(tags, tag), targets, f"{tag} to front")
        elif event.action == "move":
            pos = event.position
            self.edit(lambda tags: move_tag(tags, tag, pos), targets, f"move {tag}")
        elif event.action == "show":
            self.set_filter(f'tag:"{tag}"')

    # ---- filter input --------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        box = self.query_one("#filter", Input)
        box.placeholder = FILTER_PLACEHOLDER
        with self.prevent(Input.Changed):
            box.value = text
        box.display = bool(text)
        self.apply_filter(text)
        self.files.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._pending_filter = event.value
        timer = getattr(self, "_filter_timer", None)
        if timer is not None:
            timer.stop()
        self._filter_timer = self.set_timer(0.15, self._run_pending_filter)

    def _run_pending_filter(self) -> None:
        self._filter_timer = None
        self.apply_filter(getattr(self, "_pending_filter", ""))

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        timer = getattr(self, "_filter_timer", None)
        if timer is not None:
            timer.stop()
            self._filter_timer = None
        if self.apply_filter(event.value):
            event.input.display = bool(event.value.strip())
            self.files.focus()

    # ---- actions ------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # While typing, keys that type (u, /) must not also show as actions in the footer
        # (Textual does not filter "slash" itself).
        return not (action in ("undo", "redo", "filter") and isinstance(self.focused, Input))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear(self) -> None:
        focused = self.focused
        if focused is self.query_one("#tag-input"):
            self.close_tag_input()
        elif focused is self.query_one("#filter"):
            self.set_filter("")
        elif self.files.selection:
            self.files.set_selection(())
        elif self.filter_text or self.image_set is not None:
            self.set_filter("")

    def action_add_tag(self) -> None:
        self.open_tag_input("add")

    def action_focus_tags(self) -> None:
        self.query_one(TagChips).focus()

    def action_focus_files(self) -> None:
        self.files.focus()

    def action_focus_rules(self) -> None:
        """Into the rules sidebar (shown on narrow terminals too); again: back to the files."""
        rules = self.query_one(RulesSidebar)
        focused = self.focused
        if focused is not None and rules in focused.ancestors_with_self:
            self.remove_class("-show-rules")
            self.files.focus()
            return
        self.add_class("-show-rules")
        self.call_after_refresh(rules.focus)

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        if self.sort == "sharpness" and not self.facts:
            self.notify("sharpness is known after the analysis finishes", timeout=3)
        if self.sort == "findings" and self.report is None:
            self.notify("findings come from the rules engine", timeout=3)
        files = self.files
        files.show_rows(
            self._sorted(
                list(self.dataset.items)
                if not self.filter_text and self.image_set is None
                else [r for r in self.dataset.items if files.contains(r)]
            ),
            keep=files.current,
        )
        self.notify(f"sorted by {self.sort}", timeout=2)
        self._update_status()

    def action_toggle_preview(self) -> None:
        preview = self.query_one(Preview)
        preview.enabled = not preview.enabled
        self._current_changed()

    def action_undo(self) -> None:
        self._history("undo")

    def action_redo(self) -> None:
        self._history("redo")

    def _history(self, which: str) -> None:
        if self.busy_label:
            self.notify(f"still busy: {self.busy_label}", severity="warning")
            return
        result = self.dataset.undo() if which == "undo" else self.dataset.redo()
        if result is None:
            self.notify(f"nothing to {which}", timeout=2)
            return
        other = "redo" if which == "undo" else "undo"
        keys = display_keys(keys_for(other, self.app.keymap))
        n = len(result.applied)
        self.set_last_action(f"✓ {result.label} ({n} file{'s' * (n != 1)}; {keys}: {other})")
        if result.conflicts:
            names = ", ".join(r for r, _ in result.conflicts[:3])
            self.notify(
                f"{which} skipped {len(result.conflicts)} file(s) changed since: {names}",
                severity="warning",
                timeout=6,
            )

    def action_tag_frequency(self) -> None:
        def jumped(tag: str | None) -> None:
            if tag:
                self.set_filter(f'tag:"{tag}"')

        self.app.push_screen(TagFrequencyScreen(self.dataset, self.edit), jumped)

    def action_analyse(self) -> None:
        self.app.start_analysis(force=False)  # type: ignore[attr-defined]

    def action_cancel_work(self) -> None:
        """Cancel the newest analysis or tagging run; edits are written whole, never cut."""
        job = self.app.jobs.cancel_newest()  # type: ignore[attr-defined]
        if job is not None:
            self.notify(f"cancelling {job.label}…", timeout=2)
        elif self.busy_label:
            self.notify(f"{self.busy_label}: an edit is written whole", timeout=3)
        else:
            self.notify("no background work running", timeout=2)

    def action_training(self) -> None:
        self.app.push_screen(TrainingScreen(self.dataset.root))

    def action_augment(self) -> None:
        def written(paths: list[str] | None) -> None:
            """Show only the new images, so each can be tagged by hand as the guide asks."""
            if not paths:
                return
            self.dataset.refresh_paths(paths, "augment")  # the writer did; harmless again
            new = [p for p in paths if p in self.dataset.items]
            undo = display_keys(keys_for("undo", self.app.keymap))
            self.set_last_action(f"✓ augment: {len(new)} new image(s) ({undo}: undo)")
            if new:
                self.show_images(new, "new from augment")

        self.app.push_screen(AugmentScreen(self.dataset, self.targets() or None), written)

    def action_autotag(self) -> None:
        self.start_autotag(self.targets())

    def action_autotag_all(self) -> None:
        self.start_autotag(list(self.dataset.items))

    def start_autotag(self, relpaths: list[str]) -> None:
        """Tag ``relpaths`` with the configured model (a run already going is replaced)."""
        if not configured_model(self.dataset):
            self.notify(
                'no tagger model configured: set [tagger] model = "DIR" in lorapan.toml '
                "(a folder with model.onnx and selected_tags.csv)",
                severity="warning",
                timeout=8,
            )
            return
        if not relpaths:
            return
        job = self.app.jobs.start("autotag", "autotagging")  # type: ignore[attr-defined]
        self.busy_label = f"autotagging {len(relpaths)} image(s)…"
        self._update_status()
        self.run_worker(
            partial(workers.autotag, self.dataset, relpaths, job, self.post_message),
            name="autotagging",
            group="autotag",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    @on(AutotagFinished)
    def _autotag_done(self, message: AutotagFinished) -> None:
        if not self.app.jobs.finish(message.job):  # type: ignore[attr-defined]
            return  # a newer run replaced this one; its own message will come
        self.busy_label = None
        if message.error:
            self.notify(message.error, severity="error", timeout=8)
        else:
            self.predictions.update(message.predictions)
            keys = display_keys(keys_for("focus-suggestions", self.app.keymap))
            self.set_last_action(
                f"autotagged {len(message.predictions)} image(s): suggestions shown "
                f"({keys}: go to them)"
            )
            # The new scores are in the cache now: the rules (tags.inconsistent) read them.
            self.app.load_tagger_results()  # type: ignore[attr-defined]
        self._show_suggestions()
        self._update_status()

    def show_predictions(self, predictions: dict[str, list]) -> None:
        """Suggestions from the tagger's score cache (at start, or after a run)."""
        self.predictions.update(predictions)
        self._show_suggestions()

    def action_focus_suggestions(self) -> None:
        panel = self.query_one(Suggestions)
        if not panel.display:
            keys = display_keys(keys_for("autotag", self.app.keymap))
            self.notify(f"no suggestions for this image (autotag: {keys})", timeout=3)
            return
        panel.focus()

    def on_suggestions_accepted(self, message: Suggestions.Accepted) -> None:
        tags = list(message.tags)

        def add_all(current: Tags) -> Tags:
            for tag in tags:
                current = add_tag(current, tag)
            return current

        self.edit(add_all, [message.relpath], f"accept {', '.join(tags)}")

    # ---- rules sidebar -------------------------------------------------------------------
    def on_rules_sidebar_filter_images(self, message: Any) -> None:
        self.show_images(message.images, message.label or "finding")

    def on_rules_sidebar_preview_fix(self, message: Any) -> None:
        self.preview_fix(message.finding)

    def preview_fix(self, finding: Any) -> None:
        """Show which files and tags a fix changes; enter applies it (one undo reverts)."""
        if self.app.engine is None or finding.fix is None:  # type: ignore[attr-defined]
            self.notify("no fix to preview", severity="warning")
            return
        with self.dataset.lock:  # the rules thread reads the dataset under the same lock
            changes = finding.fix.plan(self.dataset)

        def decided(apply: bool | None) -> None:
            if apply:
                self.apply_fix(finding)

        self.app.push_screen(FixPreviewScreen(finding, changes), decided)

    def apply_fix(self, finding: Any) -> None:
        if self.busy_label:
            self.notify(f"still busy: {self.busy_label}", severity="warning")
            return
        self.busy_label = f"fixing {finding.rule_id}…"
        self._update_status()
        self.run_worker(
            partial(workers.apply_fix, self.app.rules, finding, self.post_message),  # type: ignore[attr-defined]
            name=f"fix {finding.rule_id}",
            group="edits",
            thread=True,
            exit_on_error=False,
        )

    @on(FixApplied)
    def _fix_done(self, message: FixApplied) -> None:
        finding, outcome = message.finding, message.outcome
        self.busy_label = None
        if outcome.result is None:
            text = "settings saved" if outcome.settings else "nothing left to change"
            self.set_last_action(f"✓ {outcome.label}: {text}")
            self._update_status()
            return
        self.after_apply(outcome.result, lambda _rels: self.apply_fix(finding))

    def on_rules_sidebar_tick(self, message: Any) -> None:
        settings = self.dataset.settings
        try:
            with self.dataset.lock:  # the rules thread reads settings under the same lock
                settings.tick(message.item_id, message.ticked)
                save_settings(self.dataset.root, settings)
        except (OSError, SettingsError) as exc:
            self.notify(f"cannot save lorapan.toml: {exc}", severity="error")
            return
        self.app.settings_changed()  # type: ignore[attr-defined]
        self.set_last_action(f"✓ {'ticked' if message.ticked else 'unticked'} {message.item_id}")

    # ---- background results -----------------------------------------------------------
    def show_analysis_progress(self, message: AnalysisProgress) -> None:
        cancel = display_keys(keys_for("cancel-work", self.app.keymap))
        self.analysis_text = f"analysing {message.done}/{message.total} ({cancel} cancels)"
        self._update_status()

    def show_analysis(self, message: AnalysisFinished) -> None:
        self.facts = message.facts
        self.clone_group = message.clone_groups
        if message.error:
            self.analysis_text = "analysis failed"
            self.notify(message.error, title="Analysis", severity="error", timeout=8)
        else:
            bad = sum(1 for f in self.facts.values() if not f.ok)
            state = "cancelled" if message.cancelled else "done"
            self.analysis_text = f"analysis {state}" + (f", {bad} unreadable" if bad else "")
        self.files.refresh_rows(self.files.rows)
        self._current_changed()
        self._update_status()

    def show_report(self, report: Any) -> None:
        self.report = report
        per: dict[str, list[int]] = {}
        for f in getattr(report, "findings", []):
            slot = 0 if f.severity == "error" else 1 if f.severity == "warning" else None
            if slot is None:
                continue
            for rel in f.images:
                per.setdefault(rel, [0, 0])[slot] += 1
        old = self.image_findings
        new = {r: (v[0], v[1]) for r, v in per.items()}
        self.image_findings = new
        changed = {r for r in old.keys() | new.keys() if old.get(r) != new.get(r)}
        self.files.refresh_rows(changed)
        self.query_one(RulesSidebar).show_report(report)

    def on_work_progress(self, message: WorkProgress) -> None:
        message.stop()
        if self.app.jobs.is_current(message.job):  # type: ignore[attr-defined]
            self.busy_label = f"{message.label} {message.done}/{message.total}"
            self._update_status()

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_failure(self.app, event)

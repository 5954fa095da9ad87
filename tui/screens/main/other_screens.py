"""The main screen's keys that open another screen over it, and what comes back.

Settings, tag frequency, training, augment, a finding in full and the caption as
text each live in a screen of their own; this room opens them and does what they
return (a filter to a tag, the new images of an augment, settings read again).
"""

from __future__ import annotations

from typing import Any

from lorapan.tui.screens.main import caption_edit
from lorapan.tui.screens.main.findings import open_current_finding
from lorapan.tui.screens.tag_frequency import TagFrequencyScreen
from lorapan.tui.widgets.status_bar import StatusBar


class OtherScreens:
    """Mixed into :class:`~lorapan.tui.screens.main.screen.MainScreen`: ``self`` is the
    main screen (its dataset, panes, editor and keys), as in ``CurationActions``."""

    def settings_reloaded(self, settings: Any, result: Any) -> None:
        """lorapan.toml was read again: its name and kind in the status bar, say what."""
        status = self.query_one(StatusBar)
        status.dataset = settings.name or self.dataset.root.name
        status.kind = settings.kind
        self.set_last_action(f"lorapan.toml: {', '.join(result.changed)}")
        if result.rescan:
            self.pane.apply_filter(self.pane.filter_text)  # captions came from other files

    def action_settings(self) -> None:
        from lorapan.tui.screens.settings import SettingsScreen

        def saved(outcome: Any) -> None:
            """A journaled save: said as an outside change is (status bar, rules, the
            settings in use), then named with its undo key."""
            if outcome is not None:
                self.host.settings_followed(outcome.reload)
                undo = self.keys("undo")
                self.set_last_action(f"✓ {outcome.result.label} ({undo}: undo)")

        self.app.push_screen(SettingsScreen(self.dataset), saved)

    def action_finding_detail(self) -> None:
        open_current_finding(self)

    def action_caption_text(self) -> None:
        caption_edit.open_text(self)

    def action_caption_editor(self) -> None:
        caption_edit.open_editor(self)

    def action_tag_frequency(self) -> None:
        def jumped(tag: str | None) -> None:
            if tag:
                self.set_filter(f'tag:"{tag}"')

        self.app.push_screen(TagFrequencyScreen(self.dataset, self.editor.edit), jumped)

    def action_training(self) -> None:
        # The training and augment screens (and their part of core) are imported when
        # first opened: most sessions never open them, and every session starts.
        from lorapan.tui.screens.training import TrainingScreen

        self.app.push_screen(TrainingScreen(self.dataset.root))

    def action_augment(self) -> None:
        from lorapan.tui.screens.augment import AugmentScreen  # see action_training

        def written(paths: list[str] | None) -> None:
            """Show only the new images, so each can be tagged by hand as the guide asks."""
            if not paths:
                return
            self.dataset.refresh_paths(paths, "augment")  # the writer did; harmless again
            new = [p for p in paths if p in self.dataset.items]
            undo = self.keys("undo")
            self.set_last_action(f"✓ augment: {len(new)} new image(s) ({undo}: undo)")
            if new:
                self.show_images(new, "new from augment")

        self.app.push_screen(AugmentScreen(self.dataset, self.targets() or None), written)

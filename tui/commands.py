"""Command palette providers: every action with its key, jump to a file, filter by a tag."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from lorapan.tui.keymap import SPECS, display_keys, keys_for
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

if TYPE_CHECKING:
    from lorapan.tui.app import LorapanApp
    from textual.screen import Screen

EXTRA_HELP = {
    "tag-add": "add a tag to the current image or the selection",
    "tag-frequency": "all tags with counts: rename, delete, jump",
    "sort": "name (natural) → tag count → findings → sharpness",
    "analyse": "measure images again (sharpness, clones, unreadable)",
    "cancel-work": "stop the newest analysis or autotag run (again: the next)",
    "theme-next": "switch to the next theme (saved for next time)",
    "training": "configure and run kohya training",
    "augment": "augment images / make collages",
    "autotag": "run the autotagger on the selection",
    "finding-detail": "the sidebar's finding: whole message, fix, every image",
    "caption-text": "edit the current image's caption file as text",
    "caption-editor": "edit the current image's caption in $VISUAL / $EDITOR",
    "settings": "kind, name, core/style tag, caption extension, training paths (lorapan.toml)",
    "gallery": "thumbnails of the list, or of the finding / tag under the cursor",
    "compare-clones": "a clone group side by side: keep one, set aside its copies",
    "set-aside": "move the image(s) to .lorapan/excluded (kohya skips it); u undoes",
    "trash": "move the image(s) to .lorapan/trash (restorable); u undoes",
    "set-aside-view": "images set aside or trashed: preview, restore",
}


def highlighted(matcher: Matcher, title: str) -> Content:
    """``title`` with the matched letters marked, as plain text.

    (``Matcher.highlight`` reads its text as markup: a tag or file name such as
    ``[v2] sketch`` would lose its brackets.)
    """
    content = Content(title)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def palette_scopes(screen: Screen) -> set[str]:
    """The keymap scopes whose commands the palette offers over ``screen``: the app's
    and those the screen names in ``PALETTE_SCOPES``."""
    return {"app", *getattr(screen, "PALETTE_SCOPES", ())}


def run_scoped_action(app: LorapanApp, scope: str, action: str, screen: Screen | None) -> None:
    """Run a palette command on the widget that owns it (its keys work only there)."""
    main = app.main
    if scope == "app" or main is None:
        app.call_later(app.run_action, action)
        return
    target: Any = main
    if scope == "files":
        target = main.files
    elif scope == "chips":
        target = main.center.chips
    elif scope != "main" and screen is not None:
        target = screen  # a screen's own command (the all-tags screen's rename…)
    app.call_later(target.run_action, action)


def filter_tag(app: LorapanApp, tag: str) -> None:
    if app.main is not None:
        app.main.set_filter(f'tag:"{tag}"')


def gallery_of_tag(app: LorapanApp, tag: str) -> None:
    if app.main is not None:
        app.main.curation.open_gallery_of_tag(tag)


def goto_image(app: LorapanApp, rel: str) -> None:
    """Cursor to ``rel``, clearing the filter when it hides it."""
    main = app.main
    if main is None:
        return
    if not main.files.move_to(rel):
        main.set_filter("")
        main.files.move_to(rel)
    main.files.focus()


class ActionsProvider(Provider):
    """Every bound action, titled with its key so the palette teaches the keys."""

    def _commands(self) -> list[tuple[str, str, str, str]]:
        app: LorapanApp = self.app  # type: ignore[assignment]
        scopes = palette_scopes(self.screen)
        out = []
        for spec in SPECS:
            if not spec.palette or spec.scope not in scopes:
                continue
            keys = display_keys(keys_for(spec.id, app.keymap))
            title = f"{spec.description}  ({keys})"
            out.append((title, spec.scope, spec.action, EXTRA_HELP.get(spec.id, spec.id)))
        return out

    def _runner(self, scope: str, action: str):
        return partial(run_scoped_action, self.app, scope, action, self.screen)

    async def discover(self) -> Hits:
        for title, scope, action, help_text in self._commands():
            yield DiscoveryHit(
                Content(title), self._runner(scope, action), text=title, help=help_text
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, scope, action, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    highlighted(matcher, title),
                    self._runner(scope, action),
                    text=title,
                    help=help_text,
                )


class FilesProvider(Provider):
    """``Go to: name`` for each image and ``Filter by tag: x`` for each tag."""

    async def search(self, query: str) -> Hits:
        app: LorapanApp = self.app  # type: ignore[assignment]
        if len(query) < 2:
            return
        matcher = self.matcher(query)
        shown = 0
        for tag, n in app.dataset.index.frequencies():
            title = f"Filter by tag: {tag}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    highlighted(matcher, title),
                    partial(filter_tag, app, tag),
                    text=title,
                    help=f"{n} image(s)",
                )
                shown += 1
                if shown > 50:
                    break
            title = f"Gallery of tag: {tag}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, highlighted(matcher, title), partial(gallery_of_tag, app, tag), title
                )
        shown = 0
        for rel in app.dataset.items:
            title = f"Go to: {rel}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, highlighted(matcher, title), partial(goto_image, app, rel), text=title
                )
                shown += 1
                if shown > 50:
                    break

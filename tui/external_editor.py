"""Hand a text to the user's own editor (``$VISUAL``, then ``$EDITOR``) and take it back.

The app suspends (Textual gives the terminal back), the editor runs on a temporary
file named after the caption, and the app resumes when it exits. Problems come back
as words to show, never as exceptions: no editor set, one that cannot be started or
fails, or a terminal that cannot be handed over (a browser through textual-serve).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from textual.app import App, SuspendNotSupported


def editor_command(env: Mapping[str, str] | None = None) -> list[str] | None:
    """``$VISUAL`` or ``$EDITOR`` split as a shell would (``code --wait`` works)."""
    env = os.environ if env is None else env
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                return None
    return None


def same_text(old: str, new: str) -> bool:
    """True when ``new`` differs from ``old`` at most in the line ends at its end: most
    editors add a final newline on save, which is not an edit the user made."""
    return old.rstrip("\r\n") == new.rstrip("\r\n")


def final_line_end_as_before(old: str, new: str) -> str:
    """``new`` ending as ``old`` did: with or without a final line end. Editors add one on
    save (vi always does); a caption that had none keeps none, so a one-tag edit does
    not also change the file's last byte."""
    body = new.rstrip("\r\n")
    if old.endswith(("\n", "\r")):
        ending = old[len(old.rstrip("\r\n")) :]
        return body + ending if new != body else new
    return body


def edit_text(app: App, text: str, name: str = "caption.txt") -> tuple[str | None, str | None]:
    """Let the user edit ``text`` in their editor: (the text saved, None) or (None, why not).

    ``name``: the caption file's name; the temporary file is named after it, so the
    editor shows which caption it is and picks its mode from the extension.
    """
    command = editor_command()
    if not command:
        return None, "set $EDITOR (or $VISUAL) to edit captions in your own editor"
    stem = Path(name).stem or "caption"
    fd, tmp = tempfile.mkstemp(prefix=f"lorapan-{stem}-", suffix=Path(name).suffix or ".txt")
    path = Path(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        try:
            with app.suspend():
                done = subprocess.run([*command, str(path)], check=False)
        except SuspendNotSupported:
            return None, "this terminal cannot be handed to an editor (edit the text here)"
        except OSError as exc:
            return None, f"cannot start {command[0]}: {exc.strerror or exc}"
        if done.returncode != 0:
            return None, f"{command[0]} exited with status {done.returncode}; nothing saved"
        with path.open(encoding="utf-8", newline="") as fh:  # line ends as the editor wrote
            return final_line_end_as_before(text, fh.read()), None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read the edited text back: {exc}"
    finally:
        path.unlink(missing_ok=True)

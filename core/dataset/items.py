"""One image of a dataset and its caption, as last read from disk."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.captions import Caption
from lorapan.core.dataset.kohya import KohyaFolder
from lorapan.core.safe_write import FileStamp


@dataclass
class ImageItem:
    """One image and its caption as last read from disk.

    Paths are kept as strings and turned into ``Path`` objects on demand: building
    30,000 ``Path`` objects was a third of the time to open 10,000 images.
    """

    relpath: str
    root: Path
    caption_file: str | None  # caption file name beside the image; None: no caption yet
    default_caption_file: str
    caption: Caption | None = None
    caption_error: str | None = None  # set: the caption cannot be read (so it is read-only)
    #: Set: the caption is read but lorapan will not write it (a symlink to a file
    #: outside the dataset, a hard link, no write permission); says why.
    write_block: str | None = None
    stamp: FileStamp = field(default_factory=FileStamp.missing)
    folder: KohyaFolder | None = None
    extra_captions: tuple[str, ...] = ()  # e.g. both .txt and .caption exist

    @property
    def image_path(self) -> Path:
        return self.root / self.relpath

    @property
    def _dir(self) -> str:
        return self.relpath.rpartition("/")[0]  # relpaths are POSIX (os.path.dirname's)

    @property
    def caption_path(self) -> Path | None:
        if self.caption_file is None:
            return None
        return self.root / self._dir / self.caption_file

    @property
    def caption_rel(self) -> str | None:
        if self.caption_file is None:
            return None
        return f"{self._dir}/{self.caption_file}" if self._dir else self.caption_file

    @property
    def default_caption_path(self) -> Path:
        return self.root / self._dir / self.default_caption_file

    @property
    def default_caption_rel(self) -> str:
        return (
            f"{self._dir}/{self.default_caption_file}" if self._dir else self.default_caption_file
        )

    @property
    def tags(self) -> tuple[str, ...]:
        return self.caption.tags if self.caption else ()

    @property
    def has_caption(self) -> bool:
        return self.caption_file is not None

    @property
    def read_only(self) -> bool:
        """The caption could not be read (see ``write_refusal`` for every reason not to write)."""
        return self.caption_error is not None

    @property
    def write_refusal(self) -> str | None:
        """Why lorapan will not write this image's caption, or None."""
        return self.caption_error or self.write_block

    def recheck_block(self) -> None:
        """Read a read-only caption's mode again: made writable since (``chmod u+w``,
        which changes no content, so no rescan reads the file), it may be written now."""
        path = self.caption_path
        if not (self.write_block or "").startswith("is read-only") or path is None:
            return
        try:
            writable = bool(os.stat(path).st_mode & 0o222)
        except OSError:
            return
        if writable:
            self.write_block = None

    @property
    def name(self) -> str:
        return os.path.basename(self.relpath)

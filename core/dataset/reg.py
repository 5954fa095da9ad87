"""Regularisation (class) images: kohya's DreamBooth prior-preservation folders.

A DreamBooth-style set keeps two trees side by side: ``img/15_sks man`` holds the
subject, ``reg/1_man`` holds pictures of any man. sd-scripts trains the second kind
with ``is_reg = true`` (``--reg_data_dir`` in its folder mode) so the model's idea of
the class ("man") is kept while the subject is learnt; an uncaptioned class image is
normal there, it is trained with the folder's class token.

Class images are not the dataset the method judges, so they never enter
``Dataset.items``: no rule, count, kind or trigger reading, coverage item or fix sees
them. :class:`Dataset` keeps them apart (``reg_items``, ``reg_folders``) for ``info``,
``check`` and training, which emits their subsets with ``is_reg``.

Which folders hold them:

- without a setting, a top-level folder whose name says so, and everything under it:
  ``reg``, ``regs``, ``regularization``/``regularisation``, ``class``, ``classes``,
  optionally followed by ``images``, ``imgs``, ``data``, ``dir`` or ``set``
  (``reg_images``, ``Class Images``, ``regularization-data``); the case is ignored;
- with ``[dataset] reg_folders = ["reg", "priors/men"]`` in ``lorapan.toml``, exactly
  the folders listed (relative to the dataset root, each with everything under it);
  ``reg_folders = []`` turns the recognition off (a ``class/`` folder that is data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lorapan.core.naming import natural_key, parse_kohya_folder
from lorapan.core.settings import SettingsError

if TYPE_CHECKING:
    from lorapan.core.dataset.items import ImageItem
    from lorapan.core.settings import Settings

SETTING = "reg_folders"  # the [dataset] key naming the folders
_REG_NAME = re.compile(
    r"^(?:reg|regs|regulari[sz]ation|regulari[sz]ations|class|classes)"
    r"(?:[ _-]?(?:images?|imgs?|data|dir|set))?$",
    re.IGNORECASE,
)


def is_reg_name(name: str) -> bool:
    """True for a folder name that says it holds class images (``reg``, ``class_images``)."""
    return bool(_REG_NAME.match(name.strip()))


def _setting(settings: Settings) -> tuple[str, ...] | None:
    """``[dataset] reg_folders`` as clean relative paths; None when the key is absent."""
    table = settings.raw.get("dataset")
    if not isinstance(table, dict) or SETTING not in table:
        return None
    value = table[SETTING]
    where = f"{settings.path or 'lorapan.toml'}: [dataset] {SETTING}"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f'{where} must be a list of folder paths, e.g. ["reg"]')
    out = []
    for raw in value:
        path = raw.replace("\\", "/").strip().strip("/")
        parts = path.split("/")
        if not path or any(p in ("", ".", "..") for p in parts) or raw.startswith("/"):
            raise SettingsError(
                f"{where}: {raw!r} is not a folder inside the dataset (give it relative to "
                'the dataset root, like "reg" or "priors/men")'
            )
        out.append(path)
    return tuple(out)


@dataclass(frozen=True)
class RegMatcher:
    """Which image paths are class images (see the module docstring)."""

    #: the folders named in lorapan.toml; None: recognised by their names
    named: tuple[str, ...] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RegMatcher:
        return cls(_setting(settings))

    def source(self, root: str) -> str:
        """How the folder ``root`` was found, in words for ``info`` and ``check``."""
        if self.named is not None:
            return f"named in lorapan.toml [dataset] {SETTING}"
        return f"found by the folder name '{root}'"

    def root_of(self, relpath: str) -> str | None:
        """The class-image folder ``relpath`` (a file) lies in, or None."""
        folder = relpath.rpartition("/")[0]
        if not folder:
            return None
        if self.named is None:
            top = folder.split("/", 1)[0]
            return top if is_reg_name(top) else None
        for root in self.named:
            if folder == root or folder.startswith(root + "/"):
                return root
        return None

    def __call__(self, relpath: str) -> bool:
        return self.root_of(relpath) is not None


@dataclass(frozen=True)
class RegFolder:
    """One folder of class images, as sd-scripts reads it (one ``is_reg`` subset).

    sd-scripts reads no subfolders of an ``image_dir``, so each folder holding images
    is its own subset. Repeats and class token come from the nearest ``N_name``
    folder at or above it (below the class-image root); else repeats 1 and the
    folder's own name, or no class token for the root itself (``reg/`` holding images).
    """

    path: str  # relative to the dataset root
    repeats: int
    class_token: str
    images: tuple[str, ...]  # relpaths, sorted as sd-scripts globs them
    captioned: int
    source: str  # how it was recognised (RegMatcher.source)

    @property
    def uncaptioned(self) -> int:
        return len(self.images) - self.captioned

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "repeats": self.repeats,
            "class_token": self.class_token,
            "images": len(self.images),
            "captioned": self.captioned,
            "source": self.source,
        }


def _repeats_and_class(folder: str, root: str) -> tuple[int, str]:
    parts = folder.split("/")
    below = parts[len(root.split("/")) :]  # the folders under the class-image root
    for name in reversed(below):
        parsed = parse_kohya_folder(name)
        if parsed:
            return parsed[0], parsed[1].strip()
    own = parse_kohya_folder(root.rsplit("/", 1)[-1])  # a named root can be N_class
    if own:
        return own[0], own[1].strip()
    return 1, (below[-1].strip() if below else "")


def reg_folders(items: Iterable[ImageItem], matcher: RegMatcher) -> list[RegFolder]:
    """The class-image folders of ``items`` (each a class image), in path order."""
    per: dict[str, list[ImageItem]] = {}
    roots: dict[str, str] = {}
    for it in items:
        folder = it.relpath.rpartition("/")[0]
        per.setdefault(folder, []).append(it)
        roots.setdefault(folder, matcher.root_of(it.relpath) or folder)
    out = []
    for folder in sorted(per, key=natural_key):
        members = per[folder]
        repeats, token = _repeats_and_class(folder, roots[folder])
        out.append(
            RegFolder(
                folder,
                repeats,
                token,
                tuple(sorted(it.relpath for it in members)),
                sum(1 for it in members if it.has_caption),
                matcher.source(roots[folder]),
            )
        )
    return out


def split_reg(
    items: list[ImageItem], orphans: list[str], matcher: RegMatcher
) -> tuple[list[ImageItem], list[str], list[ImageItem]]:
    """(training images, their orphan captions, class images): orphan captions in a
    class-image folder are that folder's business, not the method's."""
    train = [it for it in items if not matcher(it.relpath)]
    reg = [it for it in items if matcher(it.relpath)] if len(train) < len(items) else []
    return train, [o for o in orphans if not matcher(o)], reg


def reg_lines(folders: Sequence[dict], images: int) -> list[str]:
    """What ``check``, ``info`` and the plan say about the class images (empty: none).

    ``folders``: :meth:`RegFolder.to_dict` of each (what ``--json`` shows); ``images``:
    the training images, which the method's rules do check.
    """
    if not folders:
        return []
    n = sum(f["images"] for f in folders)
    shown = ", ".join(_folder_text(f) for f in folders[:3])
    more = f" and {len(folders) - 3} more" if len(folders) > 3 else ""
    lines = [
        f"regularisation: {n} class image{'s' if n != 1 else ''} in {shown}{more}, "
        f"{folders[0]['source']}: kept out of the rules, counts and fixes, which cover the "
        f"{images} training images; sd-scripts trains them with is_reg, an uncaptioned one "
        "with its class token"
    ]
    for f in folders:
        missing = f["images"] - f["captioned"]
        if missing and not f["class_token"]:
            lines.append(
                f"! {f['path']}: {missing} class image{'s' if missing != 1 else ''} without "
                "caption and no class token (sd-scripts trains them with an empty caption): "
                "put them in an N_<class> folder such as 1_man, or caption them"
            )
    return lines


def _folder_text(f: dict) -> str:
    token = f"class '{f['class_token']}'" if f["class_token"] else "no class token"
    missing = f["images"] - f["captioned"]
    caps = f", {missing} uncaptioned" if missing else ""
    repeats = f"{f['repeats']} repeat{'s' if f['repeats'] != 1 else ''}"
    return f"{f['path']} ({repeats}, {token}{caps})"

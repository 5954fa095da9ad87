"""The dataset's settings as a form: the fields the app edits, their checks, the save.

The fields are the ``[dataset]`` keys a user sets by hand (kind, name, core tag,
style tag, caption extension, tag style) and the ``[training]`` keys that say
where things are (sd-scripts, its Python, the base model, the output folder) and
which trainer runs (the model family). The
form holds text; :func:`check_form` says per field what is wrong (an *error*: the
form is not saved) or worth knowing (a *note*: a path that does not exist yet is
saved all the same, the training machine may be set up later). :func:`save_form`
writes ``lorapan.toml`` as one journaled step (``u`` and ``lorapan undo`` take it
back, byte for byte, in order with ticks and caption edits), on the file as it is
on disk: every key lorapan does not own is kept, comments too, and only the fields
the user changed are set (an unchanged field stays as the file had it, or unset).
"""

from __future__ import annotations

import copy
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lorapan.core.dataset.changes import ApplyResult
from lorapan.core.journal.steps import write_block
from lorapan.core.settings import (
    DEFAULT_MODEL_FAMILY,
    KINDS,
    MODEL_FAMILIES,
    SETTINGS_FILE,
    TAG_STYLES,
    Settings,
    SettingsError,
    parse_settings,
    settings_document,
    validate_dataset_table,
)
from lorapan.core.settings_live import SettingsReload, reload_settings
from lorapan.core.toml_edit import dump_toml

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset


@dataclass(frozen=True)
class FormField:
    """One field: ``key`` is a ``[dataset]`` key, or ``training.<key>``."""

    key: str
    label: str
    choices: tuple[str, ...] = ()
    help: str = ""
    default: str = ""  # shown when the file does not set it (what training then uses)

    @property
    def table(self) -> str:
        return "training" if self.key.startswith("training.") else "dataset"

    @property
    def name(self) -> str:
        """The key inside its table."""
        return self.key.removeprefix("training.")


FIELDS: tuple[FormField, ...] = (
    FormField("kind", "Kind", KINDS, "what the LoRA learns; the method's rules follow it"),
    FormField("name", "Name", help="the subject's name (the core tag is made from it)"),
    FormField("core_tag", "Core tag", help="one tag, first in every caption (the trigger)"),
    FormField("style_tag", "Style tag", help="one tag in every caption, e.g. anime screencap"),
    FormField("caption_extension", "Caption extension", help=".txt, .caption or .cap"),
    FormField("tag_style", "Tag style", TAG_STYLES, "how new tags are written: as typed, _ or ␣"),
    FormField("training.sd_scripts", "sd-scripts folder", help="a kohya-ss/sd-scripts checkout"),
    FormField("training.python", "Python", help="the sd-scripts venv's python (empty: found)"),
    FormField("training.base_model", "Base model", help="a .safetensors file or a hub id"),
    FormField(
        "training.model_family",
        "Model family",
        MODEL_FAMILIES,
        "sd15: train_network.py; sdxl (Pony, Illustrious): sdxl_train_network.py",
        default=DEFAULT_MODEL_FAMILY,
    ),
    FormField(
        "training.output_dir",
        "Output folder",
        help="empty: each run its own, .lorapan/runs/<id>/output",
    ),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}


@dataclass
class FormCheck:
    """What :func:`check_form` found: field key -> message."""

    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def form_values(settings: Settings) -> dict[str, str]:
    """The form's text for each field, from the settings in use."""
    training = settings.section("training")
    values = {}
    for f in FIELDS:
        value = (
            training.get(f.name, f.default) if f.table == "training" else getattr(settings, f.key)
        )
        values[f.key] = value if isinstance(value, str) else str(value)
    return values


def check_form(values: dict[str, str], root: Path) -> FormCheck:
    """Per-field errors (refused) and notes (saved anyway) for the form's text."""
    check = FormCheck()
    for f in FIELDS:
        value = values.get(f.key, "").strip()
        if f.table == "dataset":
            problem = _dataset_problem(f.key, value)
            if problem:
                check.errors[f.key] = problem
        elif f.choices:
            if value not in f.choices:
                check.errors[f.key] = f"one of: {', '.join(f.choices)}"
        elif value:
            note = _path_note(f.name, value, Path(root))
            if note:
                check.notes[f.key] = note
    return check


def _dataset_problem(key: str, value: str) -> str | None:
    try:
        validate_dataset_table({key: value}, SETTINGS_FILE)
    except SettingsError as exc:
        return str(exc).removeprefix(f"{SETTINGS_FILE}: [dataset] ")
    if key in ("core_tag", "style_tag") and "," in value:
        return "one tag: a comma would make it two tags in every caption"
    return None


def resolve_path(value: str, root: Path) -> Path:
    """A path as training reads it: ``~`` expanded, relative to the dataset folder."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (root / path)


def _path_note(key: str, value: str, root: Path) -> str | None:
    """What is not (yet) where a ``[training]`` path points; None when it looks right."""
    if key == "python" and "/" not in value and not value.startswith("."):
        return None if shutil.which(value) else f"{value!r} is not on PATH here"
    local = value.startswith(("/", "~", ".")) or value.endswith((".safetensors", ".ckpt"))
    if key == "base_model" and not local:
        return None  # a Hugging Face id such as org/model: fetched by the trainer
    path = resolve_path(value, root)
    if key == "output_dir":
        return None if path.is_dir() or path.parent.is_dir() else f"{path.parent} does not exist"
    if not path.exists():
        return f"{path} does not exist (here)"
    if key == "sd_scripts" and not (path / "train_network.py").is_file():
        return f"{path} has no train_network.py: is it a kohya-ss/sd-scripts checkout?"
    if key == "python" and not os.access(path, os.X_OK):
        return f"{path} is not executable"
    return None


def changed_fields(settings: Settings, values: dict[str, str]) -> list[str]:
    """The fields whose text differs from what the settings in use say."""
    shown = form_values(settings)
    return [f.key for f in FIELDS if values.get(f.key, "").strip() != shown[f.key].strip()]


def form_updates(settings: Settings, values: dict[str, str], root: Path) -> dict[str, str]:
    """The changed fields' text (field key -> value), the form read against ``settings``
    (what it showed). Raises :class:`SettingsError` when a field has an error."""
    check = check_form(values, root)
    if not check.ok:
        key, problem = next(iter(check.errors.items()))
        raise SettingsError(f"{FIELD_BY_KEY[key].label}: {problem}")
    return {key: values[key].strip() for key in changed_fields(settings, values)}


def apply_updates(settings: Settings, updates: dict[str, str]) -> Settings:
    """A copy of ``settings`` with ``updates`` set (an empty training path unset)."""
    new = copy.deepcopy(settings)
    training = new.section("training")
    for key, value in updates.items():
        f = FIELD_BY_KEY[key]
        if f.table == "dataset":
            setattr(new, key, value)
        elif value:
            training[f.name] = value
        else:
            training.pop(f.name, None)
    if training or "training" in new.raw:
        new.set_section("training", training)
    return new


def apply_form(settings: Settings, values: dict[str, str], root: Path) -> Settings:
    """A copy of ``settings`` with the changed fields set (an empty training path unset).

    Raises :class:`SettingsError` when a field has an error.
    """
    return apply_updates(settings, form_updates(settings, values, Path(root)))


def saved_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``dataset.kind``, ``training.base_model``…: the form's keys two lorapan.toml
    documents hold differently (what a save changes, named for its journal entry)."""

    def value(doc: dict[str, Any], f: FormField) -> Any:
        table = doc.get(f.table)
        return table.get(f.name) if isinstance(table, dict) else None

    return [f"{f.table}.{f.name}" for f in FIELDS if value(old, f) != value(new, f)]


def form_label(fields: list[str]) -> str:
    """The journal entry's label: ``settings: dataset.core_tag, training.base_model``."""
    return f"settings: {', '.join(fields)}" if fields else "settings"


@dataclass
class FormSaved:
    """What :func:`save_form` did: the journal step (``result.settings``: lorapan.toml
    was written; ``result.conflicts``: it was not, and why) and what the settings in use
    took from the file (empty when nothing was written)."""

    result: ApplyResult
    reload: SettingsReload = field(default_factory=SettingsReload)

    @property
    def written(self) -> bool:
        return self.result.settings


def save_form(
    dataset: Dataset,
    settings: Settings,
    values: dict[str, str],
    wait_s: float | None | str = "policy",
) -> FormSaved:
    """Write the fields changed from ``settings`` (what the form showed) to lorapan.toml
    as one journaled step: ``u`` and ``lorapan undo`` take it back byte for byte.

    The step is made on the file as it is on disk, so an outside change not yet read
    back is kept, comments too; a file changed between this read and the write is a
    conflict (``result.conflicts``), a read-only one too: nothing is written. Nothing is
    written when nothing changed. Afterwards the dataset's settings follow the file.
    Raises :class:`SettingsError` when a field has an error or lorapan.toml does not
    parse (writing over it would lose what it holds); ``LorapanError`` when the journal
    cannot be written or another lorapan is writing (after ``wait_s``, as
    ``WriterLock.hold`` takes it).
    """
    updates = form_updates(settings, values, dataset.root)
    path = dataset.root / SETTINGS_FILE
    result = ApplyResult(form_label([]))
    if not updates:
        result.unchanged = 1
        return FormSaved(result)
    with dataset.lock, dataset.journal.writer.hold(wait_s):
        before = _read(path)
        on_disk = parse_settings(before, path)
        doc = settings_document(apply_updates(on_disk, updates), str(path))
        after = dump_toml(doc, before)  # the user's comments kept
        result.label = form_label(saved_fields(on_disk.raw, doc))
        if after == before:
            result.unchanged = 1
            return FormSaved(result)
        if why := _write_block(path):  # refused before the journal: no empty step to undo
            result.conflicts = [(SETTINGS_FILE, why)]
            return FormSaved(result)
        txn, res = dataset.journal.run(result.label, [(SETTINGS_FILE, before, after)])
        result.txn_id = txn.id
        result.conflicts = list(res.conflicts)
        result.settings = bool(res.done)
    if not result.settings:
        return FormSaved(result)
    return FormSaved(result, reload_settings(dataset))  # outside the lock: may re-read


def _write_block(path: Path) -> str | None:
    """Why the journal would refuse to replace lorapan.toml (read-only, hard-linked)."""
    try:
        return write_block(path, path.stat())
    except FileNotFoundError:
        return None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None

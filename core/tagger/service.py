"""Autotagging a dataset end to end, shared by ``lorapan autotag`` and the app.

Options come from the dataset's settings (``[tagger]`` table and ``tag_style``), with
command-line or palette overrides on top:

```toml
[tagger]
model = "~/models/wd-vit-tagger-v3"   # a folder with model.onnx + selected_tags.csv
general_threshold = 0.35
character_threshold = 0.85
mcut = false                            # MCut instead of the general threshold
rating = false                          # add the rating tag
batch_size = 4
exclude = ["watermark"]                 # never suggested (besides the blacklist)
```
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lorapan.core.dataset import Dataset
from lorapan.core.method.vocab import Vocab
from lorapan.core.settings import STATE_DIR
from lorapan.core.tagger.model import TaggerModel
from lorapan.core.tagger.predict import Prediction, TagOptions, select, select_from_mapping
from lorapan.core.tagger.runner import Progress, ScoreRun, score_images
from lorapan.core.tagger.scores import cached_tag_list, load_scores

DEFAULT_BATCH = 4


def _float(table: dict[str, Any], key: str, default: float) -> float:
    value = table.get(key, default)
    return float(value) if isinstance(value, (int, float)) and 0.0 <= value <= 1.0 else default


def dataset_tag_style(ds: Dataset) -> str:
    """``spaces`` or ``underscores``: the setting, or for ``keep`` what captions mostly use."""
    style = ds.settings.tag_style
    if style in ("spaces", "underscores"):
        return style
    underscored = spaced = 0
    for text, count in ds.index.frequencies():
        underscored += count * ("_" in text)
        spaced += count * (" " in text)
    return "underscores" if underscored > spaced else "spaces"


def tag_options(
    ds: Dataset,
    blacklist: Iterable[str] = (),
    exclude: Iterable[str] = (),
    **overrides: Any,
) -> TagOptions:
    """TagOptions from settings; ``overrides`` (not None) win. Blacklist adds the dataset's extras."""
    table = ds.settings.section("tagger")
    values: dict[str, Any] = {
        "general": _float(table, "general_threshold", TagOptions.general),
        "character": _float(table, "character_threshold", TagOptions.character),
        "mcut_general": bool(table.get("mcut", False)),
        "rating": bool(table.get("rating", False)),
        "style": dataset_tag_style(ds),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    configured = table.get("exclude", [])
    excluded = [*exclude, *(configured if isinstance(configured, list) else [])]
    return TagOptions.build(
        blacklist=[*blacklist, *ds.settings.blacklist_extra],
        exclude=[str(t) for t in excluded],
        **values,
    )


def dataset_blacklist(ds: Dataset) -> set[str]:
    """The rules' blacklist for this dataset (kind profile, ``blacklist_extra``, allow list).

    Tags the ``tags.blacklist`` rule would remove are never suggested. A problem in the
    rules' data files must not stop tagging: then only ``blacklist_extra`` applies (it is
    always added by :func:`tag_options`).
    """
    try:
        return set(Vocab(ds.settings).blacklist)
    except Exception:  # noqa: BLE001 - damaged rules data: fall back to the dataset's list
        return set()


def configured_batch(ds: Dataset) -> int:
    value = ds.settings.section("tagger").get("batch_size", DEFAULT_BATCH)
    return value if isinstance(value, int) and value > 0 else DEFAULT_BATCH


def configured_model(ds: Dataset) -> str | None:
    """The ``[tagger] model`` folder; a relative path is relative to the dataset root."""
    value = ds.settings.section("tagger").get("model")
    if not value:
        return None
    path = Path(str(value)).expanduser()
    return str(path if path.is_absolute() else ds.root / path)


@dataclass
class TagResult:
    run: ScoreRun
    predictions: dict[str, list[Prediction]] = field(default_factory=dict)


def predict(
    ds: Dataset,
    model: TaggerModel,
    relpaths: Sequence[str],
    options: TagOptions,
    *,
    batch_size: int | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    use_cache: bool = True,
) -> TagResult:
    """Scores (cached or inferred) and selected tags for ``relpaths``."""
    items = [(rel, ds.items[rel].image_path) for rel in relpaths if rel in ds.items]
    run = score_images(
        model,
        ds.root / STATE_DIR,
        items,
        batch_size=batch_size or configured_batch(ds),
        progress=progress,
        cancel=cancel,
        use_cache=use_cache,
    )
    result = TagResult(run)
    for rel in relpaths:
        scores = run.scores.get(rel)
        if scores is not None:
            result.predictions[rel] = select(scores, model.tags, options)
    return result


def cached_predictions(
    ds: Dataset, options: TagOptions, model_id: str | None = None
) -> dict[str, list[Prediction]]:
    """Predictions from the score cache alone (no model, no onnxruntime): for showing
    suggestions as soon as the app opens, or re-thresholding instantly."""
    state = ds.root / STATE_DIR
    stored = cached_tag_list(state, model_id)
    if stored is None:
        return {}
    mid, tags = stored
    return {
        rel: select_from_mapping(scores, tags, options)
        for rel, scores in load_scores(state, mid).items()
        if rel in ds.items
    }

"""Whether a dataset is the guide's single-image LoRA: one picture made most of it.

The guide's Level 2 ("Do you only have one image?") crops that one image for every
element, clones and alters every crop and aims for 15-20 images (a second version
adds generated images: 25-35). Such a set holds many pictures of one person, so
its tags read as a character's, and a character's aims (50-90, limited under 25)
would tell its owner to crop and clone what they just cropped and cloned. What
says "one source" is how the files were made: the records ``lorapan augment``
keeps (``.lorapan/augment.json``), each followed back to the image it started
from (a crop's grayscale copy -> the crop -> the source); or a set of one image.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from lorapan.core import provenance
from lorapan.core.method.anchor import trained_items

MOST = 0.5  # share of the images one source must have made


@dataclass(frozen=True)
class SourceShare:
    """The picture most images were made from, and how many (itself included)."""

    source: str
    images: int  # the source and the files made from it, in the dataset
    total: int  # images in the dataset
    made: dict[str, int]  # operation -> files (crop, grayscale, rotate, ...)


def source_share(dataset: Any) -> SourceShare | None:
    """The picture lorapan augment made the most images from (None: it made none), of
    the images kohya trains."""
    images = list(trained_items(dataset))
    records = provenance.load(dataset.root)
    if not records or not images:
        return None
    origin = {rel: provenance.original_of(records, rel) for rel in images}
    source, count = Counter(origin.values()).most_common(1)[0]
    made: Counter[str] = Counter()
    for rel, root in origin.items():
        if root == source and rel in records:
            made.update(set(provenance.ops_of(records[rel])))
    return SourceShare(source, count, len(images), dict(made))


def one_source(dataset: Any) -> str:
    """Why the set is the guide's single-image LoRA, as evidence; '' when it is not."""
    images = list(trained_items(dataset))
    if len(images) == 1:
        return f"one image ('{images[0]}'): the guide's single-image LoRA"
    share = source_share(dataset)
    if share is None or share.images < 2 or share.images < MOST * share.total:
        return ""
    return (
        f"{share.images} of {share.total} images are '{share.source}' and what lorapan "
        "augment made from it (.lorapan/augment.json): the guide's single-image LoRA"
    )

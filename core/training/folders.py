"""What to say about a dataset's kohya folders: one text for ``check`` and ``train``.

kohya's folder mode (``--train_data_dir``) reads only ``N_name`` folders; lorapan
starts sd-scripts with a dataset TOML instead, which names each image folder and its
repeats, so a flat folder trains as it is. The advice says both, with the repeats the
plan computed, so readiness (``lorapan check``, the app's sidebar) and ``lorapan
train`` never disagree about the folder name.
"""

from __future__ import annotations

from collections.abc import Sequence


def folder_advice(repeats: Sequence[int], in_kohya_folders: bool) -> str:
    """Empty for kohya folders; for a flat dataset, how it trains and the folder it would need."""
    if in_kohya_folders or not repeats:
        return ""
    r = repeats[0]
    return (
        f"no kohya folder: lorapan's dataset TOML names the image folder with {r} repeats, "
        f"so sd-scripts trains it as it is (kohya's folder mode would need one folder "
        f"named {r}_<name>)"
    )

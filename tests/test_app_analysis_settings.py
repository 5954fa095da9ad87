"""The app's own scan judges images with the dataset's settings, as `lorapan scan` and
the rules do: a 256 px image trained at 256 is not low resolution; at the default
1024 it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import app_for
from test_app_clone_compare import analysed, clone_dataset


@pytest.mark.parametrize(("resolution", "low_res"), [(None, True), (256, False)])
async def test_the_app_measures_at_the_training_resolution(
    tmp_path: Path, resolution: int | None, low_res: bool
):
    root = clone_dataset(tmp_path / "data")
    if resolution is not None:
        (root / "lorapan.toml").write_text(f"[training]\nresolution = {resolution}\n")
    app = app_for(root, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await analysed(app, pilot)
        facts = app.main.marks.facts
        assert facts["a.png"].low_res is low_res
        assert facts["a.png"].low_res_limit == (resolution or 1024) // 2

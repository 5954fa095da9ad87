"""SVG snapshots of the main layout at 80x24 and 160x48 on synthetic images.

Deterministic by construction: fixed terminal sizes, images drawn from fixed seeds,
analysis and the folder watcher off, the user config in tmp_path (default theme).
Refresh baselines with ``pytest tests/test_app_snapshots.py --snapshot-update``
on Python 3.11 with textual 8.2.8.
"""

from __future__ import annotations

import sys

import pytest
from app_helpers import app_for, build_dataset, settle

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11), reason="baselines were made on Python 3.11"
)


def _app(tmp_path):
    root = build_dataset(tmp_path / "data")
    return app_for(root, tmp_path, rules=True)


async def _ready(pilot) -> None:
    await settle(pilot.app, pilot)
    await pilot.pause(0.2)
    await settle(pilot.app, pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_main_layout(snap_compare, tmp_path, size):
    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=_ready)


def test_selection_with_shares_80x24(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("space", "space", "t")
        await _ready(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=run_before)

"""Learning rate from the scheduler formula (sd-scripts logs none to the console)."""

from __future__ import annotations

import pytest
from lorapan.core.training import presets as P
from lorapan.core.training.lr import lr_at, lr_factor


def test_cosine_with_restarts_three_cycles_restarts_at_each_third():
    total = 600
    assert lr_factor("cosine_with_restarts", 0, total, num_cycles=3) == 1.0
    assert lr_factor("cosine_with_restarts", 100, total, num_cycles=3) == pytest.approx(0.5)
    assert lr_factor("cosine_with_restarts", 199, total, num_cycles=3) < 0.01
    assert lr_factor("cosine_with_restarts", 200, total, num_cycles=3) == 1.0  # restart


def test_warmup_linear_and_constant():
    assert lr_factor("constant_with_warmup", 5, 100, warmup=10) == 0.5
    assert lr_factor("linear", 50, 100) == 0.5
    assert lr_factor("constant", 99, 100) == 1.0


def test_preset_lr_at_halfway_through_first_cycle():
    params = P.load_preset("characters").params  # unetLR 0.0005, 3 cycles
    assert lr_at(params, 0, 1120) == pytest.approx(0.0005)
    assert lr_at(params, 1120 // 6, 1120) == pytest.approx(0.00025, rel=0.01)

"""Full garbage collections wait for a moment without keys (``lorapan.tui.heap``).

A full collection over the app's objects held the GIL for 70-140 ms, once a second
while ``j`` was held: every tenth key waited for it. These tests hold the keeper to
what it promises with Python's real collector: what is loaded is set aside, a full
collection runs only once the user is idle, garbage cycles are still freed, and the
collector is left as it was when the app ends. The latency itself is measured in
``bench/bench_app_tmux.py``, not here.
"""

from __future__ import annotations

import gc
import weakref

import pytest
from app_helpers import SIZE, app_for, build_dataset, wait_for
from lorapan.tui.heap import FULL_AFTER, IDLE_S, MIN_GAP_S, RARE_FULL, HeapKeeper


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Node:
    """One half of a reference cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.other: Node | None = None


def old_garbage_cycle() -> weakref.ref:
    """A reference cycle that lived long enough to reach the oldest generation, then
    was dropped: young collections never look at it again, only a full one frees it."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    ref = weakref.ref(a)
    gc.collect(1)  # still referenced: it survives into the oldest generation
    return ref


def tracked(obj: object) -> bool:
    """Whether the collector's generations hold ``obj`` (frozen objects are not there)."""
    return any(o is obj for o in gc.get_objects())


def young_collections(n: int) -> None:
    for _ in range(n):
        gc.collect(1)


@pytest.fixture
def keeper():
    saved = gc.get_threshold()
    clock = Clock()
    keeper = HeapKeeper(clock)
    yield keeper, clock
    keeper.stop()
    gc.set_threshold(*saved)


def test_start_sets_loaded_objects_aside_and_stop_puts_the_collector_back(keeper):
    heap, _ = keeper
    before = gc.get_threshold()
    loaded = Node()  # alive at start: set aside
    heap.start()
    assert gc.get_freeze_count() > 0 and not tracked(loaded)
    assert gc.get_threshold() == (before[0], before[1], RARE_FULL)
    heap.stop()
    assert gc.get_freeze_count() == 0 and tracked(loaded)
    assert gc.get_threshold() == before


def test_no_full_collection_while_keys_come(keeper):
    heap, clock = keeper
    heap.start()
    young_collections(FULL_AFTER + 1)
    heap.key()
    clock.now += IDLE_S / 2
    assert heap.tick() is False
    heap.key()  # another key: the idle time starts again
    clock.now += IDLE_S / 2
    assert heap.tick() is False
    assert heap.collections == 0


def test_no_full_collection_in_the_first_seconds_after_start(keeper):
    heap, clock = keeper
    heap.start()  # start-up's objects were just frozen: the first keys come now
    young_collections(FULL_AFTER + 1)
    clock.now += IDLE_S + 0.01
    assert heap.tick() is False
    clock.now += MIN_GAP_S
    assert heap.tick() is True


def test_an_idle_moment_frees_garbage_cycles(keeper):
    heap, clock = keeper
    heap.start()
    clock.now += MIN_GAP_S
    cycle = old_garbage_cycle()
    young_collections(FULL_AFTER + 1)
    assert cycle() is not None  # young collections do not free it
    heap.key()
    clock.now += IDLE_S + 0.01
    assert heap.tick() is True
    assert cycle() is None
    assert heap.collections == 1


def first_idle_collection(heap: HeapKeeper, clock: Clock) -> None:
    """Start, let the start-up gap pass, allocate, go idle: the first full collection."""
    heap.start()
    clock.now += MIN_GAP_S
    young_collections(FULL_AFTER + 1)
    clock.now += IDLE_S + 0.01
    assert heap.tick() is True


def test_no_full_collection_when_little_was_allocated(keeper):
    heap, clock = keeper
    first_idle_collection(heap, clock)
    # idle long after, but nothing new since: the collector is not run for nothing
    clock.now += MIN_GAP_S + 1
    assert heap.tick() is False
    assert heap.collections == 1


def test_an_idle_app_collects_at_most_once_per_gap_while_work_allocates(keeper):
    heap, clock = keeper
    first_idle_collection(heap, clock)
    young_collections(FULL_AFTER + 1)  # the analysis keeps allocating
    clock.now += MIN_GAP_S / 2
    assert heap.tick() is False
    clock.now += MIN_GAP_S / 2 + 0.01
    assert heap.tick() is True
    assert heap.collections == 2


def test_a_stopped_keeper_does_nothing(keeper):
    heap, clock = keeper
    young_collections(FULL_AFTER + 1)
    clock.now += IDLE_S + 1
    assert heap.tick() is False
    assert gc.get_freeze_count() == 0


async def test_the_app_keeps_the_collector_off_keys_and_restores_it_on_exit(tmp_path):
    root = build_dataset(tmp_path / "data")
    before = gc.get_threshold()
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.heap.running)
        assert gc.get_threshold()[2] == RARE_FULL
        assert gc.get_freeze_count() > 0
        stamp = app.heap.last_key
        await pilot.press("j")
        assert app.heap.last_key > stamp  # a key pushes the next full collection back
    assert not app.heap.running
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0

"""The exit guard ends the process once the app began to exit, after files being written
are written, and stops the process's children first (``os._exit`` replaced by a recorder)."""

from __future__ import annotations

import multiprocessing
import threading
import time

from lorapan.tui.terminal_exit import ExitGuard, stop_children


def test_the_guard_ends_with_the_status_it_was_armed_with_once():
    ended: list[int] = []
    guard = ExitGuard(lambda: False, grace_s=0.01, end=ended.append)
    guard.arm(129)
    guard.arm(0)  # a second exit on the way out changes nothing
    assert guard.thread is not None
    guard.thread.join(30)
    assert ended == [129]


def test_the_guard_waits_while_files_are_written():
    writing = threading.Event()
    writing.set()
    ended: list[int] = []
    guard = ExitGuard(writing.is_set, grace_s=0.01, work_cap_s=60, end=ended.append)
    guard.arm(0)
    time.sleep(0.3)
    assert ended == []  # still writing: the edit is written whole
    writing.clear()
    assert guard.thread is not None
    guard.thread.join(30)
    assert ended == [0]


def test_a_writing_check_that_fails_does_not_keep_the_process():
    def broken() -> bool:
        raise RuntimeError("the app is half torn down")

    ended: list[int] = []
    guard = ExitGuard(broken, grace_s=0.01, end=ended.append)
    guard.arm(1)
    assert guard.thread is not None
    guard.thread.join(30)
    assert ended == [1]


def _sleep_forever() -> None:
    time.sleep(600)


def test_children_are_stopped():
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_sleep_forever)
    child.start()
    stop_children()
    child.join(30)
    assert not child.is_alive()

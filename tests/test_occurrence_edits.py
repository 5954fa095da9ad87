"""Edits of one tag occurrence (a chip) leave the caption's other occurrences alone."""

from __future__ import annotations

from lorapan.core.occurrence_edits import move_at, occurrence, remove_at, rename_at

TWICE = ("red hair", "solo", "red hair", "smile")


def test_remove_at_deletes_only_the_chip_pointed_at():
    assert remove_at(TWICE, "red hair", 2) == ("red hair", "solo", "smile")
    assert remove_at(TWICE, "red hair", 0) == ("solo", "red hair", "smile")


def test_spellings_of_one_tag_are_occurrences_of_it():
    tags = ("long_hair", "solo", "long hair")
    assert remove_at(tags, "long hair", 2) == ("long_hair", "solo")


def test_a_stale_index_falls_back_to_the_first_occurrence_or_changes_nothing():
    # the caption lost a tag before the chip's key arrived: index 2 is "smile" now
    now = ("red hair", "solo", "smile")
    assert occurrence(now, "red hair", 2) == 0
    assert remove_at(now, "red hair", 2) == ("solo", "smile")
    assert remove_at(now, "blue eyes", 1) == now


def test_move_at_moves_the_second_occurrence_not_the_first():
    assert move_at(TWICE, "red hair", 2, 0) == ("red hair", "red hair", "solo", "smile")
    assert move_at(TWICE, "red hair", 2, 3) == ("red hair", "solo", "smile", "red hair")
    assert move_at(TWICE, "solo", 1, 99) == ("red hair", "red hair", "smile", "solo")


def test_rename_at_renames_one_occurrence_and_never_makes_a_duplicate():
    assert rename_at(TWICE, "red hair", 2, "blue hair") == (
        "red hair",
        "solo",
        "blue hair",
        "smile",
    )
    assert rename_at(TWICE, "red hair", 2, "smile") == ("red hair", "solo", "smile")
    assert rename_at(TWICE, "red hair", 2, "  ") == ("red hair", "solo", "smile")
    assert rename_at(TWICE, "red hair", 2, "red hair") == TWICE
    # a respelling of itself is a rename, not a duplicate
    assert rename_at(("long_hair",), "long_hair", 0, "long hair") == ("long hair",)

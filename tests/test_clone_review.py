"""Clone review (core): which groups, in what order, and what "keep this one" sets aside."""

from __future__ import annotations

from lorapan.core.analysis.clone_review import (
    clone_set,
    groups_with,
    keep_only,
    members_in_order,
    without,
)
from lorapan.core.analysis.clones import CloneGroup


def group() -> CloneGroup:
    # a.png is the original; b resized and c identical copies of it; f is a flip,
    # and g a recompressed copy of that flip.
    return CloneGroup(
        "a.png",
        [
            ("b.png", "resized"),
            ("c.png", "identical"),
            ("f.png", "flipped"),
            ("g.jpg", "recompressed"),
        ],
        copy_of={"g.jpg": "f.png"},
    )


def test_the_original_comes_first_then_clones_then_altered_copies():
    assert members_in_order(group()) == [
        ("a.png", "original"),
        ("b.png", "resized"),
        ("c.png", "identical"),
        ("g.jpg", "recompressed"),
        ("f.png", "flipped"),
    ]


def test_keeping_one_sets_aside_the_rest_of_its_clone_set_only():
    g = group()
    assert keep_only(g, "a.png") == ["b.png", "c.png"]
    assert keep_only(g, "c.png") == ["a.png", "b.png"]  # a copy kept instead of the original
    assert keep_only(g, "f.png") == ["g.jpg"]  # the flip keeps, its copy goes
    assert keep_only(g, "g.jpg") == ["f.png"]
    assert clone_set(g, "b.png") == ["a.png", "b.png", "c.png"]


def test_groups_with_finds_groups_by_any_member():
    g1, g2 = group(), CloneGroup("x.png", [("y.png", "identical")])
    assert groups_with([g1, g2], ["y.png"]) == [g2]
    assert groups_with([g1, g2], ["a.png", "x.png"]) == [g1, g2]
    assert groups_with([g1, g2], ["zzz.png"]) == []


def test_a_group_without_the_images_set_aside():
    g = group()
    left = without(g, ["b.png", "c.png"])
    assert left.original == "a.png"
    assert [r for r, _ in left.members] == ["f.png", "g.jpg"]
    assert left.clones == ["g.jpg"]
    # the original went: its first plain copy stands in for it
    stand_in = without(g, ["a.png"])
    assert stand_in.original == "b.png"
    assert ("c.png", "identical") in stand_in.members
    # one image left is no group
    assert without(CloneGroup("x.png", [("y.png", "identical")]), ["y.png"]) is None

"""Clone review (core): which groups, in what order, and what "keep this one" sets aside."""

from __future__ import annotations

from lorapan.core.analysis.clone_review import (
    clone_set,
    copies_over,
    extra_copies,
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


# ---- the clones.ratio fix -----------------------------------------------------------------
def test_copies_over_is_the_fewest_that_bring_clones_to_the_ratio():
    for clones, total in [(4, 15), (3, 42), (5, 100), (3, 100), (40, 40), (0, 10)]:
        n = copies_over(clones, total, 0.03)
        assert clones - n <= 0.03 * (total - n) + 1e-9
        assert n == 0 or clones - (n - 1) > 0.03 * (total - (n - 1))
    assert copies_over(3, 100, 0.03) == 0  # 3 % is allowed


def test_extra_copies_keep_heads_and_altered_copies_and_take_the_worst_copy_first():
    g = group()  # a.png with b (resized) and c (identical); f flipped, g.jpg a copy of f
    pixels = {"a.png": 4, "b.png": 1, "c.png": 4, "f.png": 4, "g.jpg": 4}
    rank = lambda rel: (pixels[rel],)  # noqa: E731 - bigger is better; on a tie the head stays
    # 3 clones of 40 images: 2 must go (1 <= 0.03 * 38, 2 > 0.03 * 39)
    out = extra_copies([g], 40, 0.03, rank)
    gone = [rel for rel, _head in out]
    assert len(out) == copies_over(3, 40, 0.03) == 2
    assert "a.png" not in gone and "f.png" not in gone  # the original and the flip stay
    assert gone[0] == "b.png"  # the small copy goes before the full-size one
    assert dict(out)["b.png"] == "a.png"


def test_extra_copies_take_from_the_picture_stored_most_often_first():
    many = CloneGroup("x.png", [(f"x{i}.png", "identical") for i in range(4)])
    once = CloneGroup("y.png", [("y1.png", "identical")])
    # 5 clones of 60 images: one may stay (1 <= 0.03 * 56, 2 > 0.03 * 57); x's copies go
    # first while it has more than y
    out = extra_copies([many, once], 60, 0.03)
    assert len(out) == 4
    assert sum(1 for rel, _ in out if rel.startswith("x")) >= 3
    kept = {"x0.png", "x1.png", "x2.png", "x3.png", "y1.png"} - {rel for rel, _ in out}
    assert len(kept) == 1

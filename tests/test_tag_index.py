"""The tag index followed edit by edit equals the index built again from scratch."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lorapan.core.captions import norm_tag
from lorapan.core.tag_index import TagIndex

_tag = st.sampled_from(["a", "A", "long_hair", "long hair", "Long Hair", "b", "^_^"])
_tags = st.lists(_tag, max_size=6).map(tuple)
_images = st.sampled_from(["1.png", "2.png", "3.png"])


def _state(index: TagIndex) -> tuple:
    len(index)  # applies what is queued
    keys = sorted(index._images)
    return (
        {k: sorted(index._images[k]) for k in keys},
        index.frequencies(),
        [index.display(k) for k in keys],
    )


@given(st.dictionaries(_images, _tags), st.lists(st.tuples(_images, _tags), max_size=8))
def test_updates_leave_the_index_as_a_rebuild_would(start, edits):
    current = dict(start)
    index = TagIndex()
    for rel, tags in current.items():
        index.add_image(rel, tags)
    for rel, tags in edits:
        before = current.get(rel, ())
        index.update_image(rel, before, tags)
        current[rel] = tags
    rebuilt = TagIndex()
    for rel, tags in current.items():
        rebuilt.add_image(rel, tags)
    assert _state(index) == _state(rebuilt)


def test_questions_from_many_threads_see_every_queued_change():
    import threading

    index = TagIndex()
    errors: list[BaseException] = []

    def write(n: int) -> None:
        for i in range(300):
            index.add_image(f"{n}-{i}.png", ("a", f"tag {i % 7}", "Long_Hair"))

    def read() -> None:
        try:
            for _ in range(300):
                index.frequencies()
                index.count("long hair")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert index.count("a") == 900 and index.count("long hair") == 900
    assert dict(index.frequencies())["Long_Hair"] == 900  # the spelling written


@given(st.dictionaries(_images, _tags))
def test_adding_many_images_at_once_is_adding_each(start):
    one_by_one, at_once = TagIndex(), TagIndex()
    for rel, tags in start.items():
        one_by_one.add_image(rel, tags)
    at_once.add_images(start.items())
    assert _state(at_once) == _state(one_by_one)


@given(st.dictionaries(_images, _tags), st.lists(st.tuples(_images, _tags), max_size=4))
def test_distinct_counts_what_len_counts_built_or_not(start, edits):
    """``distinct`` answers from the queued images without building the index (what
    ``lorapan info`` asks), and from the index once there are edits or it is built."""
    fresh, edited = TagIndex(), TagIndex()
    fresh.add_images(start.items())
    edited.add_images(start.items())
    for rel, tags in edits:
        edited.update_image(rel, start.get(rel, ()), tags)
    assert fresh.distinct() == len({k for tags in start.values() for k in map(norm_tag, tags)})
    assert fresh._pending and not fresh._images  # answered without building it
    assert fresh.distinct() == len(fresh)
    assert edited.distinct() == len(edited)

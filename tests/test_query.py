"""The query language selects the images a user means."""

from __future__ import annotations

import pytest
from conftest import write_dataset
from lorapan.core.dataset import Dataset
from lorapan.core.query import QueryError, compile_query


@pytest.fixture
def ds(tmp_path):
    return Dataset.open(
        write_dataset(
            tmp_path,
            {
                "10_gob/a1.png": "gob, solo, long_hair, smile",
                "10_gob/a2.png": "gob, solo, short hair",
                "b.png": "gob, red hair, blue eyes, 1girl",
                "c.jpg": None,
            },
        )
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("long hair", ["10_gob/a1.png"]),
        ("solo AND NOT smile", ["10_gob/a2.png"]),
        ("(short hair OR red hair) AND gob", ["10_gob/a2.png", "b.png"]),
        ("*hair", ["10_gob/a1.png", "10_gob/a2.png", "b.png"]),
        ("tags>3", ["10_gob/a1.png", "b.png"]),
        ("tags=0", ["c.jpg"]),
        ("lacks:caption", ["c.jpg"]),
        ("has:caption AND NOT folder:10_*", ["b.png"]),
        ("name:*.jpg", ["c.jpg"]),
        ('tag:"blue eyes" | smile', ["10_gob/a1.png", "b.png"]),
        ("!solo & gob", ["b.png"]),
        ("", ["10_gob/a1.png", "10_gob/a2.png", "b.png", "c.jpg"]),
    ],
)
def test_queries_select_the_right_images(ds, query, expected):
    assert ds.select(query) == expected


@pytest.mark.parametrize("bad", ["(solo", "solo AND", "has:tags", "solo )"])
def test_bad_queries_say_what_is_wrong(bad):
    with pytest.raises(QueryError):
        compile_query(bad)


def test_tags_with_parentheses_need_no_quoting(tmp_path):
    ds = Dataset.open(
        write_dataset(tmp_path, {"a.png": "star (sky), artist \\(style\\)", "b.png": "sky, star"})
    )
    assert ds.select("star (sky)") == ["a.png"]
    assert ds.select("star (sky) OR (sky AND NOT star)") == ["a.png"]
    assert ds.select("(star) AND sky") == ["b.png"]

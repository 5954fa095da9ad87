"""Tiny WD14-shaped ONNX taggers built with the onnx package, for real onnxruntime tests.

Every model takes ``input`` of shape ``(batch, S, S, 3)``: float32, 0-255, BGR, NHWC, like
SmilingWolf's wd-* taggers, and returns ``output`` of shape ``(batch, K)`` probabilities
(sigmoid inside the graph). Scores are a linear function of the image's mean colour, so
the expected tags of a test image follow from its colour:

- ``red``/``green``/``blue``: high when that channel dominates (checks the BGR order:
  a red picture fed as RGB would light up ``blue``),
- ``bright``/``dark``: mean brightness,
- ``^_^`` (a kaomoji) 0.9, ``long_hair`` 0.6, ``faint`` 0.3: constants,
- characters ``red_knight_(series)`` (red, > 0.99 on pure red) and ``maybe_char`` (0.7
  constant: above the general threshold, below the character one),
- ratings: ``general`` 0.8, ``sensitive`` 0.3, ``questionable``/``explicit`` 0.05.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIZE = 32


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


# (name, category, [w_B, w_G, w_R], bias) with channel means scaled to 0..1.
TAGS: list[tuple[str, int, list[float], float]] = [
    ("general", 9, [0, 0, 0], _logit(0.8)),
    ("sensitive", 9, [0, 0, 0], _logit(0.3)),
    ("questionable", 9, [0, 0, 0], _logit(0.05)),
    ("explicit", 9, [0, 0, 0], _logit(0.05)),
    ("red", 0, [-5, -5, 10], -3),
    ("green", 0, [-5, 10, -5], -3),
    ("blue", 0, [10, -5, -5], -3),
    ("bright", 0, [10 / 3, 10 / 3, 10 / 3], -5),
    ("dark", 0, [-10 / 3, -10 / 3, -10 / 3], 5),
    ("^_^", 0, [0, 0, 0], _logit(0.9)),
    ("long_hair", 0, [0, 0, 0], _logit(0.6)),
    ("faint", 0, [0, 0, 0], _logit(0.3)),
    ("red_knight_(series)", 4, [-5, -5, 10], -5),
    ("maybe_char", 4, [0, 0, 0], _logit(0.7)),
]


def expected_scores(bgr_means_0_255: np.ndarray) -> np.ndarray:
    """The model's output computed in numpy from per-image B, G, R means (0-255)."""
    w = np.array([t[2] for t in TAGS], dtype=np.float64).T
    b = np.array([t[3] for t in TAGS], dtype=np.float64)
    return 1 / (1 + np.exp(-(np.asarray(bgr_means_0_255) / 255.0 @ w + b)))


def write_csv(path: Path, extra_rows: int = 0, style: str = "plain") -> None:
    """selected_tags.csv for TAGS; ``style="messy"`` writes float ids, CRLF and blank rows."""
    rows = [
        (9999999 - i if cat == 9 else 1000 + i, name, cat, 5000 - i)
        for i, (name, cat, _w, _b) in enumerate(TAGS)
    ]
    rows += [(2000 + i, f"extra_{i}", 0, 1) for i in range(extra_rows)]
    if style == "messy":
        lines = ["tag_id,name,category,count"]
        for i, (tid, name, cat, count) in enumerate(rows):
            lines.append(f"{float(tid)},{name},{float(cat)},{float(count)}")
            if i % 4 == 0:
                lines.append("")
        path.write_bytes(("\r\n".join(lines) + "\r\n\r\n").encode())
    else:
        text = "tag_id,name,category,count\n" + "".join(
            f"{r[0]},{r[1]},{r[2]},{r[3]}\n" for r in rows
        )
        path.write_text(text, encoding="utf-8")


def colour_graph(
    batch: int | str = "batch_size", size: int = SIZE, extra_outputs: int = 0
) -> onnx.ModelProto:
    """Mean colour -> linear -> sigmoid. ``extra_outputs`` widens the output past the CSV."""
    w = np.array([t[2] for t in TAGS], dtype=np.float32).T / 255.0
    b = np.array([t[3] for t in TAGS], dtype=np.float32)
    if extra_outputs:
        w = np.concatenate([w, np.zeros((3, extra_outputs), np.float32)], axis=1)
        b = np.concatenate([b, np.zeros(extra_outputs, np.float32)])
    k = w.shape[1]
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["mean"], axes=[1, 2], keepdims=0),
        helper.make_node("MatMul", ["mean", "W"], ["lin"]),
        helper.make_node("Add", ["lin", "B"], ["logits"]),
        helper.make_node("Sigmoid", ["logits"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "mean_colour_tagger",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, size, size, 3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [batch, k])],
        initializer=[numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def nchw_graph(size: int = SIZE) -> onnx.ModelProto:
    """A model that wants NCHW input (not a WD14 layout), to check it is refused."""
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["input"], ["output"], axes=[2, 3], keepdims=0)],
        "nchw",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 3, size, size])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["n", 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def make_model_dir(
    root: Path,
    name: str = "tiny-tagger",
    *,
    batch: int | str = "batch_size",
    size: int = SIZE,
    extra_outputs: int = 0,
    csv_style: str = "plain",
) -> Path:
    """A model folder (model.onnx + selected_tags.csv) like a SmilingWolf repository."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(colour_graph(batch, size, extra_outputs), str(folder / "model.onnx"))
    write_csv(folder / "selected_tags.csv", style=csv_style)
    return folder

"""Autotagger throughput: the overlapped pipeline vs inference alone vs a sequential loop.

Builds a synthetic WD14-shaped ONNX model of realistic compute (NHWC 448x448x3 float32
in, a small conv net of about 3 GFLOPs per image, 10,861 sigmoid outputs like
wd-vit-tagger-v3) and a folder of JPEG/PNG images of typical dataset sizes, then reports
images per second for:

- inference alone: the same model on tensors preprocessed in advance (the ceiling),
- the pipeline: decode + preprocess in a thread pool overlapped with inference,
- sequential: decode and preprocess a batch, then infer it, one after another.

Run: ``python bench/bench_tagger.py [--images N] [--batch B] [--gflops G]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from lorapan.core.tagger.model import TaggerModel
from lorapan.core.tagger.pipeline import RunStats, default_workers, run_pipeline, run_sequential
from lorapan.core.tagger.preprocess import load
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

SIZE = 448
OUTPUTS = 10861


def conv(name: str, x: str, cin: int, cout: int, k: int, stride: int, rng) -> tuple[list, list]:
    w = (rng.standard_normal((cout, cin, k, k)) * (2 / (cin * k * k)) ** 0.5).astype(np.float32)
    b = np.zeros(cout, np.float32)
    pad = (k - 1) // 2 if stride == 1 else 0
    nodes = [
        helper.make_node(
            "Conv", [x, f"{name}_w", f"{name}_b"], [f"{name}_c"], kernel_shape=[k, k],
            strides=[stride, stride], pads=[pad] * 4,
        ),
        helper.make_node("Relu", [f"{name}_c"], [name]),
    ]  # fmt: skip
    return nodes, [numpy_helper.from_array(w, f"{name}_w"), numpy_helper.from_array(b, f"{name}_b")]


def build_model(path: Path, gflops: float) -> float:
    """Stem (stride 4) + 3x3 convs at 112x112 until about ``gflops``; returns the GFLOPs."""
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("Transpose", ["input"], ["nchw"], perm=[0, 3, 1, 2])]
    inits = [numpy_helper.from_array(np.array([1 / 255.0], np.float32), "scale")]
    nodes.append(helper.make_node("Mul", ["nchw", "scale"], ["x0"]))
    n, i = conv("stem", "x0", 3, 64, 4, 4, rng)
    nodes += n
    inits += i
    side = SIZE // 4
    total = side * side * 64 * 3 * 16 * 2
    per_layer = side * side * 64 * 64 * 9 * 2
    last, layer = "stem", 0
    while total + per_layer <= gflops * 1e9 or layer == 0:
        n, i = conv(f"c{layer}", last, 64, 64, 3, 1, rng)
        nodes += n
        inits += i
        last, layer, total = f"c{layer}", layer + 1, total + per_layer
    head = (rng.standard_normal((64, OUTPUTS)) * 0.1).astype(np.float32)
    inits.append(numpy_helper.from_array(head, "head"))
    nodes += [
        helper.make_node("GlobalAveragePool", [last], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("MatMul", ["flat", "head"], ["logits"]),
        helper.make_node("Sigmoid", ["logits"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "synthetic_tagger",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", SIZE, SIZE, 3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", OUTPUTS])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path / "model.onnx"))
    rows = ["tag_id,name,category,count"]
    rows += [f"{9999999 - r},rating_{r},9,1" for r in range(4)]
    rows += [f"{r},tag_{r},{4 if r % 4 == 0 else 0},1" for r in range(OUTPUTS - 4)]
    (path / "selected_tags.csv").write_text("\n".join(rows) + "\n")
    return (total + 64 * OUTPUTS * 2) / 1e9


def make_images(folder: Path, count: int) -> list[tuple[str, Path]]:
    """Screenshots and portraits: 1920x1080 / 1080x1920 / 1536x1536 JPEG, 1024x1024 PNG."""
    rng = np.random.default_rng(1)
    sizes = [(1920, 1080, "jpg"), (1080, 1920, "jpg"), (1536, 1536, "jpg"), (1024, 1024, "png")]
    items = []
    for i in range(count):
        w, h, ext = sizes[i % len(sizes)]
        grad = np.linspace(0, 255, w, dtype=np.float32)[None, :, None]
        noise = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
        arr = np.clip(grad + noise, 0, 255).astype(np.uint8)
        path = folder / f"img{i:03d}.{ext}"
        Image.fromarray(arr).save(path, quality=90) if ext == "jpg" else Image.fromarray(arr).save(
            path
        )
        items.append((path.name, path))
    return items


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=48)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--gflops", type=float, default=3.0)
    ap.add_argument("--workers", type=int, default=0, help="preprocessing threads (0: default)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds (median is reported)")
    ap.add_argument(
        "--ort-threads", type=int, default=0, help="onnxruntime intra-op threads (0: all cores)"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "model").mkdir()
        gf = build_model(root / "model", args.gflops)
        (root / "images").mkdir()
        items = make_images(root / "images", args.images)
        model = TaggerModel.open(root / "model", threads=args.ort_threads)
        workers = args.workers or default_workers()
        print(
            f"cpu cores: {os.cpu_count()}  provider: {model.provider}  model: {gf:.2f} GFLOPs/image"
        )
        print(f"images: {len(items)} (1920x1080, 1080x1920, 1536x1536 JPEG; 1024x1024 PNG)")
        ort_threads = args.ort_threads or "all"
        print(
            f"batch: {args.batch}  preprocessing threads: {workers}  onnxruntime threads: {ort_threads}"
        )

        t_pre = timed(lambda: [load(p, SIZE) for _k, p in items])
        tensors = [load(p, SIZE) for _k, p in items]
        model.run(np.stack(tensors[: args.batch]))  # warm-up

        def infer_only() -> None:
            for s in range(0, len(tensors), args.batch):
                model.run(np.stack(tensors[s : s + args.batch]))

        waits: list[float] = []

        def pipeline() -> None:
            stats = RunStats()
            for _ in run_pipeline(model, items, args.batch, workers=workers, stats=stats):
                pass
            waits.append(stats.wait_s / max(stats.elapsed_s, 1e-9))

        def pipeline_niced() -> None:
            for _ in run_pipeline(model, items, args.batch, workers=workers, yield_cpu=True):
                pass

        def sequential() -> None:
            for _ in run_sequential(model, items, args.batch):
                pass

        # Rounds interleave the three, so load from other processes hits them alike;
        # each figure is the median over rounds.
        runs = {
            "inference alone": infer_only,
            "pipeline": pipeline,
            "pipeline, nice'd pool": pipeline_niced,
            "sequential": sequential,
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, fn in runs.items():
                times[name].append(timed(fn))
        figures = {name: len(items) / float(np.median(ts)) for name, ts in times.items()}
        print(f"decode+preprocess alone (1 thread): {len(items) / t_pre:.1f} img/s")
        for name, ips in figures.items():
            print(f"{name:<22} {ips:7.2f} img/s")
        cores = os.cpu_count() or 1
        ceiling = 1 / (1 / figures["inference alone"] + 1 / (cores * len(items) / t_pre))
        print(
            f"ceiling when inference and preprocessing share {cores} CPU cores: {ceiling:.2f} img/s"
        )
        ratio = figures["pipeline"] / figures["inference alone"]
        gain = figures["pipeline"] / figures["sequential"]
        print(f"pipeline / inference alone: {ratio:.0%}  (target >= 90%)")
        print(
            f"pipeline / sequential: {gain:.2f}x  pipeline / CPU ceiling: {figures['pipeline'] / ceiling:.0%}"
        )
        print(f"model waiting for input in the pipeline: {min(waits):.0%} of the run")


if __name__ == "__main__":
    main()

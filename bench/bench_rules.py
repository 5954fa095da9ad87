"""Benchmark the rules engine: full check at 10,000 images and per-edit recompute.

    python bench/bench_rules.py [--n 10000] [--edits 200] [--scan]

Generates a dataset with ``bench/gen_dataset.py`` (captions of 15-45 tags, core tag
first, kohya folder ``10_bench``), then times:

* cold: ``Dataset.open`` and the first ``RulesEngine(ds).check()`` (no caches);
* with cached image analysis: ``load_inputs`` (analysis cache + clone groups) and the
  engine's first check with every image's facts (``--scan`` runs the real analyzer
  first, which takes a while; otherwise facts are built in memory as ImageFacts);
* per edit: one tag added or removed on a random image through
  ``Dataset.apply_changes`` (journal + atomic write), with the live engine
  subscribed; the engine's share is from the dataset's notification to the new
  report reaching the engine's subscriber (median / p95 / max);
* readiness: the training plan (``build_plan`` over 10,000 known sizes), sizes
  read from headers for every image (the cold path without an analysis cache),
  and one image added (a rebuild that reads only the new image's header);
* tagger scores arriving (``set_scores``): only images whose rare elements change
  are re-checked.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_dataset import generate  # noqa: E402
from lorapan.core.dataset import Dataset  # noqa: E402
from lorapan.core.edits import TagChange, add_tag, remove_tag  # noqa: E402
from lorapan.core.rules.engine import RulesEngine  # noqa: E402
from lorapan.core.rules.inputs import load_inputs  # noqa: E402


def timed(fn):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def synthetic_facts(ds: Dataset) -> dict:
    from lorapan.core.analysis.facts import ImageFacts

    rng = random.Random(3)
    facts = {}
    for rel in ds.items:
        w = 1024
        h = rng.choice((1024, 768, 1365))
        facts[rel] = ImageFacts(
            rel,
            width=w,
            height=h,
            sharpness=rng.uniform(20, 100),
            blurry=rng.random() < 0.1,
            phash=rng.getrandbits(64),
        )
    return facts


def bench_edits(
    ds: Dataset, engine: RulesEngine, n: int, seed: int = 5
) -> tuple[list[float], list[float]]:
    marks: dict[str, float] = {}
    ds.listeners.insert(0, lambda rels, reason: marks.__setitem__("start", time.perf_counter()))
    engine.subscribe(lambda report: marks.__setitem__("end", time.perf_counter()))
    rng = random.Random(seed)
    rels = list(ds.items)
    engine_ms, total_ms = [], []
    for i in range(n):
        rel = rng.choice(rels)
        tags = ds.items[rel].tags
        after = remove_tag(tags, tags[-1]) if i % 2 and len(tags) > 2 else add_tag(tags, "muscular")
        t0 = time.perf_counter()
        ds.apply_changes([TagChange(rel, tags, after)], "bench edit")
        t1 = time.perf_counter()
        engine_ms.append((marks["end"] - marks["start"]) * 1000)
        total_ms.append((t1 - t0) * 1000)
    return engine_ms, total_ms


def describe(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    return f"median {statistics.median(values):.2f} ms, p95 {p95:.2f} ms, max {values[-1]:.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--scan", action="store_true", help="run the real analyzer to fill the cache")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench"
        _, gen_s = timed(lambda: generate(root, args.n))
        print(f"generated {args.n} images in {gen_s:.1f} s")
        (root / "lorapan.toml").write_text(
            '[dataset]\nkind = "character"\nname = "bench"\ncore_tag = "bench subject focus"\n'
        )
        ds, open_s = timed(lambda: Dataset.open(root))
        engine, build_s = timed(lambda: RulesEngine(ds))
        report, check_s = timed(engine.check)
        print(
            f"cold: open {open_s:.2f} s, engine build {build_s:.2f} s, first check {check_s * 1000:.0f} ms "
            f"({len(report.findings)} findings)"
        )
        _, again_s = timed(engine.check)
        print(f"check again (nothing changed): {again_s * 1000:.1f} ms")
        if args.scan:
            from lorapan.core.analysis.analyzer import Analyzer

            _, scan_s = timed(lambda: Analyzer(ds.root, ds.state_dir).run(list(ds.items)))
            print(f"analyzer run (fills the cache): {scan_s:.1f} s")
            inputs, load_s = timed(lambda: load_inputs(ds))
            facts, groups = inputs.facts, inputs.clone_groups
            print(f"load cached analysis + clone groups: {load_s:.2f} s")
        else:
            facts, groups = synthetic_facts(ds), []
        ds.listeners.clear()  # only the engine with facts follows the edits below
        engine2, build2_s = timed(lambda: RulesEngine(ds, facts=facts, clone_groups=groups))
        report2, check2_s = timed(engine2.check)
        print(
            f"with image facts: engine build {build2_s:.2f} s, first check {check2_s * 1000:.0f} ms "
            f"({len(report2.findings)} findings; {report2.readiness.summary})"
        )
        engine_ms, total_ms = bench_edits(ds, engine2, args.edits)
        print(f"per single-tag edit, engine recompute + report: {describe(engine_ms)}")
        print(f"per single-tag edit, whole apply (journal, write, recompute): {describe(total_ms)}")
        bench_readiness(ds, engine2)
        bench_scores(ds, engine2)


def bench_readiness(ds: Dataset, engine: RulesEngine) -> None:
    from lorapan.core.rules.readiness import SizeTable, step_facts

    plans = [timed(lambda: step_facts(ds, engine._sizes))[1] * 1000 for _ in range(10)]
    print(f"readiness plan (build_plan, sizes known): {describe(plans)}")
    table = SizeTable()
    _, header_s = timed(lambda: table.sync(ds, None))
    print(f"sizes from headers, every image (no analysis cache): {header_s:.2f} s")
    marks: dict[str, float] = {}
    ds.listeners.insert(0, lambda rels, reason: marks.__setitem__("start", time.perf_counter()))
    engine.subscribe(lambda report: marks.__setitem__("end", time.perf_counter()))

    def engine_ms() -> float:
        return (marks["end"] - marks["start"]) * 1000

    rel = next(iter(ds.items))
    src = ds.items[rel].image_path
    dst = src.with_name("zz-added" + src.suffix)
    dst.write_bytes(src.read_bytes())
    new_rel = rel.rsplit("/", 1)[0] + "/" + dst.name if "/" in rel else dst.name
    _, add_s = timed(lambda: ds.refresh_paths([new_rel]))
    report = engine.check()
    print(
        f"one image added: refresh_paths {add_s * 1000:.0f} ms, of which the engine "
        f"(in place, one header read, new plan) {engine_ms():.1f} ms ({report.readiness.images} images)"
    )
    dst.unlink()
    _, rm_s = timed(lambda: ds.refresh_paths([new_rel]))
    print(
        f"one image removed: refresh_paths {rm_s * 1000:.0f} ms, of which the engine {engine_ms():.1f} ms"
    )


def bench_scores(ds: Dataset, engine: RulesEngine) -> None:
    rng = random.Random(9)
    rare = [f"rare element {i}" for i in range(40)]
    scores = {rel: {"smile": 0.9, rng.choice(rare): 0.8} for rel in ds.items}
    _, first_s = timed(lambda: engine.set_scores(scores, {}))
    one = dict(scores)
    rel = next(iter(ds.items))
    one[rel] = {"smile": 0.9, "another rare element": 0.9}
    _, again_s = timed(lambda: engine.set_scores(one, {}))
    print(
        f"set_scores: first {first_s * 1000:.0f} ms, again with one image changed "
        f"{again_s * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()

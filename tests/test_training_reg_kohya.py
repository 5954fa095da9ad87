"""Class images against a real sd-scripts (marked ``kohya``; see ``test_training_kohya``).

sd-scripts' own dataset build (no model load) counts the batches of plans with
``is_reg`` subsets: fewer class images than the training images with repeats (raised),
more (some left out), two class folders with their own repeats and a step target, and
``reg/`` itself holding uncaptioned images with no class token.
"""

from __future__ import annotations

import pytest
from lorapan.core.training.config import build_plan
from lorapan.core.training.inputs import load_inputs
from lorapan.core.training.runs import new_run_dir
from lorapan.core.training.trainer_check import checks_for, run_checks
from reg_sets import class_images, train_images, write_settings
from test_training_kohya import install, training_table

pytestmark = [pytest.mark.kohya, pytest.mark.serial]

SMALL = {"enableBucket": True, "resolution": 256}
CASES = {
    "raised": (
        [("img/3_gob", 6)],
        [("reg/1_man", 4, 2)],
        {"targetSteps": 0, "maxTrainEpochs": 2, "numRepeats": "folder", "trainBatchSize": 2},
    ),
    "left out": (
        [("img/2_gob", 5)],
        [("reg/1_man", 17, 0)],
        {"targetSteps": 0, "maxTrainEpochs": 1, "numRepeats": "folder", "trainBatchSize": 3},
    ),
    "two folders, target": (
        [("img/3_gob", 6)],
        [("regularization/2_man", 5, 0), ("regularization/1_woman", 3, 3)],
        {"targetSteps": 40, "maxTrainEpochs": 1, "trainBatchSize": 3},
    ),
    "reg root, no captions": (
        [("train", 6)],
        [("reg", 7, 0)],
        {"targetSteps": 0, "maxTrainEpochs": 1, "numRepeats": 4, "trainBatchSize": 4},
    ),
}


def test_sd_scripts_counts_the_class_images_batches_lorapan_predicts(tmp_path):
    inst = install()
    plans = []
    for i, (train, reg, params) in enumerate(CASES.values()):
        root = tmp_path / f"set{i}"
        for folder, n in train:
            train_images(root / folder, n)
        for k, (folder, n, captioned) in enumerate(reg):
            class_images(root / folder, n, captioned=captioned, offset=k + 1)
        write_settings(root, training=training_table(inst, **SMALL, **params))
        plans.append(build_plan(load_inputs(root), new_run_dir(root, False)))
    verdicts = run_checks(plans, timeout=1200)
    for name, plan, verdict in zip(CASES, plans, verdicts, strict=True):
        assert verdict.ok, f"{name}: sd-scripts {verdict.stage}: {verdict.error}"
        facts = verdict.facts
        assert facts["batches_per_epoch"] == plan.steps.batches_per_epoch, name
        assert facts["total_steps"] == plan.steps.total_steps, name
        assert facts["images_with_repeats"] == plan.steps.images_with_repeats, name
        reg = [s for s in plan.dataset_config["datasets"][0]["subsets"] if s.get("is_reg")]
        assert reg and plan.steps.reg_images > 0, name
        problems = [c.message for c in checks_for(plan, verdict) if c.level != "info"]
        assert problems == [], f"{name}: {problems}"
    # the batches a class folder adds are real: without raising they would be far fewer
    raised = plans[0].steps
    assert raised.batches_per_epoch > raised.images_with_repeats / 2 + 2

"""Model folders, tag lists, providers and finding models, with real onnxruntime sessions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from conftest import require_shared
from lorapan.core.tagger.labels import CHARACTER, GENERAL, RATING, TagListError, read_tag_csv
from lorapan.core.tagger.model import (
    ModelError,
    TaggerModel,
    choose_providers,
    find_models,
    models_dir,
    resolve_model,
)
from onnx_models import SIZE, TAGS, make_model_dir, nchw_graph, write_csv


@pytest.fixture(autouse=True)
def user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the user data directory (platformdirs, XDG on Linux) into tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def test_real_v3_tag_list_reads_with_categories_by_row() -> None:
    tags = read_tag_csv(require_shared("data", "wd-v3-selected_tags.csv"))
    assert len(tags) == 10861
    assert tags.names[:4] == ("general", "sensitive", "questionable", "explicit")
    assert len(tags.indices(RATING)) == 4
    assert len(tags.indices(GENERAL)) == 8106
    assert len(tags.indices(CHARACTER)) == 2751
    assert tags.category_name(int(tags.indices(CHARACTER)[0])) == "character"


def test_messy_csv_reads_like_the_plain_one(tmp_path: Path) -> None:
    write_csv(tmp_path / "plain.csv")
    write_csv(tmp_path / "messy.csv", style="messy")
    assert b"\r\n\r\n" in (tmp_path / "messy.csv").read_bytes()
    plain, messy = read_tag_csv(tmp_path / "plain.csv"), read_tag_csv(tmp_path / "messy.csv")
    assert messy.names == plain.names == tuple(t[0] for t in TAGS)
    assert (messy.categories == plain.categories).all()


def test_csv_without_the_expected_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "selected_tags.csv"
    path.write_text("id,label\n1,red\n")
    with pytest.raises(TagListError, match="tag_id,name,category,count"):
        read_tag_csv(path)


def test_csv_with_a_bad_category_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "selected_tags.csv"
    path.write_text("tag_id,name,category,count\n1,red,0,5\n2,blue,zero,5\n")
    with pytest.raises(TagListError, match="line 3"):
        read_tag_csv(path)


def test_model_input_is_read_from_the_model(tmp_path: Path) -> None:
    model = TaggerModel.open(make_model_dir(tmp_path, size=40))
    assert (model.spec.name, model.spec.height, model.spec.width) == ("input", 40, 40)
    assert model.spec.fixed_batch is None
    assert model.batch_size(8) == 8
    assert len(model.tags) == len(TAGS)


def test_messy_csv_model_opens(tmp_path: Path) -> None:
    model = TaggerModel.open(make_model_dir(tmp_path, csv_style="messy"))
    assert model.tags.names[4] == "red"


def test_fixed_batch_model_runs_any_number_of_images(tmp_path: Path) -> None:
    fixed = TaggerModel.open(make_model_dir(tmp_path, "fixed", batch=1))
    dynamic = TaggerModel.open(make_model_dir(tmp_path, "dynamic"))
    assert fixed.spec.fixed_batch == 1
    assert fixed.batch_size(8) == 1
    rng = np.random.default_rng(0)
    batch = rng.uniform(0, 255, (3, SIZE, SIZE, 3)).astype(np.float32)
    out = fixed.run(batch)
    assert out.shape == (3, len(TAGS))
    np.testing.assert_allclose(out, dynamic.run(batch), rtol=1e-5)


def test_output_width_mismatch_is_refused_with_both_counts(tmp_path: Path) -> None:
    folder = make_model_dir(tmp_path, extra_outputs=3)
    with pytest.raises(ModelError) as err:
        TaggerModel.open(folder)
    assert f"{len(TAGS) + 3} scores" in str(err.value)
    assert f"{len(TAGS)} tags" in str(err.value)


def test_nchw_model_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "nchw"
    folder.mkdir()
    onnx.save(nchw_graph(), str(folder / "model.onnx"))
    write_csv(folder / "selected_tags.csv")
    with pytest.raises(ModelError, match="NHWC"):
        TaggerModel.open(folder)


def test_corrupt_onnx_file_is_a_clear_error(tmp_path: Path) -> None:
    folder = make_model_dir(tmp_path)
    (folder / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="onnxruntime cannot load it"):
        TaggerModel.open(folder)


def test_provider_in_use_is_reported(tmp_path: Path) -> None:
    model = TaggerModel.open(make_model_dir(tmp_path))
    assert model.provider == model.session.get_providers()[0]
    assert model.provider == "CPUExecutionProvider"  # this machine has no GPU provider


def test_providers_are_tried_cuda_rocm_coreml_then_cpu() -> None:
    available = ["CPUExecutionProvider", "CoreMLExecutionProvider", "AzureExecutionProvider"]
    assert choose_providers(available) == ["CoreMLExecutionProvider", "CPUExecutionProvider"]
    available += ["ROCMExecutionProvider", "CUDAExecutionProvider"]
    assert choose_providers(available)[:2] == ["CUDAExecutionProvider", "ROCMExecutionProvider"]


def test_find_models_in_user_data_and_extra_paths(tmp_path: Path, user_data: Path) -> None:
    assert models_dir() == user_data / "lorapan" / "models"
    make_model_dir(models_dir(), "wd-vit-tagger-v3")
    other = make_model_dir(tmp_path / "elsewhere", "custom")
    (models_dir() / "not-a-model").mkdir()
    found = find_models([other])
    assert [p.name for p in found] == ["wd-vit-tagger-v3", "custom"]


def test_resolve_model_without_any_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as err:
        resolve_model(None)
    assert "no tagger model found" in str(err.value)
    assert "huggingface-cli download SmilingWolf/wd-vit-tagger-v3 model.onnx selected_tags.csv" in (
        err.value.hint or ""
    )
    assert str(models_dir()) in (err.value.hint or "")


def test_resolve_model_prefers_explicit_then_setting_then_single_found(tmp_path: Path) -> None:
    installed = make_model_dir(models_dir(), "installed")
    explicit = make_model_dir(tmp_path, "explicit")
    assert resolve_model(explicit, None) == explicit
    assert resolve_model(None, str(explicit)) == explicit
    assert resolve_model(None, None) == installed
    with pytest.raises(ModelError, match="missing model.onnx"):
        resolve_model(tmp_path / "nothing-here")

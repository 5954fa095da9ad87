"""A reg_folders edit in lorapan.toml is taken by the open app: the list follows."""

from __future__ import annotations

from app_helpers import SIZE, app_for, build_dataset, files, settle, wait_for


async def test_naming_a_class_folder_in_lorapan_toml_takes_its_images_out_of_the_list(
    tmp_path,
):
    root = build_dataset(tmp_path / "ds")
    build_dataset(root / "priors", {"man_1": "man", "man_2": "man"})
    (root / "lorapan.toml").write_text("[dataset]\nreg_folders = []\n")  # priors/ is data
    app = app_for(root, tmp_path, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert files(app).contains("priors/man_1.png")
        (root / "lorapan.toml").write_text('[dataset]\nreg_folders = ["priors"]\n')
        await wait_for(pilot, lambda: not files(app).contains("priors/man_1.png"), rounds=600)
        assert files(app).contains("img_1.png") and "priors/man_1.png" not in app.dataset.items
        assert [f.path for f in app.dataset.reg_folders] == ["priors"]

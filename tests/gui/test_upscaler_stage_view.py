"""The upscaler stage in the window (issue 27): the Dataset page's Upscaler field with the factor the pictures allow,
the Train view's stage label and upscaler curve after the GAN, and Learn upscaler for a run trained without one."""
from __future__ import annotations

import pytest

from studio.core.upscaler import UpscalerSettings
from studio.session.settings import UPSCALER_MINUTES
from studio.session.training import TrainingState as S

pytestmark = pytest.mark.gui


def _tiny_up():
    return UpscalerSettings(width=8, depth=2, batch=4, eval_every=2)


def test_the_stage_follows_the_gan_with_its_label_and_curve(make_main_window, make_image_folder, tiny_config,
                                                            qtbot, shot):
    data = make_image_folder(8, 128, name="big")                      # 128 px pictures: ×4 for a 32 px model
    w = make_main_window()
    w.resize(1440, 900)
    assert w.new_project(data)
    page = w.project_page
    qtbot.waitUntil(lambda: page.dataset is not None and page.draft.upscale is not None, timeout=60_000)
    assert page.cfg.resolution == 64                                  # the suggestion's size on a CPU: ×2 only
    assert page.w_factor.text() == "×2" and page.w_upscale_note.isVisible()
    assert "too small for ×4 (it needs 256 px)" in page.w_upscale_note.text()
    cpu = page.device_type == "cpu"
    assert page.w_upscaler.value() == UPSCALER_MINUTES["cpu" if cpu else "gpu"]      # the suggestion's minutes
    assert "×2 upscaler" in page.why.text()
    w.show_workspace("dataset")
    shot(w, "dataset-upscaler")
    page.apply_config(tiny_config(data, kimg=200.0, device="cpu", upscaler_minutes=0.05), record=True)
    qtbot.waitUntil(lambda: page.dataset is not None and page.dataset.resolution == 32 and page.draft.upscale
                    and page.draft.upscale.factor == 4, timeout=30_000)
    assert page.w_factor.text() == "×4" and not page.w_upscale_note.isVisible()
    assert page.read_config().upscaler_minutes == 0.05
    tv = w.training_view
    w.studio.training.stage_settings["upscaler"] = _tiny_up()
    page.btn_start.click()
    qtbot.waitUntil(lambda: tv.state == S.TRAINING and tv.btn_finish.isVisible(), timeout=60_000)
    assert not tv.btn_upscaler.isVisible()
    tv.btn_finish.click()                                             # a long GAN: Finish ends it, the stage follows
    labels = []
    qtbot.waitUntil(lambda: labels.append(tv.state_label.text()) or "left" in tv.state_label.text(), timeout=60_000)
    assert labels[-1].startswith("Training the upscaler ×4 — ") and labels[-1].endswith(" left")
    assert not tv.btn_finish.isVisible() and tv.btn_pause.isEnabled() and tv.btn_stop.isEnabled()
    qtbot.waitUntil(lambda: tv.upscaler_curve.isVisible() and len(tv.upscaler_curve.series("val")[0]) >= 2,
                    timeout=30_000)
    shot(w, "train-upscaler-stage")
    x, lanczos = tv.upscaler_curve.series("lanczos")
    assert len(x) >= 2 and (lanczos > 0).all()
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=60_000)
    assert "upscaler is learnt" in tv.state_label.text()
    assert w.studio.project.has_upscaler and not tv.btn_upscaler.isVisible()
    assert w.studio.training.last_kimg < 10 and w.studio.project.checkpoints()         # the GAN ended early, kept


def test_learn_upscaler_for_a_run_trained_without_one(make_main_window, make_image_folder, tiny_config, qtbot,
                                                     tmp_path):
    from studio.core.trainer import Trainer
    data = make_image_folder(8, 128, name="big")
    Trainer.create(tmp_path / "run", tiny_config(data, kimg=0.064), device="cpu").run()     # upscaler_minutes 0
    w = make_main_window()
    w.resize(1360, 860)
    assert w.open_project(tmp_path / "run")
    tv = w.training_view
    w.show_workspace("train")
    assert tv.btn_upscaler.isVisible() and not tv.upscaler_curve.isVisible()
    w.studio.training.stage_settings["upscaler"] = UpscalerSettings(width=8, depth=2, batch=4, eval_every=2, steps=6)
    tv.btn_upscaler.click()
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=60_000)
    assert w.studio.project.has_upscaler and not tv.btn_upscaler.isVisible()
    assert len(tv.upscaler_curve.series("val")[0]) == 3 and tv.upscaler_curve.isVisible()
    assert "upscaler is learnt" in tv.state_label.text()
    qtbot.wait(50)                              # the long sentence is shortened, never widens the window (it did)
    assert w.width() == 1360 and w.minimumSizeHint().width() <= 1360
    assert tv.state_label.toolTip() == tv.state_label.text()
    w2 = make_main_window(show=False)                                 # reopened: the curve comes from the file
    assert w.close_project(ask=False) and w2.open_project(tmp_path / "run")
    assert len(w2.training_view.upscaler_curve.series("val")[0]) == 3

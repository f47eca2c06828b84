"""The whole studio flow on a tiny CPU model: new project → scan → train → pause/resume/stop → reopen."""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from studio.session.training import TrainingState as S

pytestmark = pytest.mark.gui


def _tiny(tiny_config, data, **kw):
    base = dict(kimg=200.0, log_every=2, sample_every_kimg=0.064, checkpoint_every_kimg=0.5, device="cpu")
    base.update(kw)
    return tiny_config(data, **base)


def _new_project_with_tiny_settings(w, qtbot, data, tiny_config, **kw):
    page = w.project_page
    assert w.new_project(data)
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=30_000)
    page.apply_config(_tiny(tiny_config, data, **kw), record=True)
    qtbot.waitUntil(lambda: page.dataset is not None and page.dataset.resolution == 32, timeout=30_000)
    return page


def test_new_project_train_pause_resume_stop_reopen(make_main_window, make_image_folder, tiny_config, qtbot,
                                                    shot, tmp_path):
    data = make_image_folder(30, 48)
    (data / "notes.txt").write_text("not an image")
    w = make_main_window()
    w.resize(1440, 900)
    page = _new_project_with_tiny_settings(w, qtbot, data, tiny_config)
    project = w.project
    assert project is not None and (project / ".lock").exists()
    # scan report: usable count, the skipped file with its reason, thumbnails as the network sees them
    assert page.view.model.rowCount() == 30
    assert page.view.stats["usable"].text() == "30"
    assert page.view.skipped.count() == 1 and "notes.txt" in page.view.skipped.item(0).text()
    pm = page.view.model.data(page.view.model.index(0), Qt.DecorationRole)
    assert not pm.isNull() and pm.width() == 96
    assert page.btn_start.isEnabled()
    w.show_workspace("dataset")
    shot(w, "01-dataset")

    tv = w.training_view
    page.btn_start.click()
    assert w.current_workspace() == "train"
    qtbot.waitUntil(lambda: tv.state == S.TRAINING and len(tv.curves.series("loss_g")[0]) >= 3
                    and tv.samples.view.updates >= 2, timeout=60_000)
    x, y = tv.curves.series("loss_d")
    assert len(x) == len(y) >= 3 and (x[1:] >= x[:-1]).all()
    assert tv.stat_step.text() != "—" and tv.stat_images.text().endswith("/ 200.0 k")
    frame = tv.samples.image()
    assert frame is not None and frame.width() == 2 * 32 + 3 * 2
    shot(w, "02-training")

    tv.btn_pause.click()
    assert tv.state == S.PAUSED and tv.btn_start.text().strip() == "Resume"
    qtbot.waitUntil(lambda: tv.session.paused, timeout=10_000)
    time.sleep(0.3)
    qtbot.wait(100)
    step = tv.session.step
    qtbot.wait(400)
    assert tv.session.step <= step + 1           # at most the step in flight finishes
    shot(w, "03-paused")
    tv.btn_start.click()                                # Resume
    assert tv.state == S.TRAINING
    n = len(tv.curves.series("loss_g")[0])
    qtbot.waitUntil(lambda: len(tv.curves.series("loss_g")[0]) > n + 2, timeout=60_000)

    tv.btn_stop.click()
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=60_000)
    assert "Stopped" in tv.state_label.text()
    assert list((project / "checkpoints").glob("ckpt-*.safetensors"))
    points = len(tv.curves.series("loss_g")[0])
    samples = len(tv.samples.samples)
    assert samples >= 2 and tv.samples.scrubber.isEnabled()
    tv.samples.scrubber.setValue(0)                             # scrub back to the first grid
    assert not tv.samples.btn_live.isChecked() and "1 of" in tv.samples.label.text()
    shot(w, "04-stopped-scrubbed")

    assert w.close_project()
    assert w.project is None and not (project / ".lock").exists()
    assert w.open_project(project)
    assert w.current_workspace() == "train"
    assert len(tv.curves.series("loss_g")[0]) == points
    assert len(tv.samples.samples) == samples
    assert tv.btn_start.text().strip() == "Resume" and tv.btn_start.isEnabled()
    assert not page.btn_start.isEnabled()               # settings are fixed once trained
    shot(w, "05-reopened")

    tv.btn_start.click()                                # resume from the checkpoint
    qtbot.waitUntil(lambda: len(tv.curves.series("loss_g")[0]) > points + 1, timeout=60_000)
    tv.btn_stop.click()
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=60_000)
    assert str(project) in w.recent_projects()


def test_event_loop_never_stalls_during_cpu_training(make_main_window, make_image_folder, tiny_config, qtbot):
    from PySide6.QtCore import QElapsedTimer, QTimer
    data = make_image_folder(24, 40)
    w = make_main_window()
    page = _new_project_with_tiny_settings(w, qtbot, data, tiny_config, width=16, batch=32)
    tv = w.training_view
    clock = QElapsedTimer()
    clock.start()
    gaps, last = [], [clock.elapsed()]

    def tick():
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now
    timer = QTimer(interval=10, timeout=tick)
    page.request_start()
    timer.start()
    qtbot.waitUntil(lambda: tv.state == S.TRAINING and len(tv.curves.series("loss_g")[0]) >= 5, timeout=60_000)
    qtbot.wait(2000)
    timer.stop()
    tv.stop()
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=60_000)
    assert len(gaps) > 20
    assert max(gaps) < 1000, f"the UI thread stalled for {max(gaps)} ms"


def test_training_failure_shows_a_dialog(make_main_window, make_image_folder, tiny_config, qtbot):
    data = make_image_folder(12, 40)
    w = make_main_window()
    page = _new_project_with_tiny_settings(w, qtbot, data, tiny_config)
    for p in list(data.iterdir()):
        p.unlink()                                       # the folder empties before training starts
    page.request_start()
    tv = w.training_view
    qtbot.waitUntil(lambda: tv.shown_state == S.FAILED and tv.failure_dialog is not None, timeout=30_000)
    assert tv.failure_dialog.isVisible()
    assert "No files" in tv.failure_dialog.text() or "No usable" in tv.failure_dialog.text()
    assert any(level == "error" for level, _ in w.log.messages())
    tv.failure_dialog.close()


def test_preferences_device_is_used_and_a_missing_gpu_is_explained(make_main_window, make_image_folder,
                                                                   tiny_config, qtbot):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the missing-GPU message cannot be shown")
    w = make_main_window()
    w.studio.set_prefs(w.studio.prefs.replace(device="cuda"))
    page = _new_project_with_tiny_settings(w, qtbot, make_image_folder(12, 40), tiny_config)
    page.request_start()
    tv = w.training_view
    qtbot.waitUntil(lambda: tv.shown_state == S.FAILED and tv.failure_dialog is not None, timeout=30_000)
    assert "CUDA" in tv.failure_dialog.text() and "Preferences" in tv.failure_dialog.text()
    tv.failure_dialog.close()


def test_dataset_page_says_why_and_starts_from_a_model(make_main_window, make_image_folder, tiny_config, qtbot,
                                                       monkeypatch, tmp_path, shot):
    """The suggestion comes with its reasons; "Start from…" takes a matching model and refuses another with the
    sentence that says what differs (Start stays off), and the run really starts from it."""
    from PySide6.QtWidgets import QFileDialog

    from studio.core.trainer import Trainer
    data = make_image_folder(30, 48)
    w = make_main_window()
    w.resize(1440, 900)
    assert w.new_project(data)
    page = w.project_page
    qtbot.waitUntil(lambda: page.dataset is not None and page.cfg.arch == "projected", timeout=60_000)
    why = page.why.text()
    assert "30 images" in why and "Projected GAN" in why and "64 px" in why and "Augmentation on" in why
    page.apply_config(_tiny(tiny_config, data), record=True)            # tiny dcgan 32 px for a quick run
    qtbot.waitUntil(lambda: page.dataset is not None and page.dataset.resolution == 32, timeout=30_000)
    # a model that does not fit: the sentence, Start off
    other = Trainer.create(tmp_path / "other", tiny_config(data, resolution=64), device="cpu")
    other.run()
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "other" / "best.safetensors")
                                                      if (tmp_path / "other" / "best.safetensors").exists() else
                                                      str(sorted((tmp_path / "other" / "checkpoints").glob("*"))[-1]),
                                                      "")))
    qtbot.mouseClick(page.btn_init, Qt.LeftButton)
    assert "64 px" in page.hint.text() and "32 px" in page.hint.text() and not page.btn_start.isEnabled()
    shot(w, "dataset-start-from-mismatch")
    qtbot.mouseClick(page.btn_init_clear, Qt.LeftButton)                 # New: from scratch again
    assert page.cfg.init_from == "" and page.btn_start.isEnabled()
    # a matching one: accepted, shown by its project's name; New takes it back
    same = Trainer.create(tmp_path / "same", tiny_config(data), device="cpu")
    same.run()
    ckpt_file = sorted((tmp_path / "same" / "checkpoints").glob("*.safetensors"))[-1]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(ckpt_file), "")))
    qtbot.mouseClick(page.btn_init, Qt.LeftButton)
    assert page.cfg.init_from == str(ckpt_file) and "same" in page.w_init.full_text() and page.btn_start.isEnabled()
    page.history.undo()
    assert page.cfg.init_from == "" and page.w_init.full_text() == "A new model"
    page.history.redo()
    assert page.cfg.init_from == str(ckpt_file)
    tv = w.training_view
    page.btn_start.click()
    qtbot.waitUntil(lambda: tv.state == S.TRAINING, timeout=60_000)
    qtbot.waitUntil(lambda: any("Starting from" in w.log.item(i).text() for i in range(w.log.count())),
                    timeout=30_000)
    tv.btn_stop.click()
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=60_000)


def _caption_step(tv) -> int:
    return int(tv.samples.label.text().split()[1].replace(",", ""))


def test_header_step_agrees_with_the_sample_grid(make_main_window, make_image_folder, tiny_config, qtbot):
    """Issue 26: the header said STEP 90 while the grid said step 91 (metrics every log_every steps, samples
    between them)."""
    data = make_image_folder(24, 40)
    w = make_main_window()
    page = _new_project_with_tiny_settings(w, qtbot, data, tiny_config, log_every=25, sample_every_kimg=0.032)
    tv = w.training_view
    qtbot.mouseClick(page.btn_start, Qt.LeftButton)
    qtbot.waitUntil(lambda: tv.state == S.TRAINING and tv.samples.view.updates >= 4 and tv.last_step
                    and tv.last_step > 25, timeout=60_000)
    qtbot.mouseClick(tv.btn_pause, Qt.LeftButton)
    qtbot.waitUntil(lambda: tv.session.paused, timeout=10_000)
    qtbot.wait(300)
    header = int(tv.stat_step.text().replace(",", ""))
    newest = tv.samples.samples[-1][0]
    assert _caption_step(tv) == newest and header >= newest      # never behind the grid it shows
    qtbot.mouseClick(tv.btn_stop, Qt.LeftButton)
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=60_000)
    assert int(tv.stat_step.text().replace(",", "")) == _caption_step(tv)


def test_a_new_run_shows_samples_early(make_main_window, make_image_folder, tiny_config, qtbot):
    """Issue 26: with the default cadence (2 kimg) the step-0 noise stayed up for the first 2,000 images."""
    data = make_image_folder(24, 40)
    w = make_main_window()
    page = _new_project_with_tiny_settings(w, qtbot, data, tiny_config, log_every=2, sample_every_kimg=2.0,
                                           kimg=0.9)
    tv = w.training_view
    qtbot.mouseClick(page.btn_start, Qt.LeftButton)
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=120_000)
    steps = [s for s, _ in tv.samples.samples]
    images = [s * 16 for s in steps]                             # batch 16
    assert images[0] == 0 and images[-1] >= 900                  # step 0 and the end, as before …
    for m in (200, 400, 800):                                    # … and a grid soon after each early mark
        assert any(m <= n < m + 2 * 16 for n in images), (m, images)

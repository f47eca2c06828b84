"""Every preference does what its label says: the export folder is where exports go, the Inception weights
add true FID to the training metrics (window and command line alike), the device is the device used."""
from __future__ import annotations

import json
import warnings

import pytest
import torch

from studio.cli import main

pytestmark = pytest.mark.gui


@pytest.fixture
def fake_inception(tmp_path):
    """A TorchScript file with the StyleGAN2-ADA Inception's call convention (N, 2048 features): the real one
    is not on this machine, the code path is the same."""
    class FakeInception(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(48, 2048)

        def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
            return self.proj(torch.nn.functional.adaptive_avg_pool2d(x / 255.0, 4).flatten(1))
    torch.manual_seed(0)
    path = tmp_path / "inception-2015-12-05.pt"
    with warnings.catch_warnings():                      # torch.jit is deprecated; it is this file's format
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(FakeInception()), str(path))
    return path


@pytest.fixture
def quick_quality(monkeypatch):
    """Quality measured at once on 8 images (the real schedule waits minutes on a CPU)."""
    import studio.core.metrics as metrics
    real = metrics.QualityMonitor

    class Quick(real):
        def __init__(self, **kw):
            super().__init__(count=8, real_count=8, first_after_sec=0.0, min_every_kimg=1000.0, **kw)
    monkeypatch.setattr(metrics, "QualityMonitor", Quick)


def _fid_records(run) -> list:
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    return [r["fid"] for r in lines if r.get("kind") == "quality" and "fid" in r]


@pytest.mark.slow
def test_inception_weights_add_fid_in_the_window_and_on_the_command_line(make_main_window, make_image_folder,
                                                                         tiny_config, fake_inception, quick_quality,
                                                                         qtbot, tmp_path):
    from studio.session.training import TrainingState as S
    data = make_image_folder(16, 40)
    assert main(["train", str(data), "--out", str(tmp_path / "cli"), "--resolution", "32", "--width", "8",
                 "--batch", "8", "--kimg", "0.05", "--inception", str(fake_inception)]) == 0
    assert _fid_records(tmp_path / "cli")
    w = make_main_window()
    w.studio.set_prefs(w.studio.prefs.replace(feature_weights=str(fake_inception)))
    assert w.new_project(data)
    page = w.project_page
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=30_000)
    page.apply_config(tiny_config(data, kimg=0.05, checkpoint_min_sec=0), record=True)
    qtbot.waitUntil(lambda: page.dataset is not None and page.dataset.resolution == 32, timeout=30_000)
    page.request_start()
    tv = w.training_view
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=120_000)
    assert _fid_records(w.project)


def test_the_export_folder_is_where_every_export_dialog_starts(make_main_window, trained_run, qtbot, tmp_path,
                                                              monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    starts = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: starts.append(a[2]) or ("", "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: starts.append(a[2]) or ""))
    w = make_main_window()
    out = tmp_path / "my exports"
    w.studio.set_prefs(w.studio.prefs.replace(export_dir=str(out)))
    assert w.open_project(trained_run)
    w.show_workspace("train")
    w.export()                                                    # the sample grid
    ex = w.workspace("explore")
    w.open_model(trained_run)
    qtbot.waitUntil(lambda: ex.model is not None and ex.canvas.image is not None, timeout=30_000)
    w.export()                                                    # the image in Explore
    w.show_workspace("animate")
    anim = w.workspace("animate")
    anim.export_card.fmt.setCurrentIndex(anim.export_card.fmt.findData("gif"))
    anim.export_card.export()                                     # no file chosen yet: the dialog opens
    anim.export_card.export_timelapse()
    assert len(starts) == 4 and all(str(s).startswith(str(out)) for s in starts), starts
    ex.shutdown()

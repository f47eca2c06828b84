"""Dropped kinds shown, not hidden (issue 28): the Train view's Quality plot has coverage beside KID, and the
Missing strip shows the training pictures the newest measurement found no sample near, live and after reopening."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QSizePolicy

from studio.core.events import Quality
from studio.gui.widgets.curves import CurvePanel

pytestmark = pytest.mark.gui


def test_coverage_is_drawn_beside_kid_on_its_own_axis(qtbot):
    panel = CurvePanel()
    qtbot.addWidget(panel)
    panel.add_records([{"kind": "quality", "kimg": k, "kid": 0.05 / (k + 1), "coverage": 0.2 + 0.1 * k}
                       for k in range(3)])
    panel.refresh()
    names = panel.legend_names(panel.quality_plot)
    assert any(n.startswith("KID") and "lower is better" in n for n in names)
    assert any(n.startswith("Coverage") and "higher is better" in n for n in names)
    assert list(panel.series("coverage")[1]) == pytest.approx([20, 30, 40])          # in %
    assert panel.quality_plot.getAxis("right").isVisible()
    assert "coverage" in panel.quality_plot.getAxis("right").labelText
    assert panel.right_view.viewRange()[1][0] <= 0 and panel.right_view.viewRange()[1][1] >= 100
    cov_curve = panel._curves["q:coverage"][1]
    assert cov_curve in panel.right_view.addedItems                                  # KID's axis stays KID's
    assert cov_curve not in panel.quality_plot.listDataItems()
    panel.theme_changed()                                                             # rebuilt: still there once
    assert list(panel.series("coverage")[1]) == pytest.approx([20, 30, 40])
    assert sum(1 for i in panel.glw.scene().items() if i is panel.right_view) == 1


def _project_with_a_scan(tmp_path, make_image_folder, tiny_config):
    """A project whose folder was scanned and cached, as a training run leaves it (scan.json beside the cache)."""
    from studio.session.project import Project
    data = make_image_folder(12, 32)
    cfg = tiny_config(data)
    project = Project.create(tmp_path / "proj", cfg)
    dataset = project.scan(cfg)
    project.run.scan_file.write_text(json.dumps(dataset.report.to_dict()), encoding="utf-8")
    return project, np.array(dataset.images), dataset.report.usable


def test_the_missing_strip_shows_the_pictures_live_and_after_reopening(make_main_window, make_image_folder,
                                                                      tiny_config, tmp_path, qtbot, shot):
    project, images, names = _project_with_a_scan(tmp_path, make_image_folder, tiny_config)
    path = project.path
    w = make_main_window()
    w.resize(1440, 900)
    width = w.width()
    assert w.open_project(path)
    tv = w.training_view
    w.show_workspace("train")
    assert not tv.missing.isVisible()                                     # no measurement yet
    rec = {"kind": "quality", "step": 40, "kimg": 0.64, "kid": 0.04, "coverage": 0.25, "n_real": 12,
           "missing": [7, 2, 11], "missing_far": [3.52, 2.0, 1.25]}
    tv.inbox.put(Quality(40, 0.64, rec))
    tv.drain()
    QApplication.processEvents()

    def check():
        assert tv.missing.isVisible()
        thumbs = tv.missing.thumbs
        assert [t.toolTip().splitlines()[0] for t in thumbs] == [names[7], names[2], names[11]]
        assert "3.5×" in thumbs[0].toolTip() and "1.2×" in thumbs[2].toolTip()
        assert all(t.isVisible() for t in thumbs)
        shown = thumbs[0].pixmap().toImage()
        from studio.gui.widgets.image_view import qimage_to_array
        got = qimage_to_array(shown.scaled(32, 32))[..., :3]
        assert np.abs(got.astype(int) - images[7]).mean() < 8                    # picture 7, not another one
        assert np.abs(got.astype(int) - images[2]).mean() > np.abs(got.astype(int) - images[7]).mean()
        assert "75%" in tv.missing.heading.text()
    check()
    assert w.width() == width                                             # the strip never widens the window
    shot(w, "train-missing-strip")
    project.run.append_metrics(rec)
    assert w.close_project(ask=False)
    assert not tv.missing.isVisible()
    assert w.open_project(path)
    w.show_workspace("train")
    QApplication.processEvents()
    check()                                                               # read back from metrics.jsonl
    tv.inbox.put(Quality(80, 1.28, {**rec, "step": 80, "kimg": 1.28, "coverage": 1.0, "missing": [],
                                    "missing_far": []}))
    tv.drain()
    assert tv.missing.isVisible() and not tv.missing.thumbs and "none" in tv.missing.heading.text()


def test_the_strip_shows_what_fits_and_names_pictures_it_cannot_show(qtbot):
    from studio.gui.widgets.missing_strip import THUMB, MissingStrip
    strip = MissingStrip()
    qtbot.addWidget(strip)
    picture = np.zeros((32, 32, 3), np.uint8)
    strip.show_pictures([(f"p{i}.png", picture, 3.0 - 0.1 * i) for i in range(7)] + [("gone.png", None, 1.5)], 0.4)
    strip.resize(4 * THUMB, strip.sizeHint().height())
    strip.show()
    qtbot.waitExposed(strip)
    shown = [t for t in strip.thumbs if t.isVisible()]
    assert 1 <= len(shown) < 8 and shown == strip.thumbs[:len(shown)]        # the worst first, whole ones only
    assert all(t.geometry().right() < strip.width() for t in shown)
    strip.resize(12 * THUMB, strip.height())
    qtbot.waitUntil(lambda: all(t.isVisible() for t in strip.thumbs))
    assert strip.thumbs[-1].text() == "?" and strip.thumbs[-1].toolTip().startswith("gone.png\n")
    assert strip.sizePolicy().horizontalPolicy() == QSizePolicy.Ignored    # its layout never widens for it

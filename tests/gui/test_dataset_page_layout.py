"""The Dataset page's layout: Start training always in view; the architecture's text never cut."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def _page_shown(make_main_window, make_image_folder, qtbot):
    w = make_main_window()                                       # the default window size
    assert w.new_project(make_image_folder(6, 48))
    w.show_workspace("dataset")
    page = w.project_page
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=30_000)
    qtbot.waitExposed(w)
    return w, page


def test_start_training_is_in_view_in_a_default_sized_window(make_main_window, make_image_folder, qtbot):
    w, page = _page_shown(make_main_window, make_image_folder, qtbot)
    btn = page.btn_start
    assert btn.isVisible() and btn.isEnabled()
    visible = btn.visibleRegion().boundingRect()                 # not clipped away by a scroll area
    assert visible.height() == btn.height() and visible.width() == btn.width()
    assert btn.mapTo(w, btn.rect().bottomRight()).y() < w.height()
    w.resize(w.width(), 600)                                     # a shorter window: still there
    qtbot.wait(50)
    assert btn.visibleRegion().boundingRect().height() == btn.height()


def test_the_architecture_combo_shows_its_longest_label_whole(make_main_window, make_image_folder, qtbot):
    w, page = _page_shown(make_main_window, make_image_folder, qtbot)
    combo = page.w_arch
    fm = combo.fontMetrics()
    longest = max(fm.horizontalAdvance(combo.itemText(i)) for i in range(combo.count()))
    assert combo.sizeHint().width() > longest                    # the hint fits the text (plus arrow and frame)
    assert combo.width() >= combo.sizeHint().width()             # and the panel gives it that width
    assert combo.visibleRegion().boundingRect().width() == combo.width()   # none of it hidden at the edge

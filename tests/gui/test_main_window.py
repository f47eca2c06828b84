"""Main window: the integration contract, persistence, projects, errors and the lock."""
from __future__ import annotations

import json
import os
import socket

import pytest
from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMessageBox

pytestmark = pytest.mark.gui


def test_contract_workspaces_panels_messages(make_main_window, qtbot, shot):
    w = make_main_window()
    seen = []
    w.project_changed.connect(seen.append)
    page = QLabel("hello")
    w.add_workspace("extra", "Extra", page)
    w.show_workspace("extra")
    assert w.current_workspace() == "extra" and w.workspace("extra") is page
    with pytest.raises(ValueError):
        w.add_workspace("extra", "Again", QLabel())
    dock = QDockWidget("Tools", w)
    dock.setWidget(QLabel("tools"))
    w.add_panel(dock)
    assert "Tools" in [a.text() for a in w._panels_menu.actions()]
    w.show_message("Disk nearly full", "warning")
    assert ("warning", "Disk nearly full") in w.log.messages()
    assert w.statusBar().currentMessage() == "Disk nearly full"
    menus = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Help"]
    assert w.act_new.shortcut().toString() == "Ctrl+N" and w.act_open.shortcut().toString() == "Ctrl+O"
    qtbot.waitUntil(lambda: w.device_name != "", timeout=30_000)
    assert "CPU" in w.device_name or "CUDA" in w.device_name or "MPS" in w.device_name
    assert w.project is None and seen == []
    w.show_workspace("train")
    shot(w, "00-train-empty")


def test_open_model_routes_to_explore_and_loads_off_the_ui_thread(make_main_window, qtbot, monkeypatch):
    """open_model shows Explore at once; reading and hashing the file happen on a worker, not on the UI thread."""
    import threading

    from studio.core import checkpoint
    from studio.core.demo_data import demo_model_path
    w = make_main_window()
    ex = w.workspace("explore")
    assert ex is not None and ex.model is None
    threads = []
    real = checkpoint.file_identity
    monkeypatch.setattr(checkpoint, "file_identity",
                        lambda path: threads.append(threading.current_thread()) or real(path))
    w.open_model(demo_model_path())
    assert w.current_workspace() == "explore"
    qtbot.waitUntil(lambda: ex.model is not None, timeout=30_000)
    assert ex.model.path == demo_model_path() and w.studio.explorer.model is ex.model
    assert threads and threading.main_thread() not in threads
    ex.shutdown()


def test_layout_theme_and_recent_persist(make_main_window, settings_path, make_image_folder, tiny_config, tmp_path):
    from studio.core.run import RunFolder
    w = make_main_window()
    w.set_theme("light")
    w.findChild(QDockWidget, "MessagesPanel").hide()
    run = RunFolder(tmp_path / "proj").create(tiny_config(make_image_folder(4)))
    assert w.open_project(run.path)
    assert w.project == run.path and w.windowTitle().startswith("proj")
    w.close()
    s = QSettings(str(settings_path), QSettings.IniFormat)
    assert s.value("theme") == "light"
    assert str(run.path) in (s.value("recent") or [])
    w2 = make_main_window(settings=s)
    assert s.value("window/geometry") is not None
    assert w2.findChild(QDockWidget, "MessagesPanel").isHidden()      # dock layout restored
    assert str(run.path) in w2.recent_projects()
    w2.set_theme("dark")


def test_not_a_project_and_locked_project_say_what_to_do(make_main_window, tmp_path, tiny_config,
                                                          make_image_folder):
    from studio.core.run import RunFolder
    w = make_main_window()
    (tmp_path / "plain").mkdir()
    assert not w.open_project(tmp_path / "plain")
    assert isinstance(w.projects.last_dialog, QMessageBox) and "not a GAN Studio project" in w.projects.last_dialog.text()
    w.projects.last_dialog.close()
    run = RunFolder(tmp_path / "busy").create(tiny_config(make_image_folder(4)))
    run.lock_file.write_text(json.dumps({"pid": os.getppid(), "host": socket.gethostname(), "time": 0}))
    assert not w.open_project(run.path)
    assert "in another GAN Studio" in w.projects.last_dialog.text() and w.project is None
    w.projects.last_dialog.close()


def test_empty_folder_reports_no_images_and_drop_starts_a_project(make_main_window, qtbot, tmp_path):
    w = make_main_window()
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("hi")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(empty))])
    ev = QDropEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    w.dropEvent(ev)
    assert w.project is not None
    page = w.project_page
    qtbot.waitUntil(lambda: bool(page.scan_error), timeout=30_000)
    assert "No usable image" in page.scan_error
    assert not page.btn_start.isEnabled()
    assert any(level == "error" for level, _ in w.log.messages())
    project = w.project
    assert w.close_project()
    assert not project.exists()            # a project that never trained leaves nothing behind


def test_settings_edits_are_undoable(make_main_window, qtbot, make_image_folder):
    w = make_main_window(show=False)
    data = make_image_folder(8, 40)
    assert w.new_project(data)
    page = w.project_page
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=30_000)
    before = page.w_batch.value()
    page.w_augment.setChecked(not page.w_augment.isChecked())
    assert w.current_workspace() == "dataset" and w.act_undo.isEnabled()
    w.act_undo.trigger()
    assert page.w_augment.isChecked() == page.cfg.augment
    assert page.w_batch.value() == before
    assert page.read_config().augment == w.studio.project.config().augment


def test_file_open_model_opens_it_in_the_explorer(make_main_window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from studio.core.demo_data import demo_model_path
    w = make_main_window()
    assert w.act_quit.shortcut().toString() and w.act_open_model.shortcut().toString() == "Ctrl+Shift+O"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(demo_model_path()), "")))
    w.act_open_model.trigger()
    ex = w.workspace("explore")
    qtbot.waitUntil(lambda: ex.model is not None, timeout=30_000)
    assert w.current_workspace() == "explore" and ex.model.path == demo_model_path()
    ex.shutdown()


def test_about_box_says_version_torch_build_and_resources(make_main_window, monkeypatch):
    import studio
    from studio import resources
    shown = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda parent, title, text: shown.append((title, text))))
    w = make_main_window(show=False)
    w.act_about.trigger()
    (title, text), = shown
    assert title == "About GAN Studio" and f"GAN Studio {studio.__version__}" in text
    assert "torch " in text and ("CPU build" in text or "CUDA" in text or "ROCm" in text)
    assert f"{resources.root()} ({resources.origin()})" in text

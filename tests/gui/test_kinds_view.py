"""The Dataset page's Kinds section: a folder with subfolders shows its kinds with their counts; renaming, merging and
ignoring change the run's class_rules (saved with the project, undoable) and the kinds shown; the Kinds choice sets
classes; all of it by keyboard, in a window of the normal size."""
from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.gui

COUNTS = {"blue": 5, "green": 4, "red": 3}


@pytest.fixture
def sorted_folder(tmp_path):
    root = tmp_path / "creatures"
    for name, n in COUNTS.items():
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (48, 48), name).save(root / name / f"{i}.png")
    (root / "empty").mkdir()
    return root


def _page(make_main_window, folder, qtbot):
    w = make_main_window()
    assert w.new_project(folder)
    w.show_workspace("dataset")
    page = w.project_page
    qtbot.waitUntil(lambda: page.dataset is not None and page.view.kinds.isVisible(), timeout=30_000)
    return w, page, page.view.kinds


def shown(kinds) -> dict:
    """{kind: count} of the top-level kind rows, and the greyed rows' texts."""
    tree = kinds.tree
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return ({r.text(0): int(r.text(1)) for r in rows if r.data(0, Qt.UserRole)[0] == "kind"},
            [r.text(0) for r in rows if r.data(0, Qt.UserRole)[0] == "folder"])


def select(kinds, *names) -> None:
    tree = kinds.tree
    tree.clearSelection()
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        if item.data(0, Qt.UserRole)[1] in names:
            item.setSelected(True)
            tree.setCurrentItem(item, 0, tree.selectionModel().SelectionFlag.Select)


def test_three_subfolders_show_three_kinds_with_counts(make_main_window, sorted_folder, qtbot):
    w, page, kinds = _page(make_main_window, sorted_folder, qtbot)
    assert shown(kinds) == (COUNTS, [])
    assert kinds.summary.text() == "3 kinds, 12 pictures"
    assert "Subfolder 'empty' has no usable pictures" in kinds.notes.text() and kinds.notes.isVisible()
    assert not kinds.tree.topLevelItem(0).icon(2).isNull()              # a few of its pictures
    assert kinds.mode.currentData() == "subfolders" and page.cfg.classes == "auto"
    qtbot.waitExposed(w)
    assert w.width() == 1360                                             # the window keeps its size
    tree = kinds.tree                                                    # the kinds can be seen, not squeezed away
    qtbot.waitUntil(lambda: tree.visibleRegion().boundingRect().height() >= 3 * 30)
    assert kinds.mode.visibleRegion().boundingRect().width() == kinds.mode.width()     # the choice is whole


def test_rename_merge_ignore_change_the_rules_and_the_kinds(make_main_window, sorted_folder, qtbot):
    w, page, kinds = _page(make_main_window, sorted_folder, qtbot)
    project = page.project
    tree = kinds.tree
    # rename: F2 on the row, a new name typed
    select(kinds, "red")
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key_F2)
    assert tree.state() == tree.State.EditingState
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "crimson")
    qtbot.keyClick(editor, Qt.Key_Return)
    qtbot.waitUntil(lambda: page.cfg.class_rules == {"red": "crimson"})
    assert [i.text(0) for i in tree.selectedItems()] == ["crimson"]     # still selected under its new name
    assert project.config().class_rules == {"red": "crimson"}           # saved with the run's settings
    assert shown(kinds)[0] == {"blue": 5, "crimson": 3, "green": 4}
    crimson = next(tree.topLevelItem(i) for i in range(3) if tree.topLevelItem(i).text(0) == "crimson")
    assert crimson.childCount() == 1 and crimson.child(0).text(0) == "red/"      # where it comes from
    # ignore: Delete on the selected kind
    select(kinds, "blue")
    qtbot.keyClick(tree, Qt.Key_Delete)
    assert page.cfg.class_rules == {"red": "crimson", "blue": ""}
    assert shown(kinds) == ({"crimson": 3, "green": 4}, ["blue/ — ignored"])
    assert [i.text(0) for i in tree.selectedItems()] == ["blue/ — ignored"]     # still the row in hand
    assert "Subfolder 'blue' is ignored (5 pictures left out), as chosen." in kinds.notes.text()
    # use it again: the ignored row selected, the button reads Use
    select(kinds, "blue")
    assert kinds.btn_ignore.text() == "&Use"
    kinds.btn_ignore.click()
    assert page.cfg.class_rules == {"red": "crimson"}
    # merge: two kinds selected, Merge
    select(kinds, "green", "crimson")
    assert kinds.btn_merge.isEnabled()
    kinds.btn_merge.click()
    merged = shown(kinds)[0]
    assert len(merged) == 2 and merged["blue"] == 5 and sorted(merged.values()) == [5, 7]
    together = tree.selectedItems()
    assert len(together) == 1 and together[0].childCount() == 2         # the merged kind, from its two subfolders
    together[0].child(0).setSelected(True)                               # a kind and its own subfolder: one kind
    assert not kinds.btn_merge.isEnabled()
    assert len(set(page.cfg.class_rules.values())) == 1                 # green and red: one name
    # undo (Edit ▸ Undo on this page) goes back one edit
    page.history.undo()
    assert page.cfg.class_rules == {"red": "crimson"} and shown(kinds)[0] == {"blue": 5, "crimson": 3, "green": 4}


def test_a_name_cannot_be_empty_and_the_choice_sets_classes(make_main_window, sorted_folder, qtbot):
    w, page, kinds = _page(make_main_window, sorted_folder, qtbot)
    select(kinds, "green")
    kinds.tree.currentItem().setText(0, "  ")
    qtbot.waitUntil(lambda: "a kind needs a name" in kinds.notes.text())
    assert page.cfg.class_rules == {} and shown(kinds)[0] == COUNTS       # the row reads as before
    kinds.mode.setFocus()
    qtbot.keyClick(kinds.mode, Qt.Key_End)                              # "None", by keyboard
    qtbot.waitUntil(lambda: page.cfg.classes == "none")
    assert page.project.config().classes == "none"
    assert not kinds.tree.isEnabled() and kinds.summary.text() == "trains without kinds"
    kinds.mode.setCurrentIndex(kinds.mode.findData("found"))
    kinds.mode.activated.emit(kinds.mode.currentIndex())
    assert page.cfg.classes == "found" and "found in the pictures when training starts" in kinds.notes.text()
    assert shown(kinds) == ({}, ["blue/ — subfolder", "green/ — subfolder", "red/ — subfolder"])


def test_a_flat_folder_shows_only_the_choice(make_main_window, make_image_folder, qtbot):
    w = make_main_window()
    assert w.new_project(make_image_folder(60, 48))
    w.show_workspace("dataset")
    page = w.project_page
    kinds = page.view.kinds
    qtbot.waitUntil(lambda: page.dataset is not None and kinds.isVisible(), timeout=30_000)
    assert not kinds.tree.isVisible() and not kinds.btn_merge.isVisible()
    assert kinds.mode.currentData() == "none" and "one subfolder per kind" in kinds.notes.text()
    qtbot.waitUntil(lambda: page.view.grid.height() > 300)                # the thumbnails keep the page
    kinds.mode.setCurrentIndex(kinds.mode.findData("found"))
    kinds.mode.activated.emit(kinds.mode.currentIndex())
    assert page.cfg.classes == "found" and kinds.summary.text() == "2 kinds, found when training starts"
    assert page.project.config().classes == "found"


def test_an_architecture_without_kinds_says_so_and_the_command_line_agrees(make_main_window, sorted_folder, qtbot):
    from studio.cli import build_parser
    from studio.commands.train import config_from_args
    w, page, kinds = _page(make_main_window, sorted_folder, qtbot)
    kinds.mode.setCurrentIndex(kinds.mode.findData("none"))
    kinds.mode.activated.emit(kinds.mode.currentIndex())
    args = build_parser().parse_args(["train", str(sorted_folder), "--out", "x", "--classes", "none"])
    assert config_from_args(args, 12, "cpu").classes == page.cfg.classes == "none"
    page.w_arch.setCurrentIndex(page.w_arch.findData("dcgan"))
    qtbot.waitUntil(lambda: page.cfg.arch == "dcgan")
    assert "This architecture cannot learn kinds: choose Projected GAN under Model" in kinds.notes.text()
    assert not kinds.tree.isEnabled() and kinds.mode.isEnabled()


def test_pictures_beside_the_subfolders_are_a_kind_that_cannot_be_renamed(make_main_window, sorted_folder, qtbot):
    for i in range(2):
        Image.new("RGB", (48, 48), "white").save(sorted_folder / f"loose{i}.png")
    w, page, kinds = _page(make_main_window, sorted_folder, qtbot)
    assert shown(kinds) == ({**COUNTS, "Unsorted": 2}, [])
    select(kinds, "Unsorted")
    unsorted = kinds.tree.currentItem()
    assert not unsorted.flags() & Qt.ItemIsEditable and unsorted.childCount() == 0
    assert not kinds.btn_rename.isEnabled() and not kinds.btn_ignore.isEnabled()


def test_once_trained_the_kinds_are_shown_but_fixed(make_main_window, sorted_folder, qtbot):
    w, page, kinds = _page(make_main_window, sorted_folder, qtbot)
    page.view.show_kinds(page.cfg, editable=False)                      # as the page shows a trained project
    select(kinds, "red")
    kinds.tree.setFocus()
    for key in (Qt.Key_F2, Qt.Key_Delete):
        qtbot.keyClick(kinds.tree, key)
    assert kinds.tree.state() != kinds.tree.State.EditingState and page.cfg.class_rules == {}
    assert not any(b.isEnabled() for b in (kinds.btn_rename, kinds.btn_merge, kinds.btn_ignore, kinds.mode))
    assert shown(kinds) == (COUNTS, [])

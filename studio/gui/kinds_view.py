"""The Dataset page's Kinds section: the kinds a run trains with (from the folder's subfolders, or found).

A view over studio.session.kinds: each kind with its picture count, its subfolders and a few of its pictures as the
network sees them; the artist renames a kind (F2, or Rename), merges kinds (the same name, or Merge), ignores a
subfolder (Delete, or Ignore) or uses it again, and chooses how kinds are made (Kinds: From subfolders / Find kinds
in the folder / None). Every edit is a change of the run's settings (class_rules, classes), emitted as `edited`;
the page applies it (undoable, saved with the project) and shows the result here again.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QPushButton, QStyledItemDelegate,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from studio.core.config import ConfigError, TrainConfig
from studio.session.kinds import CHOICES, ignored, preview, renamed

from .widgets.image_view import array_to_qimage

THUMB = 36
SHOWN = 4                               # pictures shown per kind
KIND, FOLDER = "kind", "folder"         # what a row stands for (its UserRole data: (what, name, folders, ignored))


class _NameOnly(QStyledItemDelegate):
    """Counts and pictures are not edited: only a row's name is (an editable item is editable in every column)."""

    def createEditor(self, parent, option, index):
        return super().createEditor(parent, option, index) if index.column() == 0 else None


class KindsView(QWidget):
    edited = Signal(dict)               # changes to the run's settings: {"class_rules": …} or {"classes": …}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("KindsView")
        self.cfg: TrainConfig | None = None
        self._dataset = None
        self.editable = True                # False once the run has trained: its kinds are fixed
        self.project = None                 # the project shown: a begun run shows the kinds it found
        self._renamed_to: set = set()       # the rows to select once the tree shows an edit
        self.preview = None
        self._filling = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.setSpacing(6)
        head = QHBoxLayout()
        self.title = QLabel("Kinds")
        self.title.setProperty("role", "heading")
        self.mode = QComboBox(objectName="KindsMode")
        for key, text in CHOICES:
            self.mode.addItem(text, key)
        self.mode.setToolTip("How the model learns kinds of picture: one per subfolder, kinds it finds in the "
                             "pictures itself, or none. With kinds, Explore and Export can make pictures of one kind.")
        mode_label = QLabel("&Make kinds:")
        mode_label.setBuddy(self.mode)
        self.mode.activated.connect(lambda _: self._emit({"classes": self.mode.currentData()}))
        self.summary = QLabel("", objectName="KindsSummary")
        self.summary.setProperty("role", "caption")
        head.addWidget(self.title)
        head.addWidget(self.summary, 1)
        head.addWidget(mode_label)
        head.addWidget(self.mode)
        lay.addLayout(head)
        lay.addWidget(self._tree(), 1)
        lay.addLayout(self._buttons())
        self.notes = QLabel("", objectName="KindsNotes", wordWrap=True)
        self.notes.setProperty("role", "caption")
        self.notes.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.notes)
        self.setVisible(False)

    def _tree(self) -> QTreeWidget:
        self.tree = QTreeWidget(objectName="KindsTree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Kind", "Pictures", "Some of its pictures"])
        self.tree.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.tree.setIconSize(QSize(SHOWN * (THUMB + 2), THUMB))
        self.tree.setUniformRowHeights(True)
        self.tree.setItemDelegate(_NameOnly(self.tree))
        self.tree.setColumnWidth(0, 200)
        self.tree.setColumnWidth(1, 70)
        self.tree.itemChanged.connect(self._renamed)
        self.tree.itemSelectionChanged.connect(self._selection)
        self.tree.setAccessibleName("Kinds")
        QShortcut(QKeySequence.Delete, self.tree, self._toggle_ignore, context=Qt.WidgetShortcut)
        QShortcut(QKeySequence(Qt.Key_F2), self.tree, self._rename, context=Qt.WidgetShortcut)
        return self.tree

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.btn_rename = QPushButton("&Rename", toolTip="Rename the selected kind (F2); give two kinds the same "
                                      "name to merge them")
        self.btn_merge = QPushButton("Mer&ge", toolTip="Merge the selected kinds into one, named as the first")
        self.btn_ignore = QPushButton("&Ignore", toolTip="Leave the selected subfolders out of training (Delete)")
        self.btn_rename.clicked.connect(self._rename)
        self.btn_merge.clicked.connect(self._merge)
        self.btn_ignore.clicked.connect(self._toggle_ignore)
        for b in (self.btn_rename, self.btn_merge, self.btn_ignore):
            row.addWidget(b)
        row.addStretch(1)
        return row

    # ------------------------------------------------------------------ showing
    def show_kinds(self, cfg: TrainConfig, dataset) -> None:
        """Show what `cfg` trains with on `dataset` (None: hidden); for a folder without subfolders only the choice
        and its sentence."""
        self.cfg, self._dataset = cfg, dataset
        self.preview = p = preview(cfg, dataset.report.usable, project=self.project) if dataset is not None else None
        self.setVisible(p is not None)
        if p is None:
            return
        self.tree.setVisible(not p.flat or bool(p.kinds))      # a flat folder: its found kinds, once training began
        for w in (self.btn_rename, self.btn_merge, self.btn_ignore):
            w.setVisible(not p.flat)
        self._filling = True
        try:
            self.mode.setCurrentIndex(max(0, self.mode.findData(p.choice)))
            self.mode.setEnabled(self.editable)
            self._fill(p, dataset.images)
        finally:
            self._filling = False
        self.summary.setText(p.summary)
        self.notes.setText("\n".join(p.notes))
        self.notes.setVisible(bool(p.notes))
        self._selection()
        self.setMaximumHeight(self.sizeHint().height() if self.tree.isHidden() else 16_777_215)   # its lines only

    def _fill(self, p, images) -> None:
        selected = self._renamed_to or {self._key(i) for i in self.tree.selectedItems()}
        self._renamed_to = set()
        self.tree.clear()
        subfolders = p.choice == "subfolders" and p.takes_kinds
        for k in p.kinds:
            item = self._row(k.name, k.count, (KIND, k.name, k.folders, False), bool(k.folders))
            item.setIcon(2, self._strip(images, k.examples))
            self.tree.addTopLevelItem(item)
            if len(k.folders) > 1 or (k.folders and k.folders[0] != k.name):     # merged or renamed: from where
                counts = {r.folder: r.count for r in p.folders}
                item.addChildren([self._row(f"{f}/", counts[f], (FOLDER, f, (f,), False), True) for f in k.folders])
                item.setExpanded(len(k.folders) <= 3)          # "Other" of many subfolders: folded, → opens it
        for r in (r for r in p.folders if not r.kind_name or not subfolders):
            why = ("ignored" if r.ignored else "too few pictures") if subfolders else "subfolder"   # rules: unused
            item = self._row(f"{r.folder}/ — {why}", r.count, (FOLDER, r.folder, (r.folder,), r.ignored), subfolders)
            for c in range(3):
                item.setForeground(c, QColor(128, 128, 128))
            self.tree.addTopLevelItem(item)
        for item in self._items():
            item.setSelected(self._key(item) in selected)
            if item.isSelected() and self.tree.currentItem() is None:
                self.tree.setCurrentItem(item, 0, self.tree.selectionModel().SelectionFlag.NoUpdate)
                self.tree.scrollToItem(item)
        self.tree.setEnabled(subfolders or bool(p.kinds))
        self.tree.setEditTriggers(QAbstractItemView.DoubleClicked if self.editable       # F2: _rename, the name
                                  else QAbstractItemView.NoEditTriggers)

    def _items(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            out += [top] + [top.child(j) for j in range(top.childCount())]
        return out

    @staticmethod
    def _row(text: str, count: int, data: tuple, editable: bool) -> QTreeWidgetItem:
        item = QTreeWidgetItem([text, f"{count:,}", ""])
        item.setData(0, Qt.UserRole, data)
        item.setTextAlignment(1, Qt.AlignRight | Qt.AlignVCenter)
        if editable:
            item.setFlags(item.flags() | Qt.ItemIsEditable)
        return item

    @staticmethod
    def _key(item) -> tuple:
        what, name, _, _ = item.data(0, Qt.UserRole)
        return what, name

    @staticmethod
    def _strip(images, indices) -> QIcon:
        pm = QPixmap(SHOWN * (THUMB + 2), THUMB)
        pm.fill(Qt.transparent)
        painter = QPainter(pm)
        for j, i in enumerate(list(indices)[:SHOWN]):
            img = array_to_qimage(np.asarray(images[i])).scaled(THUMB, THUMB, Qt.KeepAspectRatio,
                                                                 Qt.SmoothTransformation)
            painter.drawImage(j * (THUMB + 2), 0, img)
        painter.end()
        return QIcon(pm)

    # ------------------------------------------------------------------ editing
    def _emit(self, changes: dict) -> None:
        if self._filling or self.cfg is None or not self.editable:
            return
        try:
            TrainConfig.from_dict(dict(self.cfg.to_dict(), **changes))
        except ConfigError as e:
            self.notes.setText(str(e))
            self.notes.setVisible(True)
            return
        self.edited.emit(changes)

    def _rules(self) -> dict:
        return dict(self.cfg.class_rules) if self.cfg is not None else {}

    def _renamed(self, item: QTreeWidgetItem, column: int) -> None:
        """A row's name edited (F2): a kind renamed (all its subfolders), or one subfolder moved to the kind typed."""
        if self._filling or column != 0:
            return
        data, text = item.data(0, Qt.UserRole), item.text(0).strip().removesuffix("/")
        QTimer.singleShot(0, lambda: self._rename_to(data, text))    # the tree is rebuilt: not inside its signal

    def _rename_to(self, data: tuple, text: str) -> None:
        what, name, folders, _ = data
        try:
            if not folders or text == name or " — " in text:
                raise ConfigError("")
            self._renamed_to = {(KIND, text)}             # the kind stays selected under its new name
            self._emit({"class_rules": renamed(self._rules(), folders, text)})
        except ConfigError as e:
            self._show_again()                    # unchanged, or no name: the row reads as before
            if str(e):
                self.notes.setText(str(e))
                self.notes.setVisible(True)

    def _show_again(self) -> None:
        if self.cfg is not None and self._dataset is not None:
            self.show_kinds(self.cfg, self._dataset)

    def _selected(self) -> list[tuple]:
        return [i.data(0, Qt.UserRole) for i in self.tree.selectedItems()]

    @property
    def _rules_apply(self) -> bool:
        """Whether renaming, merging and ignoring mean anything now: kinds from subfolders, not yet trained."""
        p = self.preview
        return self.editable and p is not None and p.choice == "subfolders" and p.takes_kinds and not p.flat

    def _selection(self) -> None:
        sel = self._selected()
        editable = self._rules_apply
        self.btn_rename.setEnabled(editable and len(sel) == 1 and bool(sel[0][2]))
        kinds = {self._kind_of(i) for i in self.tree.selectedItems() if i.data(0, Qt.UserRole)[2]}
        self.btn_merge.setEnabled(editable and len(kinds) >= 2)
        self.btn_ignore.setEnabled(editable and any(s[2] for s in sel))
        self.btn_ignore.setText("&Use" if sel and all(s[3] for s in sel) else "&Ignore")

    @staticmethod
    def _kind_of(item) -> tuple:
        """The kind a row stands for: a kind row's own, a subfolder's under a kind that kind's."""
        return KindsView._key(item.parent() if item.parent() is not None else item)

    def _rename(self) -> None:
        items = [i for i in self.tree.selectedItems() if i.flags() & Qt.ItemIsEditable]
        if items and self._rules_apply:
            self.tree.setCurrentItem(items[0])
            self.tree.editItem(items[0], 0)

    def _merge(self) -> None:
        sel = [s for s in self._selected() if s[2]]
        if len(sel) >= 2 and self._rules_apply:
            name = next((s[1] for s in sel if s[0] == KIND), sel[0][1])
            self._renamed_to = {(KIND, name)}
            self._emit({"class_rules": renamed(self._rules(), [f for s in sel for f in s[2]], name)})

    def _toggle_ignore(self) -> None:
        sel = [s for s in self._selected() if s[2]]
        if sel and self._rules_apply:
            use = all(s[3] for s in sel)            # every selected one ignored: use them again
            self._renamed_to = {(KIND if use else FOLDER, f) for s in sel for f in s[2]}   # still selected
            self._emit({"class_rules": ignored(self._rules(), [f for s in sel for f in s[2]], not use)})


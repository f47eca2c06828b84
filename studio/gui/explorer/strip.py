"""Thumbnail strips of latents: the keyframe strip (reorder by drag, delete, jump to, easing) and the
favourites gallery. Each is a view of a studio.session.latent_list.LatentList (which saves every change)."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QMenu

from studio.core.keyframes import EASINGS, Keyframe
from studio.session.latent_list import LatentList

ROLE = Qt.UserRole + 1


class LatentStrip(QListWidget):
    activated_keyframe = Signal(object)     # Keyframe

    def __init__(self, latents: LatentList, empty_text: str, parent=None):
        super().__init__(parent)
        self.latents = latents
        self.empty_text = empty_text
        self._thumbs: dict[int, QIcon] = {}     # id(keyframe) → its thumbnail
        self.setViewMode(QListView.IconMode)
        self.setFlow(QListView.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Snap)
        self.setDragDropMode(QAbstractItemView.InternalMove)
        self.setDefaultDropAction(Qt.MoveAction)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setIconSize(QSize(76, 76))
        self.setGridSize(QSize(96, 104))
        self.setSpacing(4)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setFixedHeight(126)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.itemDoubleClicked.connect(lambda it: self.activated_keyframe.emit(it.data(ROLE)))
        self.itemChanged.connect(self._renamed)
        delete = QAction("Delete", self, shortcut=QKeySequence.Delete, shortcutContext=Qt.WidgetShortcut)
        delete.triggered.connect(self.delete_selected)
        self.addAction(delete)

    @property
    def per_segment_easing(self) -> bool:
        return self.latents.per_segment_easing

    def keyframes(self) -> list[Keyframe]:
        return list(self.latents.items)

    # ------------------------------------------------------------------ showing the list
    def refresh(self) -> None:
        """Show the list as it is now (after any change to it)."""
        current = self.currentRow()
        self.blockSignals(True)
        self.clear()
        for kf in self.latents.items:
            it = QListWidgetItem(kf.label or "")
            it.setData(ROLE, kf)
            it.setFlags(it.flags() | Qt.ItemIsEditable | Qt.ItemIsDragEnabled)
            it.setTextAlignment(Qt.AlignHCenter)
            it.setIcon(self._thumbs.get(id(kf)) or self._blank())   # blank until rendered: the size is right
            self._describe(it)
            self.addItem(it)
        alive = {id(k) for k in self.latents.items}
        self._thumbs = {k: v for k, v in self._thumbs.items() if k in alive}
        if 0 <= current < self.count():
            self.setCurrentRow(current)
        self.blockSignals(False)
        self.viewport().update()

    def set_thumbnail(self, row: int, img: QImage) -> None:
        if 0 <= row < self.count():
            icon = QIcon(QPixmap.fromImage(img.scaled(self.iconSize(), Qt.KeepAspectRatio, Qt.SmoothTransformation)))
            self._thumbs[id(self.item(row).data(ROLE))] = icon
            self.item(row).setIcon(icon)

    def set_thumbnail_of(self, kf: Keyframe, img: QImage) -> None:
        """The thumbnail of this keyframe (by identity), wherever it is now; nothing if it was removed."""
        for row, other in enumerate(self.latents.items):
            if other is kf:
                self.set_thumbnail(row, img)
                return

    def missing_thumbnails(self) -> list[int]:
        return [i for i, kf in enumerate(self.latents.items) if id(kf) not in self._thumbs]

    def _blank(self) -> QIcon:
        pm = QPixmap(self.iconSize())
        pm.fill(Qt.transparent)
        return QIcon(pm)

    def _describe(self, it: QListWidgetItem) -> None:
        kf = it.data(ROLE)
        easing = f" · easing to next: {kf.easing}" if kf.easing else ""
        kind = " · " + " + ".join(f"{n} {w:.0%}" if w < 1 else n for n, w in kf.kind_mix.items() if w > 0) \
            if kf.kind_mix else ""
        it.setToolTip(f"{kf.label}\nseed {kf.seed if kf.seed is not None else '—'} · ψ {kf.psi:.2f}{kind}{easing}\n"
                      "Double-click to jump to it, drag to reorder, Delete to remove"
                      + (", right-click for easing" if self.per_segment_easing else ""))

    # ------------------------------------------------------------------ edits (the list saves them)
    def delete_selected(self) -> None:
        self.latents.remove(self.row(it) for it in self.selectedItems())

    def move_row(self, src: int, dst: int) -> None:
        """Reorder: the item at src goes to position dst."""
        self.latents.move(src, dst)
        self.setCurrentRow(max(0, min(dst, self.count() - 1)))

    def set_easing(self, row: int, easing: str) -> None:
        """The easing of the segment leaving keyframe `row` ("" = the animation's default)."""
        self.latents.set_easing(row, easing)

    def _renamed(self, it: QListWidgetItem) -> None:
        self.latents.rename(self.row(it), it.text())

    def dropEvent(self, event) -> None:
        """Drag to reorder. Handled here (not by QListView's icon-mode free placement) so the order changes."""
        if event.source() is not self or self.currentRow() < 0:
            event.ignore()
            return
        target = self.indexAt(event.position().toPoint())
        self.move_row(self.currentRow(), target.row() if target.isValid() else self.count() - 1)
        event.setDropAction(Qt.CopyAction)         # the view must not remove the 'moved' source item
        event.accept()

    def _menu(self, pos) -> None:
        it = self.itemAt(pos)
        if it is not None:
            self.item_menu(it).exec(self.viewport().mapToGlobal(pos))

    def item_menu(self, it: QListWidgetItem) -> QMenu:
        """The right-click menu of one keyframe or favourite."""
        m = QMenu(self)
        m.addAction("Jump to", lambda: self.activated_keyframe.emit(it.data(ROLE)))
        m.addAction("Rename", lambda: self.editItem(it))
        r = self.row(it)
        m.addAction("Move left", lambda: self.move_row(r, r - 1)).setEnabled(r > 0)
        m.addAction("Move right", lambda: self.move_row(r, r + 1)).setEnabled(r < self.count() - 1)
        if self.per_segment_easing:
            sub = m.addMenu("Easing to the next keyframe")
            for name, text in [("", "Animation default")] + [(e, e) for e in EASINGS]:
                a = sub.addAction(text, lambda n=name: self.set_easing(r, n))
                a.setCheckable(True)
                a.setChecked(it.data(ROLE).easing == name)
        m.addSeparator()
        m.addAction("Delete", self.delete_selected)
        return m

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.count() == 0:
            p = QPainter(self.viewport())
            p.setPen(self.palette().placeholderText().color())
            p.drawText(self.viewport().rect(), Qt.AlignCenter, self.empty_text)
            p.end()

"""Thumbnail strips of latents: the keyframe strip (reorder by drag, delete, jump to) and the
favourites gallery. Both are saved in the project through studio.core.keyframes (JSON)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QMenu

import torch

from ...core.keyframes import EASINGS, Keyframe, KeyframeError, load_keyframes, save_keyframes
from ..widgets.image_view import array_to_qimage
from .render_worker import Task

ROLE = Qt.UserRole + 1


class LatentStrip(QListWidget):
    activated_keyframe = Signal(object)     # Keyframe
    changed = Signal()                      # order, labels or membership changed (already saved)
    failed = Signal(str)

    def __init__(self, filename: str, empty_text: str, parent=None, per_segment_easing: bool = False):
        super().__init__(parent)
        self.filename = filename
        self.per_segment_easing = per_segment_easing      # the keyframe strip: each keyframe may set its easing
        self.path: Path | None = None
        self.model_identity = ""
        self.empty_text = empty_text
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

    # ------------------------------------------------------------------ data
    def keyframes(self) -> list[Keyframe]:
        return [self.item(i).data(ROLE) for i in range(self.count())]

    def set_project(self, project: Path | None, z_dim: int | None = None) -> None:
        self.blockSignals(True)
        self.clear()
        self.blockSignals(False)
        self.path = Path(project) / self.filename if project else None
        if self.path and self.path.exists():
            try:
                kfs, self.model_identity = load_keyframes(self.path, z_dim)
            except KeyframeError as e:
                self.failed.emit(str(e))
                kfs = []
            for k in kfs:
                self._add_item(k, None)
        self.changed.emit()

    def add(self, kf: Keyframe, thumb: QImage | None) -> None:
        if not kf.label:
            kf.label = f"{'Key' if 'key' in self.filename else 'Fav'} {self.count() + 1}"
        self._add_item(kf, thumb)
        self._save()

    def set_thumbnail(self, row: int, img: QImage) -> None:
        if 0 <= row < self.count():
            self.item(row).setIcon(QIcon(QPixmap.fromImage(img.scaled(self.iconSize(), Qt.KeepAspectRatio,
                                                                      Qt.SmoothTransformation))))

    def missing_thumbnails(self) -> list[int]:
        return [i for i in range(self.count()) if self.item(i).icon().isNull()]

    def delete_selected(self) -> None:
        rows = sorted((self.row(it) for it in self.selectedItems()), reverse=True)
        for r in rows:
            self.takeItem(r)
        if rows:
            self._save()

    def move_row(self, src: int, dst: int) -> None:
        """Reorder: the keyframe at src goes to position dst (saved at once)."""
        if not (0 <= src < self.count()) or src == dst:
            return
        dst = max(0, min(dst, self.count() - 1))
        it = self.takeItem(src)
        self.insertItem(dst, it)
        self.setCurrentItem(it)
        self._save()

    def dropEvent(self, event) -> None:
        """Drag to reorder. Handled here (not by QListView's icon-mode free placement) so the order changes."""
        if event.source() is not self or self.currentRow() < 0:
            event.ignore()
            return
        target = self.indexAt(event.position().toPoint())
        self.move_row(self.currentRow(), target.row() if target.isValid() else self.count() - 1)
        event.setDropAction(Qt.CopyAction)         # the view must not remove the 'moved' source item
        event.accept()

    def _add_item(self, kf: Keyframe, thumb: QImage | None) -> None:
        it = QListWidgetItem(kf.label or "")
        it.setData(ROLE, kf)
        it.setFlags(it.flags() | Qt.ItemIsEditable | Qt.ItemIsDragEnabled)
        self._describe(it)
        it.setTextAlignment(Qt.AlignHCenter)
        self.blockSignals(True)
        self.addItem(it)
        self.blockSignals(False)
        if thumb is not None:
            self.set_thumbnail(self.count() - 1, thumb)

    def set_easing(self, row: int, easing: str) -> None:
        """The easing of the segment leaving keyframe `row` ("" = the animation's default); saved at once."""
        it = self.item(row)
        if it is None or easing not in ("",) + EASINGS:
            return
        it.data(ROLE).easing = easing
        self._describe(it)
        self._save()

    def _describe(self, it: QListWidgetItem) -> None:
        kf = it.data(ROLE)
        easing = f" · easing to next: {kf.easing}" if kf.easing else ""
        it.setToolTip(f"{kf.label}\nseed {kf.seed if kf.seed is not None else '—'} · ψ {kf.psi:.2f}{easing}\n"
                      "Double-click to jump to it, drag to reorder, Delete to remove"
                      + (", right-click for easing" if self.per_segment_easing else ""))

    def _renamed(self, it: QListWidgetItem) -> None:
        kf = it.data(ROLE)
        if kf is not None and kf.label != it.text():
            kf.label = it.text()[:200]
            self._describe(it)
            self._save()

    def _save(self) -> None:
        if self.path is not None:
            try:
                save_keyframes(self.path, self.keyframes(), self.model_identity)
            except OSError as e:
                self.failed.emit(f"could not save {self.path.name}: {e}")
        self.changed.emit()

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
            from PySide6.QtGui import QPainter
            p = QPainter(self.viewport())
            p.setPen(self.palette().placeholderText().color())
            p.drawText(self.viewport().rect(), Qt.AlignCenter, self.empty_text)
            p.end()


class StripsMixin:
    """Keyframes and favourites for ExplorerWorkspace: add the current latent, fill missing thumbnails."""

    def _keyframe(self) -> Keyframe | None:
        z = self.current_z()
        return None if z is None else Keyframe(z.clone(), self.state.label, int(self.state.seed), float(self.state.psi))

    def add_keyframe(self) -> None:
        kf = self._keyframe()
        if kf is not None:
            self.keyframes.model_identity = self.model.identity
            self.keyframes.add(kf, self.canvas.image)

    def add_favourite(self) -> None:
        kf = self._keyframe()
        if kf is not None:
            self.favourites.model_identity = self.model.identity
            self.favourites.add(kf, self.canvas.image)
            self.say(f"Added to favourites ({self.favourites.count()})")

    def _fill_thumbnails(self) -> None:
        if self.model is None:
            return
        for strip in (self.keyframes, self.favourites):
            rows = [r for r in strip.missing_thumbnails() if len(strip.item(r).data(ROLE).z) == self.model.z_dim]
            if rows:
                zs = torch.stack([strip.item(r).data(ROLE).z for r in rows])
                task = Task(lambda zs=zs: self.model.render(zs), self.worker.lock, self)
                task.done.connect(lambda imgs, s=strip, rows=rows: [s.set_thumbnail(r, array_to_qimage(a))
                                                                     for r, a in zip(rows, imgs)])
                self._start(task)


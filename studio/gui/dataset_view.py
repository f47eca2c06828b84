"""The dataset view: the scan report and a thumbnail grid of the images exactly as the network sees them."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListView, QListWidget, QProgressBar, QPushButton,
                               QSplitter, QVBoxLayout, QWidget)

from .kinds_view import KindsView
from .widgets.image_view import array_to_qimage
from .widgets.stat import stat_block

THUMB = 96


class ThumbModel(QAbstractListModel):
    """Lazy thumbnails of a uint8 (N, H, W, C) array (memory-mapped is fine): pixmaps made when shown."""
    CACHE = 1500

    def __init__(self, parent=None):
        super().__init__(parent)
        self.images: np.ndarray | None = None
        self.names: list[str] = []
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()

    def set_data(self, images, names) -> None:
        self.beginResetModel()
        self.images, self.names = images, list(names)
        self._cache.clear()
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.images is None else int(self.images.shape[0])

    def data(self, index, role=Qt.DisplayRole):
        i = index.row()
        if role == Qt.DecorationRole:
            pm = self._cache.get(i)
            if pm is None:
                img = array_to_qimage(np.asarray(self.images[i]))
                mode = Qt.FastTransformation if img.width() * 2 <= THUMB else Qt.SmoothTransformation
                pm = QPixmap.fromImage(img.scaled(THUMB, THUMB, Qt.KeepAspectRatio, mode))
                self._cache[i] = pm
                if len(self._cache) > self.CACHE:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(i)
            return pm
        if role == Qt.ToolTipRole and i < len(self.names):
            return self.names[i]
        return None


class DatasetView(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dataset = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        self.title = QLabel("Dataset")
        self.title.setProperty("role", "title")
        self.summary = QLabel("Choose a folder of images to begin.")
        self.summary.setProperty("role", "subtitle")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        titles.addWidget(self.title)
        titles.addWidget(self.summary)
        head.addLayout(titles, 1)
        self.stats = {}
        for key, cap in (("usable", "Usable"), ("skipped", "Skipped"), ("size", "Network input")):
            box, self.stats[key] = stat_block(cap)
            head.addWidget(box)
        lay.addLayout(head)
        lay.addWidget(self._progress_row())
        lay.addWidget(self._grid_and_skipped(), 1)

    def _progress_row(self) -> QWidget:
        prog = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress_label = QLabel("")
        self.progress_label.setProperty("role", "caption")
        self.btn_cancel = QPushButton("Cancel")
        self.btn_cancel.clicked.connect(self.cancel_requested)
        prog.addWidget(self.progress, 1)
        prog.addWidget(self.progress_label)
        prog.addWidget(self.btn_cancel)
        self.progress_row = QWidget()
        self.progress_row.setLayout(prog)
        self.progress_row.setVisible(False)
        return self.progress_row

    def _grid_and_skipped(self) -> QSplitter:
        """The thumbnails as the network sees them, above the skipped files (shown when there are some)."""
        split = QSplitter(Qt.Vertical)
        self.model = ThumbModel(self)
        self.grid = QListView()
        self.grid.setObjectName("ThumbGrid")
        self.grid.setViewMode(QListView.IconMode)
        self.grid.setMovement(QListView.Static)
        self.grid.setResizeMode(QListView.Adjust)
        self.grid.setUniformItemSizes(True)
        self.grid.setLayoutMode(QListView.Batched)
        self.grid.setBatchSize(200)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 10, THUMB + 10))
        self.grid.setSpacing(4)
        self.grid.setModel(self.model)
        self.skipped = QListWidget()
        self.skipped.setObjectName("SkippedList")
        self.skipped_box = QWidget()
        sl = QVBoxLayout(self.skipped_box)
        sl.setContentsMargins(0, 4, 0, 0)
        self.skipped_title = QLabel("Skipped files")
        self.skipped_title.setProperty("role", "heading")
        sl.addWidget(self.skipped_title)
        sl.addWidget(self.skipped)
        self.kinds = KindsView()                  # its kinds: one line for a folder without subfolders
        split.addWidget(self.kinds)
        split.addWidget(self.grid)
        split.addWidget(self.skipped_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 4)
        split.setStretchFactor(2, 1)
        split.setChildrenCollapsible(False)
        self.skipped_box.setVisible(False)
        return split

    def scanning(self, done: int, total: int, name: str) -> None:
        self.progress_row.setVisible(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress_label.setText(f"{done:,} / {total:,}  {name[-40:]}" if total else "Listing files…")

    def begin_scan(self, folder: str) -> None:
        self.progress_row.setVisible(True)
        self.progress.setRange(0, 0)
        self.progress_label.setText("Listing files…")
        self.summary.setText(f"Scanning {folder} …")

    def show_dataset(self, ds, cfg) -> None:
        from studio.core.dataset import show_path
        self.dataset = ds
        self.progress_row.setVisible(False)
        rep = ds.report
        self.summary.setText(rep.summary())
        self.stats["usable"].setText(f"{len(rep.usable):,}")
        self.stats["skipped"].setText(f"{len(rep.skipped):,}")
        self.stats["size"].setText(f"{ds.resolution} × {ds.resolution} {'RGBA' if ds.channels == 4 else 'RGB'}")
        self.model.set_data(ds.images, [show_path(u) for u in rep.usable])
        self.skipped.clear()
        for rel, why in rep.skipped[:5000]:
            self.skipped.addItem(f"{show_path(rel)} — {why}")
        self.skipped_title.setText(f"Skipped files ({len(rep.skipped):,})")
        self.skipped_box.setVisible(bool(rep.skipped))
        self.show_kinds(cfg, self.kinds.editable, self.kinds.project)

    def show_kinds(self, cfg, editable: bool = True, project=None) -> None:
        """The kinds `cfg` trains with on the dataset shown (its rules and choice changed, or a new scan);
        editable=False once the run has trained (its kinds are fixed); project: the kinds a begun run found."""
        self.kinds.editable, self.kinds.project = editable, project
        self.kinds.show_kinds(cfg, self.dataset)

    def show_error(self, text: str) -> None:
        self.progress_row.setVisible(False)
        self.dataset = None
        self.model.set_data(None, [])
        self.kinds.setVisible(False)
        self.summary.setText(text)
        for v in self.stats.values():
            v.setText("—")

    def clear(self) -> None:
        self.show_error("Choose a folder of images to begin.")
        self.skipped_box.setVisible(False)

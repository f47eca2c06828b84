"""The bars Explore shows above its canvas while it works on one of the artist's own pictures.

FindBar: "Finding cat.png in the model" — the picture and the reconstruction side by side, a progress bar and
Cancel; afterwards how close it got, and that B compares them. RestoreBar: the Restore tool's brush (size,
erase, undo stroke, clear), Restore with progress and Cancel, Export, Done. Both only show and forward: the
workspace runs the work (gui.worker.Worker over studio.session.image_search).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy,
                               QSlider, QVBoxLayout, QWidget)

from .. import theme
from ..widgets.icons import icon
from ..widgets.image_view import ImageView

THUMB = 72
TEXT_MIN = 180                # px: the bars' text column, whatever it says


def _thumb(caption: str) -> tuple[QVBoxLayout, ImageView]:
    box = QVBoxLayout()
    box.setSpacing(2)
    view = ImageView()
    view.setFixedSize(THUMB, THUMB)
    cap = QLabel(caption)
    cap.setProperty("role", "caption")
    cap.setAlignment(Qt.AlignCenter)
    box.addWidget(view)
    box.addWidget(cap)
    return box, view


class FittedLabel(QLabel):
    """A label that takes the width it is given and never asks for more (a long file name once widened the
    whole window while Restore ran): one line is elided with "…", wrapped text wraps; the full text is its
    tooltip."""

    def __init__(self, wrap: bool = False):
        super().__init__()
        self.full = ""
        self.setWordWrap(wrap)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def setText(self, text: str) -> None:
        self.full = text
        self._fit()

    def text(self) -> str:
        return self.full

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        text = self.full
        if self.wordWrap():                          # wrapped: break long words (file names) too
            text = text.replace("-", "-\u200b").replace("_", "_\u200b").replace(".", ".\u200b")
        else:
            text = self.fontMetrics().elidedText(text, Qt.ElideMiddle, max(self.width(), 40))
        super().setText(text)
        self.setToolTip(self.full if text != self.full else "")


class _Bar(QFrame):
    def __init__(self, name: str):
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "card")
        self.lay = QHBoxLayout(self)
        self.lay.setContentsMargins(10, 8, 10, 8)
        self.lay.setSpacing(10)
        self.title = FittedLabel()
        self.title.setProperty("role", "heading")
        self.detail = FittedLabel(wrap=True)
        self.detail.setProperty("role", "subtitle")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        # the text column asks for the same width whatever it shows (title, progress, a long file name): the
        # window never resizes itself while a search or restore runs
        self.text_box = QWidget()
        self.text_box.setMinimumWidth(TEXT_MIN)
        self.text = QVBoxLayout(self.text_box)
        self.text.setContentsMargins(0, 0, 0, 0)
        self.text.setSpacing(4)
        self.text.addWidget(self.title)
        self.text.addWidget(self.detail)
        self.text.addWidget(self.progress)
        self.hide()

    def set_progress(self, fraction: float | None) -> None:
        self.progress.setVisible(fraction is not None)
        if fraction is not None:
            self.progress.setValue(int(fraction * 1000))


class FindBar(_Bar):
    cancel_requested = Signal()
    close_requested = Signal()
    closer_requested = Signal()           # the full search, after a quick one from the encoder's guess

    def __init__(self):
        super().__init__("FindBar")
        box, self.original = _thumb("Your picture")
        self.lay.addLayout(box)
        box, self.found = _thumb("In the model")
        self.lay.addLayout(box)
        self.lay.addWidget(self.text_box, 1)
        self.btn_cancel = QPushButton(icon("stop"), " Cancel")
        self.btn_cancel.clicked.connect(self.cancel_requested)
        self.btn_close = QPushButton("Close")
        self.btn_close.clicked.connect(self.close_requested)
        self.btn_closer = QPushButton("Search closer", objectName="SearchCloser",
                                      toolTip="The full search from many starting points: often a little closer, "
                                              "several seconds")
        self.btn_closer.clicked.connect(self.closer_requested)
        for b in (self.btn_closer, self.btn_cancel, self.btn_close):
            self.lay.addWidget(b)

    def begin(self, name: str, picture: np.ndarray) -> None:
        self.title.setText(f"Finding {name} in the model…")
        self.detail.setText("The canvas shows the best match so far.")
        self.original.set_array(picture)
        self.found.set_array(None)
        self.found.set_placeholder("Looking for it…")
        self.set_progress(0.0)
        self.btn_cancel.show()
        self.btn_close.hide()
        self.btn_closer.hide()
        self.show()

    def preview(self, fraction: float, image: np.ndarray | None) -> None:
        self.set_progress(fraction)
        if image is not None:
            self.found.set_array(image)

    def done(self, title: str, detail: str, warn: bool = False, closer: bool = False) -> None:
        """The search ended: `closer` offers the full search (the last one started from the encoder's guess)."""
        self.title.setText(title)
        self.warned = warn                                   # a poor match says so in colour too
        self.title.setStyleSheet(f"color: {theme.colours()['warn']};" if warn else "")
        self.detail.setText(detail)
        self.set_progress(None)
        self.btn_cancel.hide()
        self.btn_close.show()
        self.btn_closer.setVisible(closer)


class RestoreBar(_Bar):
    restore_requested = Signal()
    cancel_requested = Signal()
    export_requested = Signal()
    done_requested = Signal()
    brush_changed = Signal(float)          # diameter in image pixels
    erase_changed = Signal(bool)
    clear_requested = Signal()
    undo_requested = Signal()

    def __init__(self):
        super().__init__("RestoreBar")
        self.lay.addWidget(self.text_box, 1)
        tools = QHBoxLayout()
        tools.setSpacing(6)
        size_label = QLabel("Brush")
        size_label.setProperty("role", "caption")
        self.size = QSlider(Qt.Horizontal)
        self.size.setRange(1, 64)
        self.size.setFixedWidth(110)
        self.size.setToolTip("Brush size ([ and ] change it)")
        self.size.valueChanged.connect(lambda v: self.brush_changed.emit(float(v)))
        self.erase = QCheckBox("Erase")
        self.erase.setToolTip("Paint the mask away (E)")
        self.erase.toggled.connect(self.erase_changed)
        self.btn_undo = QPushButton("Undo stroke")
        self.btn_undo.clicked.connect(self.undo_requested)
        self.btn_clear = QPushButton("Clear")
        self.btn_clear.clicked.connect(self.clear_requested)
        for w in (size_label, self.size, self.erase, self.btn_undo, self.btn_clear):
            tools.addWidget(w)
        self.lay.addLayout(tools)
        self.btn_restore = QPushButton(icon("play", "#ffffff"), " Restore")
        self.btn_restore.setProperty("primary", True)
        self.btn_restore.clicked.connect(self.restore_requested)
        self.btn_cancel = QPushButton(icon("stop"), " Cancel")
        self.btn_cancel.clicked.connect(self.cancel_requested)
        self.btn_export = QPushButton(icon("export"), " Export…")
        self.btn_export.clicked.connect(self.export_requested)
        self.btn_done = QPushButton("Done")
        self.btn_done.clicked.connect(self.done_requested)
        for b in (self.btn_restore, self.btn_cancel, self.btn_export, self.btn_done):
            self.lay.addWidget(b)
        same = max(self.btn_restore.sizeHint().width(), self.btn_cancel.sizeHint().width())
        for b in (self.btn_restore, self.btn_cancel):           # they take turns: the same width, so the bar
            b.setMinimumWidth(same)                              # (and the window) keeps its size

    def begin(self, name: str, resolution: int, brush: float) -> None:
        self.title.setText(f"Restore {name}")
        self.detail.setText("Paint over the damaged or missing part (right-drag pans), then Restore: the model "
                            "repaints it from the rest of the picture.")
        self.size.setMaximum(max(4, resolution // 2))
        self.size.setValue(int(round(brush)))
        self.erase.setChecked(False)
        self.set_progress(None)
        self.set_working(False, restored=False)
        self.show()

    def set_working(self, working: bool, restored: bool = False) -> None:
        for w in (self.size, self.erase, self.btn_undo, self.btn_clear, self.btn_restore, self.btn_done):
            w.setEnabled(not working)
        self.btn_cancel.setVisible(working)
        self.btn_restore.setVisible(not working)
        self.btn_export.setEnabled(restored and not working)

    def say(self, title: str, detail: str = "") -> None:
        self.title.setText(title)
        if detail:
            self.detail.setText(detail)

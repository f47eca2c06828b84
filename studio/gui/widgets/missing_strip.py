"""The Train view's "Missing" strip: the training pictures no generated sample resembles, worst first.

    strip.show_record(record, project)    # a quality record's `missing`, pictured by project.pictures(indices)
    strip.show_record(None)               # no measurement yet (or a record from before `missing`): hidden
    strip.show_pictures([(name, uint8 picture or None, far), ...], coverage)     # the same, given the pictures

`far` is how far the nearest sample is, in units of the picture's 5-nearest-neighbour radius (> 1: no sample near
it). As many thumbnails show as fit the strip's width, and the strip never widens the window.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .elided_label import ElidedLabel
from .image_view import array_to_qimage

THUMB = 56              # px, a thumbnail's side
GAP = 6


def tooltip(name: str, far: float) -> str:
    return (f"{name}\nNearest generated sample: {far:.1f}× as far as this picture's 5th most similar picture "
            "(up to 1× counts as covered)")


class MissingStrip(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("MissingStrip")
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)     # never widens its panel
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 2)
        lay.setSpacing(4)
        self.heading = ElidedLabel()
        self.heading.setProperty("role", "subtitle")
        lay.addWidget(self.heading)
        self.row = QWidget()
        self.row.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.row.setFixedHeight(THUMB)
        self.row_layout = QHBoxLayout(self.row)
        self.row_layout.setContentsMargins(0, 0, 0, 0)
        self.row_layout.setSpacing(GAP)
        self.row_layout.addStretch(1)
        self.row.installEventFilter(self)            # its width says how many thumbnails fit
        lay.addWidget(self.row)
        self.thumbs: list[QLabel] = []
        self.hide()

    def show_record(self, record: dict | None, project=None) -> None:
        """The newest quality record's `missing` dataset indices, as the project's pictures (Project.pictures)."""
        missing = record.get("missing") if record is not None and project is not None else None
        if not isinstance(missing, list):
            self.show_pictures(None)
            return
        far = list(record.get("missing_far") or [])
        far += [float("nan")] * (len(missing) - len(far))
        shown = [(p[0], p[1], f) for p, f in zip(project.pictures(missing), far) if p is not None]
        cov = record.get("coverage")
        self.show_pictures(shown, cov if isinstance(cov, (int, float)) else None)

    def show_pictures(self, pictures: list[tuple[str, np.ndarray | None, float]] | None,
                      coverage: float | None = None) -> None:
        """The newest quality record's missing pictures; None before the first measurement (hidden)."""
        for lab in self.thumbs:
            self.row_layout.removeWidget(lab)
            lab.deleteLater()
        self.thumbs = []
        if pictures is None:
            self.hide()
            return
        share = f"no sample resembles {1 - coverage:.0%} of your pictures" if coverage is not None else ""
        if pictures:
            self.heading.setText("Missing — " + (f"{share}; the least covered:" if share else
                                                 "the pictures the samples cover least:"))
        else:
            self.heading.setText("Missing — none: every picture measured has a generated sample near it")
        for i, (name, picture, far) in enumerate(pictures):
            lab = QLabel(objectName="MissingThumb", alignment=Qt.AlignCenter)
            lab.setFixedSize(THUMB, THUMB)
            lab.setToolTip(tooltip(name, far))
            if picture is not None:
                img = array_to_qimage(picture)
                smooth = Qt.SmoothTransformation if max(img.width(), img.height()) > THUMB else Qt.FastTransformation
                lab.setPixmap(QPixmap.fromImage(img.scaled(THUMB, THUMB, Qt.KeepAspectRatio, smooth)))
            else:
                lab.setText("?")                       # the run's cached pictures are gone: the name still shows
            self.row_layout.insertWidget(i, lab)
            self.thumbs.append(lab)
        self.row.setVisible(bool(pictures))
        self.show()
        self._fit()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.row and event.type() == QEvent.Resize:
            self._fit()
        return False

    def _fit(self) -> None:
        """Show as many thumbnails as fit whole."""
        room = max(1, (self.row.width() + GAP) // (THUMB + GAP)) if self.row.width() > 0 else len(self.thumbs)
        for i, lab in enumerate(self.thumbs):
            lab.setVisible(i < room)

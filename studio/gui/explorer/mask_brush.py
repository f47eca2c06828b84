"""The Restore tool's mask: painted with a round brush over the canvas image, in image pixels.

White (255) marks pixels that are missing or damaged; `to_array()` gives the bool mask studio.core.invert
expects. Strokes are interpolated between mouse positions so a fast drag leaves no gaps; `erase` paints the
mask away again. Every stroke can be undone (a snapshot before it), independent of the explorer's latent edits.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

MAX_UNDO = 30


class MaskBrush:
    def __init__(self, width: int, height: int):
        self.mask = QImage(width, height, QImage.Format_Grayscale8)
        self.mask.fill(0)
        self.size = max(1.0, min(width, height) / 12)    # brush diameter in image pixels
        self.erase = False
        self._last: QPointF | None = None
        self._history: list[QImage] = []

    # ------------------------------------------------------------------ painting
    def begin(self, p: QPointF) -> None:
        self._history.append(self.mask.copy())
        del self._history[:-MAX_UNDO]
        self._last = p
        self._dab(p, p)

    def move(self, p: QPointF) -> None:
        if self._last is not None:
            self._dab(self._last, p)
            self._last = p

    def end(self) -> None:
        self._last = None

    def _dab(self, a: QPointF, b: QPointF) -> None:
        painter = QPainter(self.mask)
        painter.setRenderHint(QPainter.Antialiasing, False)      # a hard mask: a pixel is missing or it is not
        colour = QColor(0, 0, 0) if self.erase else QColor(255, 255, 255)
        if a == b:                                          # a click: one round dab (a zero-length line draws nothing)
            painter.setPen(Qt.NoPen)
            painter.setBrush(colour)
            painter.drawEllipse(a, self.size / 2, self.size / 2)
        else:
            painter.setPen(QPen(colour, self.size, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
            painter.drawLine(a, b)
        painter.end()

    def clear(self) -> None:
        self._history.append(self.mask.copy())
        self.mask.fill(0)

    def undo(self) -> bool:
        if not self._history:
            return False
        self.mask = self._history.pop()
        return True

    # ------------------------------------------------------------------ reading
    def to_array(self) -> np.ndarray:
        """bool (H, W): True where the mask is painted."""
        w, h = self.mask.width(), self.mask.height()
        buf = np.frombuffer(self.mask.constBits(), np.uint8, count=self.mask.bytesPerLine() * h)
        return buf.reshape(h, self.mask.bytesPerLine())[:, :w] >= 128

    def is_empty(self) -> bool:
        return not self.to_array().any()

    def overlay(self, colour: QColor) -> QImage:
        """The mask as a translucent colour layer (ARGB) to draw over the image."""
        out = QImage(self.mask.size(), QImage.Format_ARGB32_Premultiplied)
        out.fill(colour)
        p = QPainter(out)
        p.setCompositionMode(QPainter.CompositionMode_DestinationIn)
        w, h, bpl = self.mask.width(), self.mask.height(), self.mask.bytesPerLine()
        alpha = QImage(bytes(self.mask.constBits()), w, h, bpl, QImage.Format_Alpha8)   # the grey values as alpha
        p.drawImage(0, 0, alpha)
        p.end()
        return out

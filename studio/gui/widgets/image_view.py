"""ImageView: shows a uint8 (H, W, C) numpy array (C = 1, 3 or 4), fitted and centred.

Reusable by every view that shows network output. Upscaling uses whole-pixel (nearest) scaling
when the image is small so pixels stay crisp; transparency shows over a checkerboard.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme

_FORMATS = {1: QImage.Format_Grayscale8, 3: QImage.Format_RGB888, 4: QImage.Format_RGBA8888}


def array_to_qimage(arr: np.ndarray) -> QImage:
    """uint8 (H, W[, C]) → QImage that owns a copy of the pixels."""
    a = np.ascontiguousarray(arr)
    if a.ndim == 2:
        a = a[..., None]
    if a.dtype != np.uint8 or a.ndim != 3 or a.shape[2] not in _FORMATS:
        raise ValueError(f"expected uint8 (H, W, 1|3|4), got {a.dtype} {a.shape}")
    h, w, c = a.shape
    return QImage(a.data, w, h, w * c, _FORMATS[c]).copy()


def qimage_to_array(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format_RGBA8888)
    h, w = img.height(), img.width()
    return np.frombuffer(img.constBits(), np.uint8, img.bytesPerLine() * h).reshape(h, -1)[:, :w * 4] \
        .reshape(h, w, 4).copy()


class ImageView(QWidget):
    def __init__(self, parent=None, placeholder: str = ""):
        super().__init__(parent)
        self._img: QImage | None = None
        self._placeholder = placeholder
        self._checker: QPixmap | None = None
        self.updates = 0                       # how many frames were shown (tests, diagnostics)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(96, 96)

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def set_array(self, arr: np.ndarray | None) -> None:
        self._img = None if arr is None else array_to_qimage(arr)
        self.updates += 1
        self.update()

    def set_image(self, img: QImage | None) -> None:
        self._img = None if img is None or img.isNull() else img
        self.updates += 1
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def image(self) -> QImage | None:
        return self._img

    def target_rect(self) -> QRectF:
        if self._img is None:
            return QRectF()
        w, h = self._img.width(), self._img.height()
        avail_w, avail_h = max(1, self.width() - 16), max(1, self.height() - 16)
        s = min(avail_w / w, avail_h / h)
        if 2 <= s < 8:
            s = float(int(s))                        # whole-pixel upscales keep pixels square and crisp
        # between 1x and 2x the image is scaled smoothly to fill the space (see paintEvent)
        tw, th = w * s, h * s
        return QRectF((self.width() - tw) / 2, (self.height() - th) / 2, tw, th)

    def _checkerboard(self) -> QPixmap:
        if self._checker is None:
            c = theme.colours()
            pm = QPixmap(16, 16)
            pm.fill(QColor(c["alt"]))
            p = QPainter(pm)
            p.fillRect(0, 0, 8, 8, QColor(c["border"]))
            p.fillRect(8, 8, 8, 8, QColor(c["border"]))
            p.end()
            self._checker = pm
        return self._checker

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        c = theme.colours()
        p.fillRect(self.rect(), QColor(c["base"]))
        if self._img is None:
            if self._placeholder:
                p.setPen(QColor(c["dim"]))
                p.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, self._placeholder)
            return
        r = self.target_rect()
        if self._img.hasAlphaChannel():
            p.drawTiledPixmap(r.toRect(), self._checkerboard())
        small_up = r.width() >= self._img.width() * 2
        p.setRenderHint(QPainter.SmoothPixmapTransform, not small_up)
        p.drawImage(r, self._img)

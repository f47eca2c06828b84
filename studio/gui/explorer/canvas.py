"""The explorer canvas: zoom (wheel, fit, 100 %, 200 %), pan, smooth or crisp pixels,
a checkerboard behind transparent models and a before/after toggle. With a MaskBrush set (the Restore tool)
the left button paints the mask over the image (shown as a translucent layer, the brush as a ring) and the
right or middle button pans."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme


class ExplorerCanvas(QWidget):
    zoom_changed = Signal(float)
    stroke_finished = Signal()                  # a brush stroke ended (the mask changed)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.before: QImage | None = None
        self.before_label = "BEFORE"            # the chip over the B view: what the other picture is
        self.showing_before = False
        self.smooth = False
        self.zoom: float | None = None          # None = fit to the window
        self.pan = QPointF(0, 0)
        self._drag: QPointF | None = None
        self._checker: QPixmap | None = None
        self.brush = None                       # a MaskBrush while the Restore tool paints
        self._painting = False
        self._hover: QPointF | None = None
        self.placeholder = "Open a model to explore its latent space\n\nFile ▸ Open Model…, or drop a .safetensors " \
                           "checkpoint or a GAN Studio PNG here"
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(240, 240)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setCursor(Qt.OpenHandCursor)

    # ------------------------------------------------------------------ API
    def set_image(self, img: QImage | None) -> None:
        self.image = img
        self.update()

    def set_before(self, img: QImage | None, label: str = "BEFORE") -> None:
        """The picture B shows, and the chip naming it ("BEFORE" the last edit, "Your picture", …)."""
        self.before, self.before_label = img, label
        if self.showing_before:
            self.update()

    def show_before(self, on: bool) -> None:
        self.showing_before = bool(on) and self.before is not None
        self.update()

    def set_brush(self, brush) -> None:
        """Paint with `brush` (a MaskBrush the size of the image), or stop painting (None)."""
        self.brush, self._painting = brush, False
        self.setMouseTracking(brush is not None)
        self.setCursor(Qt.CrossCursor if brush is not None else Qt.OpenHandCursor)
        self.update()

    def to_image(self, pos: QPointF) -> QPointF:
        """Widget coordinates → image pixel coordinates."""
        r = self.target_rect()
        if self.image is None or r.width() <= 0:
            return QPointF(-1, -1)
        return QPointF((pos.x() - r.left()) * self.image.width() / r.width(),
                       (pos.y() - r.top()) * self.image.height() / r.height())

    def set_smooth(self, on: bool) -> None:
        self.smooth = bool(on)
        self.update()

    def fit(self) -> None:
        self.zoom, self.pan = None, QPointF(0, 0)
        self.zoom_changed.emit(self.scale())
        self.update()

    def set_zoom(self, z: float, anchor: QPointF | None = None) -> None:
        old = self.scale()
        z = max(0.05, min(64.0, float(z)))
        if anchor is not None and old > 0:
            c = QPointF(self.width() / 2, self.height() / 2) + self.pan
            self.pan += (anchor - c) * (1 - z / old)
        self.zoom = z
        self.zoom_changed.emit(z)
        self.update()

    def scale(self) -> float:
        if self.image is None:
            return 1.0
        if self.zoom is not None:
            return self.zoom
        m = 24
        s = min((self.width() - 2 * m) / self.image.width(), (self.height() - 2 * m) / self.image.height())
        if s >= 2 and not self.smooth:
            s = float(int(s))                  # whole-pixel steps keep crisp pixels even; between 1× and 2× the
        return max(0.05, s)                    # picture fills the space, drawn smoothly (a 256 px frame shown at
                                               # 1× looked smaller than the 64 px one at 6×)

    def target_rect(self) -> QRectF:
        if self.image is None:
            return QRectF()
        s = self.scale()
        w, h = self.image.width() * s, self.image.height() * s
        c = QPointF(self.width() / 2, self.height() / 2) + self.pan
        return QRectF(c.x() - w / 2, c.y() - h / 2, w, h)

    # ------------------------------------------------------------------ painting
    def _checkerboard(self) -> QPixmap:
        if self._checker is None:
            pm = QPixmap(16, 16)
            pm.fill(QColor("#3a3d44"))
            p = QPainter(pm)
            p.fillRect(0, 0, 8, 8, QColor("#2a2c31"))
            p.fillRect(8, 8, 8, 8, QColor("#2a2c31"))
            p.end()
            self._checker = pm
        return self._checker

    def paintEvent(self, event) -> None:
        c = theme.colours()
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(c["base"]))
        img = self.before if self.showing_before and self.before is not None else self.image
        if img is None:
            p.setPen(QColor(c["dim"]))
            f = QFont(self.font())
            f.setPointSizeF(f.pointSizeF() * 1.1)
            p.setFont(f)
            p.drawText(self.rect().adjusted(30, 30, -30, -30), Qt.AlignCenter | Qt.TextWordWrap, self.placeholder)
            p.end()
            return
        r = self.target_rect()
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(0, 0, 0, 90))
        p.drawRoundedRect(r.adjusted(-1, 2, 5, 8), 4, 4)     # soft drop shadow
        if img.hasAlphaChannel():
            p.drawTiledPixmap(r, self._checkerboard())
        s = self.scale()
        p.setRenderHint(QPainter.SmoothPixmapTransform, self.smooth or s != int(s))
        p.drawImage(r, img)
        p.setPen(QPen(QColor(c["border"]), 1))
        p.setBrush(Qt.NoBrush)
        p.drawRect(r.adjusted(-0.5, -0.5, 0.5, 0.5))
        if self.brush is not None and not self.showing_before:
            p.setOpacity(0.55)
            p.drawImage(r, self.brush.overlay(QColor(c["bad"])))
            p.setOpacity(1.0)
            if self._hover is not None:
                radius = self.brush.size / 2 * r.width() / self.image.width()
                p.setPen(QPen(QColor("#ffffff"), 1.5))
                p.drawEllipse(self._hover, radius, radius)
                p.setPen(QPen(QColor("#000000"), 1, Qt.DotLine))
                p.drawEllipse(self._hover, radius + 1.5, radius + 1.5)
        if self.showing_before:
            self._chip(p, self.before_label, c["warn"])
        p.end()

    def _chip(self, p: QPainter, text: str, colour: str) -> None:
        f = QFont(self.font())
        f.setBold(True)
        f.setPointSizeF(max(7.5, f.pointSizeF() * 0.85))
        p.setFont(f)
        w = p.fontMetrics().horizontalAdvance(text) + 18
        box = QRectF(12, 12, w, 22)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(colour))
        p.drawRoundedRect(box, 11, 11)
        p.setPen(QColor("#17181b"))
        p.drawText(box, Qt.AlignCenter, text)

    # ------------------------------------------------------------------ interaction
    def wheelEvent(self, event) -> None:
        if self.image is None:
            return
        steps = event.angleDelta().y() / 120.0
        self.set_zoom(self.scale() * (1.25 ** steps), event.position())

    def mousePressEvent(self, event) -> None:
        if self.brush is not None and event.button() == Qt.LeftButton and self.image is not None:
            self._painting = True
            self.brush.begin(self.to_image(event.position()))
            self.update()
            return
        if event.button() in (Qt.LeftButton, Qt.MiddleButton, Qt.RightButton):
            self._drag = event.position()
            self.setCursor(Qt.ClosedHandCursor)

    def mouseMoveEvent(self, event) -> None:
        if self.brush is not None:
            self._hover = event.position()
            if self._painting:
                self.brush.move(self.to_image(event.position()))
            self.update()
        if self._drag is not None:
            self.pan += event.position() - self._drag
            self._drag = event.position()
            if self.zoom is None:
                self.zoom = self.scale()
            self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._painting:
            self._painting = False
            self.brush.end()
            self.stroke_finished.emit()
            return
        self._drag = None
        self.setCursor(Qt.CrossCursor if self.brush is not None else Qt.OpenHandCursor)

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()

    def mouseDoubleClickEvent(self, event) -> None:
        if self.brush is not None:                      # painting: a quick second click is another dab
            self.mousePressEvent(event)
            return
        self.fit()

"""Simple vector icons drawn with QPainter, crisp at any device pixel ratio.

    icon("play")                 # QIcon in the theme's text colour, re-tinted when the theme changes
    icon("stop", colour="#ef6461")
Names: new, open, export, play, pause, stop, undo, redo, folder, grid, chart, log, info, keyboard, close.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPainterPath, QPen, QPixmap

from .. import theme

_cache: dict[tuple, QIcon] = {}


def _pts(*xy: float) -> list[QPointF]:
    return [QPointF(xy[i], xy[i + 1]) for i in range(0, len(xy), 2)]


def _outline(p: QPainter, *xy: float) -> None:
    """A closed outline through the points."""
    p.drawPolygon(_pts(*xy))


def _filled(p: QPainter, path: QPainterPath) -> None:
    p.fillPath(path, p.pen().color())


def _play(p):
    path = QPainterPath()
    path.addPolygon(_pts(8, 5, 19, 12, 8, 19))
    _filled(p, path)


def _pause(p):
    for x in (7, 13.5):
        p.fillRect(QRectF(x, 5, 3.5, 14), p.pen().color())


def _stop(p):
    path = QPainterPath()
    path.addRoundedRect(QRectF(6, 6, 12, 12), 2, 2)
    _filled(p, path)


def _page(p, mark):
    _outline(p, 6, 3.5, 14, 3.5, 18.5, 8, 18.5, 20.5, 6, 20.5)
    mark(p)


def _folder(p, open_: bool):
    _outline(p, 3.5, 6, 9.5, 6, 11.5, 8, 20.5, 8, 20.5, 18.5, 3.5, 18.5)
    if open_:
        p.drawLine(QPointF(3.5, 11), QPointF(20.5, 11))


def _undo(p, mirrored: bool):
    p.save()
    if mirrored:
        p.translate(24, 0)
        p.scale(-1, 1)
    path = QPainterPath(QPointF(6, 10))
    path.lineTo(15, 10)
    path.cubicTo(QPointF(21, 10), QPointF(21, 19), QPointF(15, 19))
    path.lineTo(9, 19)
    p.drawPath(path)
    p.drawPolyline(_pts(9.5, 6.5, 6, 10, 9.5, 13.5))
    p.restore()


def _grid(p):
    for x in (4.5, 13):
        for y in (4.5, 13):
            p.drawRoundedRect(QRectF(x, y, 6.5, 6.5), 1.2, 1.2)


def _info(p):
    p.drawEllipse(QRectF(4, 4, 16, 16))
    p.drawLine(QPointF(12, 11), QPointF(12, 16))
    p.drawPoint(QPointF(12, 8))


def _keyboard(p):
    p.drawRoundedRect(QRectF(3, 7, 18, 11), 2, 2)
    for x in (7, 10, 13, 16):
        p.drawPoint(QPointF(x, 11))
    p.drawLine(QPointF(8, 14.5), QPointF(16, 14.5))


_DRAWINGS = {
    "play": _play, "pause": _pause, "stop": _stop,
    "new": lambda p: _page(p, lambda p: (p.drawLine(QPointF(12.25, 10), QPointF(12.25, 17)),
                                         p.drawLine(QPointF(8.75, 13.5), QPointF(15.75, 13.5)))),
    "export": lambda p: _page(p, lambda p: (p.drawLine(QPointF(12.25, 17), QPointF(12.25, 9.5)),
                                            p.drawPolyline(_pts(9, 12.5, 12.25, 9.25, 15.5, 12.5)))),
    "open": lambda p: _folder(p, True), "folder": lambda p: _folder(p, False),
    "undo": lambda p: _undo(p, False), "redo": lambda p: _undo(p, True),
    "grid": _grid,
    "chart": lambda p: (p.drawPolyline(_pts(4, 4, 4, 20, 20, 20)), p.drawPolyline(_pts(7, 16, 11, 10, 14, 13, 19, 6))),
    "log": lambda p: [p.drawLine(QPointF(5, y), QPointF(19, y)) for y in (7, 12, 17)],
    "info": _info, "keyboard": _keyboard,
    "close": lambda p: (p.drawLine(QPointF(7, 7), QPointF(17, 17)), p.drawLine(QPointF(17, 7), QPointF(7, 17))),
}


def _draw(p: QPainter, name: str) -> None:
    """Draw `name` in a 24x24 box with the current pen (an unknown name: a circle)."""
    _DRAWINGS.get(name, lambda p: p.drawEllipse(QRectF(6, 6, 12, 12)))(p)


class _ThemedIcon(QIconEngine):
    """Draws the icon when it is painted, in the colours of the theme then active: a theme change re-tints every
    icon already on a button, action or menu, with nothing to re-set."""

    def __init__(self, name: str, colour: str | None) -> None:
        super().__init__()
        self.name, self.colour = name, colour

    def _pen_colour(self, mode) -> str:
        c = theme.colours()
        return c["border"] if mode == QIcon.Disabled else (self.colour or c["text"])

    def paint(self, painter: QPainter, rect, mode, state) -> None:
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.translate(rect.x(), rect.y())
        painter.scale(rect.width() / 24.0, rect.height() / 24.0)
        painter.setPen(QPen(QColor(self._pen_colour(mode)), 1.7, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.setBrush(Qt.NoBrush)
        _draw(painter, self.name)
        painter.restore()

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode, state, scale: float) -> QPixmap:
        pm = QPixmap(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))
        pm.setDevicePixelRatio(scale)
        pm.fill(Qt.transparent)
        p = QPainter(pm)
        self.paint(p, QRect(0, 0, size.width(), size.height()), mode, state)
        p.end()
        return pm

    def clone(self) -> "QIconEngine":
        return _ThemedIcon(self.name, self.colour)


def icon(name: str, colour: str | None = None) -> QIcon:
    """The icon `name`, drawn in `colour`, else in the active theme's text colour (disabled: its border colour)."""
    key = (name, colour)
    if key not in _cache:
        _cache[key] = QIcon(_ThemedIcon(name, colour))
    return _cache[key]

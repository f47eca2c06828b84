"""Dark (default) and light themes: a QPalette, a stylesheet and the accent colours plots use.

    apply_theme(app, "dark")      # or "light"
    colours()                     # the active theme's named colours (for pyqtgraph, painters)
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from .. import resources

THEMES = ("dark", "light")

_COLOURS = {
    "dark": dict(window="#1f2125", base="#17181b", alt="#24262b", panel="#26282d", raised="#2e3137",
                 border="#3a3d44", text="#d9dce1", dim="#8a9099", accent="#4f9dff", accent_text="#ffffff",
                 good="#5cc98a", warn="#f0b44c", bad="#ef6461", plot_bg="#17181b",
                 series=("#4f9dff", "#ef7d57", "#5cc98a", "#c792ea", "#f0b44c", "#56c8d8")),
    "light": dict(window="#eef0f3", base="#ffffff", alt="#f5f6f8", panel="#e6e8ec", raised="#ffffff",
                  border="#c9cdd4", text="#1f2328", dim="#646b75", accent="#2f6fde", accent_text="#ffffff",
                  good="#238a52", warn="#b7791f", bad="#cf3c3a", plot_bg="#ffffff",
                  series=("#2f6fde", "#d4572c", "#238a52", "#8e44ad", "#b7791f", "#16879a")),
}
_active = "dark"


def colours(name: str | None = None) -> dict:
    return _COLOURS[name or _active]


def current() -> str:
    return _active


def _palette(c: dict) -> QPalette:
    p = QPalette()
    roles = {
        QPalette.Window: c["window"], QPalette.WindowText: c["text"], QPalette.Base: c["base"],
        QPalette.AlternateBase: c["alt"], QPalette.ToolTipBase: c["raised"], QPalette.ToolTipText: c["text"],
        QPalette.Text: c["text"], QPalette.Button: c["raised"], QPalette.ButtonText: c["text"],
        QPalette.BrightText: c["bad"], QPalette.Highlight: c["accent"], QPalette.HighlightedText: c["accent_text"],
        QPalette.Link: c["accent"], QPalette.PlaceholderText: c["dim"], QPalette.Mid: c["border"],
        QPalette.Dark: c["base"], QPalette.Light: c["raised"], QPalette.Midlight: c["panel"],
        QPalette.Shadow: "#000000",
    }
    for role, col in roles.items():
        p.setColor(role, QColor(col))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, QColor(c["dim"]))
    return p


def stylesheet(name: str) -> str:
    """studio/resources/theme/base.qss with the theme's colours substituted for @names."""
    c = _COLOURS[name]
    text = resources.path("theme", "base.qss").read_text(encoding="utf-8")
    text = text.replace("@icondir", resources.path("icons").as_posix())
    for key in sorted((k for k in c if k != "series"), key=len, reverse=True):
        text = text.replace("@" + key, c[key])
    return text


def apply_theme(app: QApplication, name: str = "dark") -> None:
    global _active
    if name not in THEMES:
        name = "dark"
    _active = name
    app.setStyle("Fusion")
    app.setPalette(_palette(_COLOURS[name]))
    f = QFont(app.font())
    if f.pointSizeF() < 9.5:
        f.setPointSizeF(9.5)
    app.setFont(f)
    app.setStyleSheet(stylesheet(name))
    try:
        import pyqtgraph as pg
        pg.setConfigOptions(background=_COLOURS[name]["plot_bg"], foreground=_COLOURS[name]["dim"],
                            antialias=True)
    except ImportError:  # pragma: no cover - pyqtgraph is a dependency
        pass

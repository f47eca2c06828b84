"""A small read-out: a CAPTION over a large value (images seen, usable images, …), and how values read in it."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def stat_block(title: str) -> tuple[QWidget, QLabel]:
    """→ (the widget to place, the value label to update)."""
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(10, 0, 10, 0)
    lay.setSpacing(0)
    cap = QLabel(title.upper())
    cap.setProperty("role", "caption")
    val = QLabel("—")
    val.setProperty("role", "stat")
    lay.addWidget(cap)
    lay.addWidget(val)
    return w, val


def fmt_duration(sec) -> str:
    if sec is None:
        return "—"
    sec = int(round(sec))
    h, rem = divmod(sec, 3600)
    m, s = divmod(rem, 60)
    return f"{h} h {m:02d} min" if h else (f"{m} min {s:02d} s" if m else f"{s} s")


def fmt_images(n: float) -> str:
    return f"{n / 1e6:.2f} M" if n >= 1e6 else (f"{n / 1e3:.1f} k" if n >= 1e4 else f"{n:,.0f}")

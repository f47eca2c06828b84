"""A small read-out: a CAPTION over a large value (images seen, usable images, …)."""
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

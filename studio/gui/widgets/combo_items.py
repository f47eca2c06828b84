"""Enabling and disabling one choice of a combo box so that it looks it: Qt's combo popup paints a disabled item
in the normal text colour (an unavailable ×4 size looked choosable), so a disabled item is also given the palette's
disabled text colour."""
from __future__ import annotations

from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import QComboBox


def set_item_enabled(combo: QComboBox, index: int, enabled: bool) -> None:
    item = combo.model().item(index)
    item.setEnabled(enabled)
    item.setForeground(QBrush() if enabled else combo.palette().brush(QPalette.Disabled, QPalette.Text))

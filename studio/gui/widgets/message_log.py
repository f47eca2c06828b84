"""The Messages panel: a timestamped list of what happened, coloured by level."""
from __future__ import annotations

import time

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from .. import theme
from .icons import icon

_ICON_COLOUR = {"info": "accent", "warning": "warn", "error": "bad"}


class MessageLog(QListWidget):
    MAX = 500

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("MessageLog")
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setAlternatingRowColors(False)
        self.setMinimumHeight(60)

    def add(self, text: str, level: str = "info") -> None:
        c = theme.colours()
        col = c[_ICON_COLOUR.get(level, "accent")]
        item = QListWidgetItem(icon("info" if level == "info" else "close" if level == "error" else "info", col),
                               f"{time.strftime('%H:%M:%S')}   {text}")
        item.setData(0x0100, level)
        if level != "info":
            item.setForeground(QColor(col))
        self.addItem(item)
        while self.count() > self.MAX:
            self.takeItem(0)
        self.scrollToBottom()

    def messages(self) -> list[tuple[str, str]]:
        return [(self.item(i).data(0x0100), self.item(i).text().split("   ", 1)[1]) for i in range(self.count())]

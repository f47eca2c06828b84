"""The canvas's size on Explore's toolbar: the model's pixels, or 2× / 4× through the model's upscaler.

    box = CanvasSize()
    box.chosen.connect(doc.set_upscale)                 # the artist picked a size (mouse, Tab + arrows, or U)
    box.show_sizes(64, 2, {4: "why not ×4"})            # mirrors the document (UpscaleChanged); never re-emits

Sizes the model cannot make stay listed, disabled, their tooltip saying why and how to get an upscaler; without
any upscaler the whole box is disabled with that sentence as its tooltip.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox

from ..widgets.combo_items import set_item_enabled

SIZES = (1, 2, 4)                 # × the model's size


def sentence(why: str) -> str:
    return f"{why[:1].upper()}{why[1:]}." if why else ""


class CanvasSize(QComboBox):
    chosen = Signal(int)              # the factor picked by the hand

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("canvasSize")
        self.setAccessibleName("Canvas size")
        # as wide as "1024 px" and its arrow, no wider: the toolbar keeps Export in view in a 1360 px window
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("1024 px") + 24)
        for f in SIZES:
            self.addItem(f"×{f}", f)
        self.activated.connect(lambda i: self.chosen.emit(int(self.itemData(i))))
        self.show_sizes(None, 1, {f: "open a model first" for f in SIZES[1:]})

    @property
    def factor(self) -> int:
        return int(self.currentData() or 1)

    def available(self) -> list[int]:
        items = self.model()
        return [int(self.itemData(i)) for i in range(self.count()) if items.item(i).isEnabled()]

    def show_sizes(self, resolution: int | None, factor: int, why_not: dict[int, str]) -> None:
        """Label the sizes in pixels, enable those the model makes (the others say why not) and show `factor`."""
        items = self.model()
        for i, f in enumerate(SIZES):
            why = why_not.get(f, "")
            self.setItemText(i, f"{resolution * f} px" if resolution else ("Model size" if f == 1 else f"×{f}"))
            set_item_enabled(self, i, not why)
            items.item(i).setToolTip(sentence(why) or ("The model's own pixels" if f == 1 else
                                                       f"Every frame enlarged {f}× by the model's upscaler"))
        blocked = self.blockSignals(True)
        self.setCurrentIndex(SIZES.index(factor) if factor in SIZES else 0)
        self.blockSignals(blocked)
        only_one = self.available() == [1]
        self.setEnabled(not only_one)
        self.setToolTip(sentence(why_not.get(2, "")) if only_one else
                        "The canvas's size: the model's pixels, or enlarged by its upscaler (U: the next size)")

    def next_size(self) -> int:
        """The next size the model makes after the one shown (round to the model's size)."""
        sizes = self.available()
        return sizes[(sizes.index(self.factor) + 1) % len(sizes)] if self.factor in sizes else 1

"""Small form fields the settings pages share."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel


def narrow_combo(items) -> QComboBox:
    """A combo box of (data, text) items that shrinks to its panel rather than growing to its longest text."""
    c = QComboBox()
    c.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    c.setMinimumContentsLength(12)
    for data, text in items:
        c.addItem(text, data)
    return c


def minutes_box(name: str, tip: str) -> QDoubleSpinBox:
    """A stage's minutes after the GAN (0 shows as None: no stage)."""
    return QDoubleSpinBox(decimals=2, minimum=0.0, maximum=600.0, singleStep=1.0, suffix=" min",
                          specialValueText="None", objectName=name, toolTip=tip)


class WrappedLabel(QLabel):
    """Wrapped text that is always given the height its lines need at the width it has (a form row's note once
    showed only the middle of its lines, cut above and below)."""

    def __init__(self, text: str = "", **kw):
        super().__init__(text, **kw)
        self.setWordWrap(True)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def _fit(self) -> None:
        need = self.heightForWidth(max(self.width(), 1))
        if need > 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)

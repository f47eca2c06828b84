"""Small form fields the settings pages share."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox


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

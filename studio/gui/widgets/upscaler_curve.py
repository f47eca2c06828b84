"""The upscaler stage's curve (pyqtgraph): the validation L1 of its EMA net by step, against the same distance for
Lanczos enlargements of the same pairs (the line to beat). Hidden until the run has a first evaluation.

    plot.add_records(records)     # upscaler-metrics.jsonl lines (kind "upscaler": step, val, lanczos)
    plot.series("val")            # (x, y) numpy arrays, for tests ("lanczos" too)
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .. import theme

KEYS = {"val": "upscaler (validation L1)", "lanczos": "Lanczos"}


class UpscalerCurve(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("UpscalerCurve")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setMinimumHeight(150)
        self.glw.setMaximumHeight(200)
        lay.addWidget(self.glw)
        self._data: dict[str, tuple[list, list]] = {k: ([], []) for k in KEYS}
        self._build()
        self.setVisible(False)

    def _build(self) -> None:
        c = theme.colours()
        self.glw.clear()
        self.glw.setBackground(c["plot_bg"])
        cols = {"val": c["series"][4 % len(c["series"])], "lanczos": c["dim"]}
        keys = "".join(f"&nbsp;&nbsp;&nbsp;<span style='color:{cols[k]}'>━━</span>&nbsp;"
                       f"<span style='color:{c['dim']}'>{name}</span>" for k, name in KEYS.items())
        self.plot = self.glw.addPlot()
        self.plot.setTitle(f"<span style='color:{c['text']};font-size:10pt'>Upscaler (lower is better)</span>"
                           f"<span style='font-size:9pt'>{keys}</span>")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "L1")
        for ax in ("left", "bottom"):
            self.plot.getAxis(ax).enableAutoSIPrefix(False)
        self._curves = {
            "val": self.plot.plot(pen=pg.mkPen(cols["val"], width=2), symbol="o", symbolSize=4,
                                  symbolBrush=cols["val"], symbolPen=None),
            "lanczos": self.plot.plot(pen=pg.mkPen(cols["lanczos"], width=1, style=Qt.DashLine))}
        self._show()

    def add_records(self, records) -> None:
        for r in records:
            if r.get("kind") != "upscaler" or not isinstance(r.get("val"), (int, float)):
                continue
            for key in KEYS:
                v = r.get(key)
                if isinstance(v, (int, float)) and np.isfinite(v):
                    xs, ys = self._data[key]
                    xs.append(float(r.get("step", len(xs))))
                    ys.append(float(v))
        self._show()

    def _show(self) -> None:
        for key, curve in self._curves.items():
            curve.setData(*self.series(key))
        self.setVisible(bool(self._data["val"][0]))

    def series(self, key: str):
        xs, ys = self._data[key]
        return np.asarray(xs, float), np.asarray(ys, float)

    def clear(self) -> None:
        self._data = {k: ([], []) for k in KEYS}
        self._show()

    def theme_changed(self) -> None:
        self._build()

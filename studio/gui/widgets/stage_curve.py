"""A stage's curve after the GAN (pyqtgraph), hidden until the run has a first evaluation:
- the upscaler: the validation L1 of its EMA net by step, against the same distance for Lanczos enlargements of the
  same pairs (the line to beat);
- the encoder: how far off its guesses of the model's own pictures are (mean pixel difference), and how far the
  model's pictures from its guesses of the run's own pictures are (perceptual).

    plot = StageCurve("upscaler")
    plot.add_records(records)     # the stage's metrics lines (kind "upscaler": step, val, lanczos)
    plot.series("val")            # (x, y) numpy arrays, for tests ("lanczos" too)
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .. import theme

# stage: (title, y label, {record key: legend}); the first key is the stage's score (solid), the others dashed
PLOTS = {"upscaler": ("Upscaler", "L1", {"val": "upscaler (validation L1)", "lanczos": "Lanczos"}),
         "encoder": ("Encoder", "error", {"val": "model's pictures (pixels)",
                                          "real_distance": "yours (perceptual)"})}


class StageCurve(QWidget):
    def __init__(self, name: str = "upscaler", parent=None):
        super().__init__(parent)
        self.name = name
        self.title, self.unit, self.keys = PLOTS[name]
        self.setObjectName(f"{name.capitalize()}Curve")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setMinimumHeight(150)
        self.glw.setMaximumHeight(200)
        lay.addWidget(self.glw)
        self._data: dict[str, tuple[list, list]] = {k: ([], []) for k in self.keys}
        self._build()
        self.setVisible(False)

    def _build(self) -> None:
        c = theme.colours()
        self.glw.clear()
        self.glw.setBackground(c["plot_bg"])
        score, *rest = self.keys
        cols = {score: c["series"][4 % len(c["series"])], **{k: c["dim"] for k in rest}}
        keys = "".join(f"&nbsp;&nbsp;&nbsp;<span style='color:{cols[k]}'>━━</span>&nbsp;"
                       f"<span style='color:{c['dim']}'>{name}</span>" for k, name in self.keys.items())
        self.plot = self.glw.addPlot()
        self.plot.setTitle(f"<span style='color:{c['text']};font-size:10pt'>{self.title} (lower is better)</span>"
                           f"<span style='font-size:9pt'>{keys}</span>")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", self.unit)
        for ax in ("left", "bottom"):
            self.plot.getAxis(ax).enableAutoSIPrefix(False)
        self._curves = {score: self.plot.plot(pen=pg.mkPen(cols[score], width=2), symbol="o", symbolSize=4,
                                              symbolBrush=cols[score], symbolPen=None),
                        **{k: self.plot.plot(pen=pg.mkPen(cols[k], width=1, style=Qt.DashLine)) for k in rest}}
        self._show()

    def add_records(self, records) -> None:
        for r in records:
            if r.get("kind") != self.name or not isinstance(r.get("val"), (int, float)):
                continue
            for key in self.keys:
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
        self._data = {k: ([], []) for k in self.keys}
        self._show()

    def theme_changed(self) -> None:
        self._build()

"""Training curves (pyqtgraph): losses, D outputs and quality metrics, against thousands of images.

    panel.add_records(records)    # dicts as in metrics.jsonl: kind "step" (default) or "quality"
    panel.series("loss_g")        # (x, y) numpy views, for tests

Quality records ({"kind": "quality", "kimg": 1.2, "kid": 0.03, "coverage": 0.6, ...}) add their KID (lower is
better, the left axis; see QUALITY_SERIES) and their coverage (higher is better, in %, on its own right axis) to
the Quality plot, which appears with its first point. Curves use growing numpy buffers, so a run of millions of
points costs amortised O(1) per point.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .. import theme

SMOOTH = 0.08          # EMA weight of each new point in the smoothed curves
# what the Quality plot shows of a quality record (other figures are in metrics.jsonl / evaluate): KID on the left
# axis, and on the right axis (RIGHT_AXIS, 0-100 %) the share of the training pictures that have a sample near them
QUALITY_SERIES = {"kid": "KID (EfficientNet-Lite1), lower is better",
                  "coverage": "Coverage (right, %), higher is better"}
RIGHT_AXIS = {"coverage": 100.0}            # key → the factor its values are shown at
AXIS_WIDTH = (52, 52)                       # px of the left and right axes, the same on every plot: the x axes align


class Series:
    """A growing (x, y) buffer with an EMA-smoothed copy of y."""

    def __init__(self, capacity: int = 1024):
        self.x = np.empty(capacity)
        self.y = np.empty(capacity)
        self.s = np.empty(capacity)
        self.n = 0

    def extend(self, xs, ys) -> None:
        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        need = self.n + len(xs)
        if need > len(self.x):
            cap = max(need, 2 * len(self.x))
            for name in ("x", "y", "s"):
                buf = np.empty(cap)
                buf[:self.n] = getattr(self, name)[:self.n]
                setattr(self, name, buf)
        prev = self.s[self.n - 1] if self.n else None
        for i, v in enumerate(ys):
            if not np.isfinite(v):
                sm = prev if prev is not None else v
            else:
                sm = v if prev is None or not np.isfinite(prev) else prev + SMOOTH * (v - prev)
            self.s[self.n + i] = sm
            prev = sm
        self.x[self.n:need] = xs
        self.y[self.n:need] = ys
        self.n = need

    def view(self):
        return self.x[:self.n], self.y[:self.n]

    def smoothed(self):
        return self.x[:self.n], self.s[:self.n]


class CurvePanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.glw = pg.GraphicsLayoutWidget()
        lay.addWidget(self.glw)
        self._series: dict[str, Series] = {}
        self._curves: dict[str, tuple] = {}
        self._dirty: set[str] = set()
        self.quality_plot = self.right_view = None
        self._build()

    def _plot(self, row: int, title: str, ylabel: str):
        c = theme.colours()
        # the title and the legend share a row above the plot (inside it, the legend covered the curves)
        head = self.glw.addLabel("", row=2 * row, col=0, justify="left")
        head.setMaximumHeight(24)
        head.title, head.entries = title, []
        self.glw.ci.layout.setRowStretchFactor(2 * row + 1, 1)
        p = self.glw.addPlot(row=2 * row + 1, col=0)
        p.head = head
        self._write_head(p)
        p.showGrid(x=True, y=True, alpha=0.15)
        p.setLabel("left", ylabel)
        p.setClipToView(True)
        p.setDownsampling(auto=True, mode="peak")
        p.getViewBox().setMouseEnabled(x=True, y=False)
        for ax in ("left", "bottom"):
            p.getAxis(ax).enableAutoSIPrefix(False)
        p.getAxis("left").setWidth(AXIS_WIDTH[0])
        p.showAxis("right")                      # empty but as wide as the Quality plot's coverage axis
        right = p.getAxis("right")
        right.setWidth(AXIS_WIDTH[1])
        right.setStyle(showValues=False)
        right.setPen(pg.mkPen(None))
        return p

    @staticmethod
    def _write_head(plot, label: str | None = None, colour: str | None = None) -> None:
        """The plot's title and, after it, one coloured line and name per curve (the legend)."""
        c = theme.colours()
        head = plot.head
        if label is not None:
            head.entries.append((label, colour))
        keys = "".join(f"&nbsp;&nbsp;&nbsp;<span style='color:{col}'>━━</span>&nbsp;"
                       f"<span style='color:{c['dim']}'>{name}</span>" for name, col in head.entries)
        head.setText(f"<span style='color:{c['text']};font-size:10pt'>{head.title}</span>"
                     f"<span style='font-size:9pt'>{keys}</span>")

    def legend_names(self, plot) -> list[str]:
        return [name for name, _ in plot.head.entries]

    def _build(self) -> None:
        if self.right_view is not None:                 # the right axis' view lives in the scene, not the layout
            self.glw.scene().removeItem(self.right_view)
            self.right_view = None
        self.glw.clear()
        self._curves.clear()
        c = theme.colours()
        self.glw.setBackground(c["plot_bg"])
        self.loss_plot = self._plot(0, "Losses", "loss")
        self.d_plot = self._plot(1, "Discriminator output", "mean D")
        self.d_plot.setXLink(self.loss_plot)
        self.quality_plot = None
        s = c["series"]
        self._add_curve(self.loss_plot, "loss_g", "G loss", s[0])
        self._add_curve(self.loss_plot, "loss_d", "D loss", s[1])
        self._add_curve(self.d_plot, "d_real", "D(x) real", s[2])
        self._add_curve(self.d_plot, "d_fake", "D(G(z)) fake", s[3])
        self.d_plot.setLabel("bottom", "thousand images seen (kimg)")
        for key in list(self._series):
            if key not in self._curves:
                self._ensure_quality(key)
        self._dirty = set(self._series)
        self.refresh()

    def _add_curve(self, plot, key: str, label: str, colour: str) -> None:
        raw = plot.plot(pen=pg.mkPen(colour + "55", width=1))
        smooth = plot.plot(pen=pg.mkPen(colour, width=2))
        self._write_head(plot, label, colour)
        self._curves[key] = (raw, smooth)
        self._series.setdefault(key, Series())

    def _ensure_quality(self, key: str) -> None:
        if key in self._curves:
            return
        if self.quality_plot is None:
            self.quality_plot = self._plot(2, "Quality", "KID")
            self.quality_plot.setXLink(self.loss_plot)
            self.quality_plot.setLabel("bottom", "thousand images seen (kimg)")
        c = theme.colours()["series"]
        n = sum(1 for k in self._curves if k.startswith("q:"))
        col = c[(4 + n) % len(c)]
        kw = dict(pen=pg.mkPen(col, width=2), symbol="o", symbolSize=5, symbolBrush=col, symbolPen=None)
        if key[2:] in RIGHT_AXIS:
            curve = pg.PlotDataItem(**kw)
            self._right_view().addItem(curve)
        else:
            curve = self.quality_plot.plot(**kw)
        self._write_head(self.quality_plot, QUALITY_SERIES.get(key[2:], key[2:]), col)
        self._curves[key] = (None, curve)
        self._series.setdefault(key, Series(64))

    def _right_view(self) -> pg.ViewBox:
        """The Quality plot's second y axis (right, 0-100 %), sharing its x axis."""
        if self.right_view is None:
            p = self.quality_plot
            self.right_view = vb = pg.ViewBox(enableMouse=False)
            p.scene().addItem(vb)
            axis = p.getAxis("right")
            axis.setStyle(showValues=True)
            axis.setPen(pg.mkPen(theme.colours()["dim"]))
            axis.linkToView(vb)
            axis.enableAutoSIPrefix(False)
            axis.setLabel("coverage %")
            vb.setXLink(p)
            vb.setYRange(0, 100, padding=0.02)
            vb.enableAutoRange(pg.ViewBox.YAxis, False)

            def follow() -> None:
                vb.setGeometry(p.getViewBox().sceneBoundingRect())
                vb.linkedViewChanged(p.getViewBox(), vb.XAxis)
            p.getViewBox().sigResized.connect(follow)
            follow()
        return self.right_view

    def add_records(self, records) -> None:
        steps = [r for r in records if r.get("kind", "step") == "step"]
        if steps:
            x = [r["kimg"] for r in steps]
            for key in ("loss_g", "loss_d", "d_real", "d_fake"):
                self._series[key].extend(x, [r.get(key, np.nan) for r in steps])
                self._dirty.add(key)
        for r in records:
            if r.get("kind") == "quality" and "kimg" in r:
                for k, v in r.items():
                    if k in QUALITY_SERIES and isinstance(v, (int, float)) and not isinstance(v, bool):
                        key = "q:" + k
                        self._ensure_quality(key)
                        self._series[key].extend([r["kimg"]], [v * RIGHT_AXIS.get(k, 1.0)])
                        self._dirty.add(key)

    def add_steps(self, events) -> None:
        """StepMetrics events straight from the trainer."""
        self.add_records([e.to_dict() for e in events])

    def refresh(self) -> None:
        for key in self._dirty:
            raw, smooth = self._curves[key]
            s = self._series[key]
            if raw is not None:
                raw.setData(*s.view())
                smooth.setData(*s.smoothed())
            else:
                smooth.setData(*s.view())
        self._dirty.clear()

    def series(self, key: str):
        """(x, y) of a curve as drawn (coverage in %)."""
        s = self._series.get(key) or self._series.get("q:" + key)
        return s.view() if s is not None else (np.empty(0), np.empty(0))

    def clear(self) -> None:
        self._series = {}
        self._build()

    def theme_changed(self) -> None:
        self._build()

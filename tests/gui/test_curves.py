"""The training curves: the legend never covers the plotted data (issue 26)."""
import numpy as np
from PySide6.QtWidgets import QApplication

from studio.gui.widgets.curves import CurvePanel


def test_the_legends_sit_outside_the_plots(qtbot, shot):
    panel = CurvePanel()
    qtbot.addWidget(panel)
    panel.resize(520, 560)
    x = np.linspace(0, 4, 200)
    panel.add_records([{"kimg": k, "loss_g": 2 + np.sin(5 * k), "loss_d": 1 + np.cos(3 * k), "d_real": 0.6,
                        "d_fake": 0.4} for k in x] + [{"kind": "quality", "kimg": 2.0, "kid": 0.05}])
    panel.refresh()
    panel.show()
    qtbot.waitExposed(panel)
    QApplication.processEvents()
    plots = [panel.loss_plot, panel.d_plot, panel.quality_plot]
    for p in plots:
        legend, view = p.head, p.getViewBox()                 # the title row carries the legend
        assert legend.isVisible() and panel.legend_names(p)
        assert p.legend is None                               # none drawn inside the plot
        data = view.sceneBoundingRect()
        assert data.width() > 100 and data.height() > 40
        for other in plots:                       # no legend covers any plot's data
            assert not legend.sceneBoundingRect().intersects(other.getViewBox().sceneBoundingRect())
    assert panel.legend_names(panel.loss_plot) == ["G loss", "D loss"]
    assert "G loss" in panel.loss_plot.head.text and "KID" in panel.quality_plot.head.text
    shot(panel, "curves-legend-outside")

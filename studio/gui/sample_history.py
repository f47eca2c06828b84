"""The Samples card of the Train workspace: the live sample grid and a History scrubber through earlier grids."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout

from .widgets.image_view import ImageView


class SampleHistory(QFrame):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setProperty("role", "card")
        self.samples: list[tuple[int, Path]] = []     # (step, saved grid), oldest first
        self.live = True                              # follow the newest grid
        ll = QVBoxLayout(self)
        ll.setContentsMargins(12, 10, 12, 12)
        head = QHBoxLayout()
        t = QLabel("Samples")
        t.setProperty("role", "heading")
        self.label = QLabel("")
        self.label.setProperty("role", "subtitle")
        head.addWidget(t)
        head.addStretch(1)
        head.addWidget(self.label)
        ll.addLayout(head)
        self.view = ImageView(placeholder="Samples from fixed latents appear here as the model learns.")
        ll.addWidget(self.view, 1)
        scrub = QGridLayout()
        self.scrubber = QSlider(Qt.Horizontal)
        self.scrubber.setEnabled(False)
        self.scrubber.valueChanged.connect(self._on_scrub)
        self.btn_live = QPushButton("Live")
        self.btn_live.setCheckable(True)
        self.btn_live.setChecked(True)
        self.btn_live.setToolTip("Follow the newest samples")
        self.btn_live.clicked.connect(self.go_live)
        cap = QLabel("History")
        cap.setProperty("role", "caption")
        scrub.addWidget(cap, 0, 0)
        scrub.addWidget(self.scrubber, 0, 1)
        scrub.addWidget(self.btn_live, 0, 2)
        ll.addLayout(scrub)
        self._scrub = scrub

    def add_button(self, button: QPushButton) -> None:
        """A button at the end of the history row (the Train view's "Explore this run")."""
        self._scrub.addWidget(button, 0, self._scrub.columnCount())

    def set_samples(self, samples: list[tuple[int, Path]], show_newest: bool = True) -> None:
        self.samples = list(samples)
        self._update_scrubber(jump_live=self.live, show=show_newest)

    def add(self, step: int, path: Path | None, grid=None, kimg: float = 0.0) -> None:
        """A new grid from training: kept in the history when saved, shown when following live."""
        if path:
            self.samples.append((step, Path(path)))
            self._update_scrubber(jump_live=self.live, show=False)
        if self.live and grid is not None:
            self.view.set_array(grid)
            self.label.setText(f"step {step:,}  ·  {kimg:.2f} kimg")

    def clear(self) -> None:
        self.samples = []
        self.view.set_array(None)
        self.label.setText("")
        self._update_scrubber(jump_live=True, show=False)

    def image(self) -> QImage | None:
        return self.view.image()

    def _update_scrubber(self, jump_live: bool, show: bool) -> None:
        n = len(self.samples)
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, max(0, n - 1))
        self.scrubber.setEnabled(n > 1)
        if jump_live:
            self.scrubber.setValue(max(0, n - 1))
        self.scrubber.blockSignals(False)
        if jump_live and show and n:
            self.show_sample(n - 1)

    def _on_scrub(self, i: int) -> None:
        self.live = i >= len(self.samples) - 1
        self.btn_live.setChecked(self.live)
        self.show_sample(i)

    def show_sample(self, i: int) -> None:
        if not 0 <= i < len(self.samples):
            return
        step, path = self.samples[i]
        img = QImage(str(path))
        if img.isNull():
            self.label.setText(f"step {step:,}: {path.name} cannot be read")
            return
        self.view.set_image(img)
        self.label.setText(f"step {step:,}  ·  {i + 1} of {len(self.samples)}")

    def go_live(self) -> None:
        self.live = True
        self.btn_live.setChecked(True)
        self._update_scrubber(jump_live=True, show=True)

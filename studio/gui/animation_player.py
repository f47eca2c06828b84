"""AnimationPlayer: a canvas with play/pause, scrub, repeat and a time readout, driven by the wall clock.

Frame shown = int(elapsed seconds × fps) mod N: a slow machine drops frames, the clock never slows.
`set_animation(frames, count, fps)` takes a list that may still be filling (the preview appends each batch
on the UI thread, then refresh()); a frame not rendered yet shows the newest one that is ready.
"""
from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QToolButton, QVBoxLayout, QWidget

from .widgets.icons import icon
from .widgets.image_view import ImageView


class AnimationPlayer(QWidget):
    def __init__(self, placeholder: str = "", parent=None):
        super().__init__(parent)
        self.frames: list = []
        self.count, self.fps = 0, 24
        self._clock = QElapsedTimer()
        self._offset = 0.0                         # seconds into the animation when play started
        self._shown = -1
        self._tick = QTimer(self, interval=10, timeout=self._on_tick)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.view = ImageView(placeholder=placeholder)
        v.addWidget(self.view, 1)
        bar = QHBoxLayout()
        self.play_btn = QToolButton(toolTip="Play / pause (Space)", checkable=True, autoRaise=True)
        self.play_btn.setIcon(icon("play"))
        self.play_btn.toggled.connect(self._on_play)
        self.scrub = QSlider(Qt.Horizontal, toolTip="Scrub through the animation")
        self.scrub.valueChanged.connect(self._on_scrub)
        self.loop_box = QCheckBox("Repeat", checked=True, toolTip="Play the preview over and over")
        self.time_label = QLabel("0.00 / 0.00 s")
        self.time_label.setProperty("role", "caption")
        self.time_label.setMinimumWidth(160)
        for w in (self.play_btn, self.scrub, self.loop_box, self.time_label):
            bar.addWidget(w, 1 if w is self.scrub else 0)
        v.addLayout(bar)

    def set_animation(self, frames: list, count: int, fps: int) -> None:
        self.frames, self.count, self.fps, self._shown = frames, int(count), int(fps), -1
        self.scrub.blockSignals(True)
        self.scrub.setRange(0, max(0, self.count - 1))
        self.scrub.setValue(min(self.scrub.value(), max(0, self.count - 1)))
        self.scrub.blockSignals(False)
        if self.play_btn.isChecked():
            self._on_play(True)

    def clear(self, placeholder: str) -> None:
        self.set_animation([], 0, self.fps)
        self.view.set_array(None)
        self.view.set_placeholder(placeholder)
        self.time_label.setText("0.00 / 0.00 s")

    def refresh(self) -> None:
        """More frames arrived: show the current one if it was missing."""
        if not self.play_btn.isChecked():
            self.show_frame(self.scrub.value())

    def current_frame(self) -> int:
        return self._shown

    def show_frame(self, i: int) -> None:
        if not self.frames or not self.count:
            return
        i = min(i, len(self.frames) - 1)
        if i != self._shown:
            self._shown = i
            self.view.set_array(self.frames[i])
        self.time_label.setText(f"{i / self.fps:5.2f} / {self.count / self.fps:.2f} s · frame {i + 1}/{self.count}")

    def step(self, delta: int) -> None:
        """One frame back or on (pauses playback)."""
        if not self.count:
            return
        self.play_btn.setChecked(False)
        self.scrub.setValue((self.scrub.value() + delta) % self.count)

    def stop(self) -> None:
        self.play_btn.setChecked(False)
        self._tick.stop()

    def _on_play(self, on: bool) -> None:
        self.play_btn.setIcon(icon("pause" if on else "play"))
        if on and self.count:
            if not self.loop_box.isChecked() and self.scrub.value() >= self.count - 1:
                self.scrub.setValue(0)
            self._offset = self.scrub.value() / self.fps
            self._clock.start()
            self._tick.start()
        else:
            self._tick.stop()

    def _on_tick(self) -> None:
        if not self.count:
            return
        i = int((self._offset + self._clock.elapsed() / 1000.0) * self.fps)   # the clock decides
        if i >= self.count and not self.loop_box.isChecked():
            self.play_btn.setChecked(False)
            i = self.count - 1
        i %= self.count
        self.scrub.blockSignals(True)
        self.scrub.setValue(i)
        self.scrub.blockSignals(False)
        self.show_frame(i)

    def _on_scrub(self, i: int) -> None:
        if self.play_btn.isChecked() and self.count:
            self._offset = i / self.fps
            self._clock.restart()
        self.show_frame(i)

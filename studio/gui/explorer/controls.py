"""The explorer's control panel: seed, ψ, the bank of GANSpace direction sliders and the mix.

Widgets only show the state and report the hand's edits as signals; the workspace turns each
edit into an undoable command. `show_state` never re-emits (signals are blocked while it runs).
"""
from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QMenu, QProgressBar, QPushButton, QSlider, QSpinBox, QToolButton,
                               QVBoxLayout, QWidget)

from ...core.explore import SEED_MAX, LatentState

DIR_STEPS = 100          # slider units per σ
DIR_SPAN = 3             # the slider spans ±3 standard deviations of the latents along its direction


SLIDER_KEYS = {Qt.Key_Left, Qt.Key_Right, Qt.Key_Up, Qt.Key_Down, Qt.Key_PageUp, Qt.Key_PageDown, Qt.Key_Home,
               Qt.Key_End}


class KeepKeys(QObject):
    """A focused slider keeps its own keys (arrows, Page Up/Down, Home, End) before the workspace's shortcuts
    see them: the arrows change the seed elsewhere in Explore, and move the slider on a slider."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.ShortcutOverride and event.key() in SLIDER_KEYS \
                and not event.modifiers() & ~Qt.KeypadModifier:
            event.accept()
            return True
        return False


class ValueSlider(QWidget):
    """A horizontal slider with a value read-out; emits moved(value, dragging)."""
    moved = Signal(float, bool)

    def __init__(self, lo: float, hi: float, scale: int, fmt: str = "{:+.2f}", parent=None):
        super().__init__(parent)
        self.scale, self.fmt = scale, fmt
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(int(round(lo * scale)), int(round(hi * scale)))
        self.slider.setPageStep(scale // 4 or 1)
        self._keys = KeepKeys(self)
        self.slider.installEventFilter(self._keys)
        self.label = QLabel()
        self.label.setMinimumWidth(44)
        self.label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.label.setObjectName("valueLabel")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        self.slider.valueChanged.connect(self._changed)
        self.set_value(0.0)

    def value(self) -> float:
        return self.slider.value() / self.scale

    def set_value(self, v: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(v * self.scale)))
        self.slider.blockSignals(False)
        self.label.setText(self.fmt.format(self.value()))

    def _changed(self, _):
        self.label.setText(self.fmt.format(self.value()))
        self.moved.emit(self.value(), self.slider.isSliderDown())


class DirectionName(QLineEdit):
    """A direction's name: reads as a label; double-click it (or right-click ▸ Rename…) to type a new one,
    Enter keeps it, Esc leaves it as it was."""
    rename_done = Signal(str)
    reset_requested = Signal()

    def __init__(self, name: str, parent=None):
        super().__init__(name, parent)
        self.setObjectName("directionName")
        self.setFrame(False)
        self.setMaxLength(40)
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.NoFocus)
        self.setCursor(Qt.ArrowCursor)
        self.menu: QMenu | None = None
        self._before = name
        self.editingFinished.connect(self._finish)

    def start_rename(self) -> None:
        self._before = self.text()
        self.setReadOnly(False)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setCursor(Qt.IBeamCursor)
        self.setFocus(Qt.OtherFocusReason)
        self.selectAll()

    def _finish(self) -> None:
        if self.isReadOnly():
            return
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.NoFocus)
        self.setCursor(Qt.ArrowCursor)
        self.deselect()
        if self.text().strip() != self._before:
            self.rename_done.emit(self.text().strip())

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape and not self.isReadOnly():
            self.setText(self._before)
            self._finish()
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        if self.isReadOnly():
            self.start_rename()
        else:
            super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event) -> None:
        if not self.isReadOnly():
            return super().contextMenuEvent(event)
        self.menu = QMenu(self)
        self.menu.addAction("Rename…", self.start_rename)
        self.menu.addAction("Reset to 0", self.reset_requested)
        self.menu.popup(event.globalPos())


class DirectionRow(QWidget):
    moved = Signal(int, float, bool)
    renamed = Signal(int, str)
    reset = Signal(int)

    def __init__(self, k: int, name: str, variance: float, std: float = 1.0, parent=None):
        super().__init__(parent)
        self.k = k
        self.name = DirectionName(name)
        self.name.setToolTip(f"Direction {k + 1}: explains {variance * 100:.1f} % of the early-layer variance.\n"
                             "Double-click (or right-click ▸ Rename…) to name it.")
        self.name.setFixedWidth(96)
        span = math.ceil(DIR_SPAN * std * 2) / 2   # what the latents reach along it (±3 spreads, to ½ σ up)
        self.slider = ValueSlider(-span, span, DIR_STEPS)
        self.slider.setToolTip(f"Move along this principal direction (in standard deviations; the slider spans "
                               f"±{span:.1f}, where the model's latents lie)")
        self.zero = QToolButton()
        self.zero.setText("↺")
        self.zero.setToolTip("Reset this direction to 0")
        self.zero.setAutoRaise(True)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.name)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.zero)
        self.slider.moved.connect(lambda v, d: self.moved.emit(self.k, v, d))
        self.name.rename_done.connect(lambda text: self.renamed.emit(self.k, text))
        self.name.reset_requested.connect(lambda: self.reset.emit(self.k))
        self.zero.clicked.connect(lambda: self.reset.emit(self.k))


class LatentControls(QWidget):
    seed_changed = Signal(int)
    random_requested = Signal()
    psi_changed = Signal(float, bool)
    direction_changed = Signal(int, float, bool)
    direction_renamed = Signal(int, str)
    direction_reset = Signal(int)
    directions_reset = Signal()
    count_changed = Signal(int)
    mix_changed = Signal(object, float, bool)     # source (int seed | ('key', index) | None), t, dragging
    slider_released = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[DirectionRow] = []
        self.setStyleSheet("QLineEdit#directionName { background: transparent; border: 1px solid transparent; "
                           "padding: 1px 4px; } QLineEdit#directionName:hover { border-color: palette(mid); } "
                           "QLineEdit#directionName:focus { border-color: palette(highlight); "
                           "background: palette(base); } QLabel#valueLabel { font-family: monospace; }")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 10, 10, 10)
        outer.setSpacing(10)
        for group in (self._latent_group(), self._directions_group(), self._mix_group()):
            outer.addWidget(group)
        outer.addStretch(1)
        self.set_keyframe_labels([])
        self._connect()

    def _latent_group(self) -> QGroupBox:
        latent = QGroupBox("Latent")
        form = QFormLayout(latent)
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        seed_row = QHBoxLayout()
        self.prev = QToolButton(text="‹", toolTip="Previous seed")
        self.seed = QSpinBox()
        self.seed.setRange(0, SEED_MAX)
        self.seed.setToolTip("The seed picks the starting latent")
        self.next = QToolButton(text="›", toolTip="Next seed")
        self.random = QPushButton("Random")
        # room for the longest seed (10 digits) and the arrows; a latent that is not a seed's reads "—"
        self.seed.setMinimumWidth(self.seed.fontMetrics().horizontalAdvance(str(SEED_MAX)) + 36)
        self.random.setToolTip("A random seed (R)")
        for w in (self.prev, self.seed, self.next, self.random):
            seed_row.addWidget(w)
        seed_row.setStretch(1, 1)
        form.addRow("Seed", seed_row)
        self.psi = ValueSlider(0.0, 1.5, 100, "{:.2f}")
        self.psi.setToolTip("Truncation ψ: 1 = the full variety, lower = closer to the average image")
        form.addRow("Truncation ψ", self.psi)
        return latent

    def _directions_group(self) -> QGroupBox:
        dirs = QGroupBox("Directions")
        dl = QVBoxLayout(dirs)
        head = QHBoxLayout()
        self.count = QSpinBox()
        self.count.setRange(8, 64)
        self.count.setValue(12)
        self.count.setSuffix(" shown")
        self.count.setToolTip("How many principal directions to show (8–64)")
        self.reset_all = QPushButton("Reset all")
        head.addWidget(self.count)
        head.addStretch(1)
        head.addWidget(self.reset_all)
        dl.addLayout(head)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFormat("Finding directions… %p%")
        self.progress.hide()
        dl.addWidget(self.progress)
        self.dir_note = QLabel("Open a model to find its principal directions.")
        self.dir_note.setObjectName("hint")
        self.dir_note.setWordWrap(True)
        dl.addWidget(self.dir_note)
        self.rows_box = QWidget()
        self.rows_lay = QVBoxLayout(self.rows_box)
        self.rows_lay.setContentsMargins(0, 0, 0, 0)
        self.rows_lay.setSpacing(2)
        dl.addWidget(self.rows_box)
        return dirs

    def _mix_group(self) -> QGroupBox:
        mix = QGroupBox("Mix")
        mf = QFormLayout(mix)
        self.mix_source = QComboBox()
        self.mix_source.setToolTip("The second latent to blend toward: another seed or a keyframe")
        self.mix_seed = QSpinBox()
        self.mix_seed.setRange(0, SEED_MAX)
        self.mix_seed.setValue(1)
        src = QHBoxLayout()
        src.addWidget(self.mix_source, 1)
        src.addWidget(self.mix_seed)
        mf.addRow("With", src)
        self.mix_t = ValueSlider(0.0, 1.0, 100, "{:.2f}")
        self.mix_t.setToolTip("Blend (spherical) from this latent (0) to the second one (1)")
        mf.addRow("Blend", self.mix_t)
        return mix

    def _connect(self) -> None:
        self.seed.valueChanged.connect(lambda v: self.seed_changed.emit(v) if v >= 0 else None)
        self.prev.clicked.connect(lambda: self.seed.setValue(max(0, self.seed.value() - 1)))
        self.next.clicked.connect(lambda: self.seed.setValue(min(SEED_MAX, self.seed.value() + 1)))
        self.random.clicked.connect(self.random_requested)
        self.psi.moved.connect(self.psi_changed)
        self.psi.slider.sliderReleased.connect(self.slider_released)
        self.mix_t.slider.sliderReleased.connect(self.slider_released)
        self.reset_all.clicked.connect(self.directions_reset)
        self.count.valueChanged.connect(self.count_changed)
        self.mix_t.moved.connect(lambda t, d: self.mix_changed.emit(self.mix_choice(), t, d))
        self.mix_source.currentIndexChanged.connect(self._source_changed)
        self.mix_seed.valueChanged.connect(lambda _: self.mix_changed.emit(self.mix_choice(), self.mix_t.value(), False))

    # ------------------------------------------------------------------ directions bank
    def set_directions(self, names: list[str], variance: list[float], std: list[float] | None = None) -> None:
        for r in self.rows:
            r.setParent(None)
            r.deleteLater()
        self.rows = []
        std = std or [1.0] * len(names)
        for k, (n, v, sd) in enumerate(zip(names, variance, std)):
            row = DirectionRow(k, n, v, sd)
            row.moved.connect(self.direction_changed)
            row.renamed.connect(self.direction_renamed)
            row.reset.connect(self.direction_reset)
            row.slider.slider.sliderReleased.connect(self.slider_released)
            row.setVisible(k < self.count.value())
            self.rows_lay.addWidget(row)
            self.rows.append(row)
        self.dir_note.setVisible(not names)
        self.count.setMaximum(max(8, min(64, len(names) or 64)))

    def show_count(self, n: int) -> None:
        for r in self.rows:
            r.setVisible(r.k < n)

    def set_progress(self, frac: float | None, note: str = "") -> None:
        self.progress.setVisible(frac is not None)
        if frac is not None:
            self.progress.setValue(int(frac * 100))
        if note:
            self.dir_note.setText(note)
            self.dir_note.setVisible(True)

    # ------------------------------------------------------------------ mix source
    def set_keyframe_labels(self, labels: list[str]) -> None:
        cur = self.mix_source.currentIndex()
        self.mix_source.blockSignals(True)
        self.mix_source.clear()
        self.mix_source.addItem("Seed")
        for i, lab in enumerate(labels):
            self.mix_source.addItem(f"Keyframe {i + 1}" + (f" · {lab}" if lab else ""))
        self.mix_source.setCurrentIndex(cur if 0 <= cur < self.mix_source.count() else 0)
        self.mix_source.blockSignals(False)
        self.mix_seed.setVisible(self.mix_source.currentIndex() == 0)

    def mix_choice(self):
        i = self.mix_source.currentIndex()
        return self.mix_seed.value() if i <= 0 else ("key", i - 1)

    def _source_changed(self, i: int) -> None:
        self.mix_seed.setVisible(i == 0)
        self.mix_changed.emit(self.mix_choice(), self.mix_t.value(), False)

    # ------------------------------------------------------------------ showing a state
    def show_state(self, s: LatentState) -> None:
        for w in (self.seed, self.mix_seed):
            w.blockSignals(True)
        # a found picture, a keyframe or a PNG's latent replaces the seed's: the box says so instead of "0"
        own = s.base is not None
        self.seed.setMinimum(-1 if own else 0)
        self.seed.setSpecialValueText("—" if own else "")       # Qt shows it whenever the value is the minimum
        self.seed.setValue(-1 if own else int(s.seed) % (SEED_MAX + 1))
        self.seed.setToolTip(f"{s.label or 'This latent'} did not come from a seed: type one to leave it"
                             if own else "The seed picks the starting latent")
        if s.mix_seed is not None:
            self.mix_seed.setValue(int(s.mix_seed) if s.mix_seed <= SEED_MAX else 0)
        for w in (self.seed, self.mix_seed):
            w.blockSignals(False)
        self.psi.set_value(s.psi)
        self.mix_t.set_value(s.mix_t)
        for r in self.rows:
            r.slider.set_value(s.direction(r.k))

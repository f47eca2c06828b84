"""The Export card of the Animate workspace: frame rate, size, format, destination, and the export itself
(an animation or the project's training time-lapse) on a worker with progress and Cancel.

It is given what it exports through two calls (no mixin): `make_source(upscale)` → a FrameSource (raises
AnimationError with a sentence) and `project()` → the project folder of the animated model, or None. The panel
says which sizes the model's upscaler can make (`offer_sizes`); the others are disabled with the reason.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QSpinBox, QToolButton, QVBoxLayout, QFrame)

from studio.core import animation as an
from studio.session.errors import describe_error
from studio.session.project import Project

from .dialogs import export_start, folders_of, open_folder, save_file
from .animation_workers import export_worker
from .widgets.combo_items import set_item_enabled
from .widgets.icons import icon

SIZES = (1, 2, 4)                           # × the model's size (2 and 4: through the model's upscaler)
FORMATS = [("mp4", "MP4 video (H.264)"), ("gif", "Animated GIF"), ("webp", "Animated WebP"), ("png", "PNG frames")]
ONLY_FOR = {"crf": {"mp4"}}                 # the format-specific controls and the formats they apply to


def _size_text(mult: int, resolution: int | None = None) -> str:
    px = f" · {resolution * mult} px" if resolution else ""
    return f"Model size{px}" if mult == 1 else f"{mult}× upscale{px}"


class ExportCard(QFrame):
    notice = Signal(str)
    exported = Signal(str)
    settings_changed = Signal()               # fps or size: the preview depends on them

    def __init__(self, make_source: Callable, project: Callable[[], Path | None], studio=None, parent=None):
        super().__init__(parent)
        self.make_source, self.project, self.studio = make_source, project, studio
        self.exporter = None
        self.can_export = False               # the panel says whether its settings make an animation
        self.setProperty("role", "card")
        v = QVBoxLayout(self)
        v.setContentsMargins(12, 10, 12, 12)
        head = QLabel("Export")
        head.setProperty("role", "heading")
        v.addWidget(head)
        f = QFormLayout()
        f.setHorizontalSpacing(10)
        f.setVerticalSpacing(6)
        v.addLayout(f)
        self.form = f
        self.fps = QSpinBox(minimum=an.FPS_RANGE[0], maximum=an.FPS_RANGE[1], value=24, suffix=" fps")
        self.size = QComboBox(toolTip="The frames' size: the model's, or enlarged by the model's upscaler")
        for mult in SIZES:
            self.size.addItem(_size_text(mult), mult)
        self.fmt = QComboBox()
        for key, text in FORMATS:
            self.fmt.addItem(text, key)
        self.crf = QSpinBox(minimum=0, maximum=51, value=18, toolTip="H.264 quality (crf): 0 best, 51 worst")
        self.out = QLineEdit(placeholderText="Choose where to save…")
        browse = QToolButton(text="…", toolTip="Choose a file")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        for label, w in (("Frame rate", self.fps), ("Resolution", self.size), ("Format", self.fmt),
                         ("Quality (crf)", self.crf), ("Save to", row)):
            f.addRow(label, w)
        self.export_btn = QPushButton(icon("export"), "Export")
        self.export_btn.setProperty("primary", True)
        self.export_btn.clicked.connect(lambda: self.export())
        self.cancel_btn = QPushButton("Cancel", enabled=False)
        self.cancel_btn.setProperty("danger", True)
        self.cancel_btn.clicked.connect(self.cancel_export)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_btn, 1)
        buttons.addWidget(self.cancel_btn)
        f.addRow(buttons)
        self.lapse_btn = QPushButton(icon("chart"), "Training time-lapse…",
                                     toolTip="Export the project's saved sample grids in the chosen format")
        self.lapse_btn.clicked.connect(lambda: self.export_timelapse())
        f.addRow(self.lapse_btn)
        self.progress = QProgressBar(textVisible=True, value=0)
        self.progress.setFormat("")
        f.addRow(self.progress)
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.status.setWordWrap(True)
        f.addRow(self.status)
        self.fmt.currentIndexChanged.connect(self._sync_format)
        self.fps.valueChanged.connect(self.settings_changed)
        self.size.currentIndexChanged.connect(self.settings_changed)
        self._sync_format()

    # ------------------------------------------------------------------ state
    @property
    def factor(self) -> int:
        """The chosen frame size, × the model's."""
        return int(self.size.currentData() or 1)

    def offer_sizes(self, resolution: int | None, why_not: dict[int, str], chosen: int) -> None:
        """The sizes the model can make are enabled; the others say why not (and how to get an upscaler) in
        their tooltip. `chosen` is shown when it is available, else the model's size. No signal is sent."""
        items = self.size.model()
        for i in range(self.size.count()):
            mult = self.size.itemData(i)
            reason = why_not.get(mult, "")
            self.size.setItemText(i, _size_text(mult, resolution))
            set_item_enabled(self.size, i, not reason)
            items.item(i).setToolTip(reason[:1].upper() + reason[1:] + "." if reason else
                                     "The model's own pictures" if mult == 1 else
                                     f"Every frame enlarged {mult}× by the model's upscaler")
        index = self.size.findData(chosen if not why_not.get(chosen) else 1)
        blocked = self.size.blockSignals(True)
        self.size.setCurrentIndex(max(0, index))
        self.size.blockSignals(blocked)

    def sync(self, can_export: bool) -> None:
        self.can_export = can_export
        busy = self.exporter is not None
        self.export_btn.setEnabled(can_export and not busy)
        self.lapse_btn.setEnabled(self.has_samples() and not busy)

    def has_samples(self) -> bool:
        run = self.project()
        return run is not None and bool(Project(run).sample_files())

    def _sync_format(self) -> None:
        fmt = self.fmt.currentData()
        for name, formats in ONLY_FOR.items():           # a control shows only for the formats it applies to
            self.form.setRowVisible(getattr(self, name), fmt in formats)
        text = self.out.text().strip()
        if text:
            p, ext = Path(text), self.fmt.currentData()
            self.out.setText(str(p.with_suffix("") if ext == "png" else p.with_suffix("." + ext)))

    def _browse(self) -> None:
        ext = self.fmt.currentData()
        start, folders = export_start(self.studio), folders_of(self.studio)
        if ext == "png":
            path = open_folder(self, folders, "export", "Folder for the PNG frames", start)
        else:
            path = save_file(self, folders, "export", "Export animation", start / f"animation.{ext}", f"*.{ext}")
        if path is not None:
            self.out.setText(str(path))
            self._sync_format()

    # ------------------------------------------------------------------ exporting
    def export(self, path: str | None = None) -> None:
        if self.exporter is not None:
            return
        target = (path or self.out.text()).strip()
        if not target:
            self._browse()
            target = self.out.text().strip()
            if not target:
                return
        try:
            source = self.make_source(self.factor)
        except an.AnimationError as e:
            self.status.setText(str(e))
            return
        self._start(target, source, source.fps)

    def export_timelapse(self, path: str | None = None) -> None:
        """The project's saved sample grids as a time-lapse, about 8 grids a second."""
        from studio.core.timelapse import TimelapseError, TimelapseFrames
        run = self.project()
        if self.exporter is not None or run is None:
            return
        target = (path or "").strip()
        if not target:
            ext = self.fmt.currentData()
            chosen = save_file(self, folders_of(self.studio), "export", "Export training time-lapse",
                               export_start(self.studio) / f"timelapse.{ext}")
            if chosen is None:
                return
            target = str(chosen)
        fps = self.fps.value()
        try:
            frames = TimelapseFrames(run, hold=math.ceil(fps / 8))
        except TimelapseError as e:
            self.status.setText(str(e))
            return
        self._start(target, frames, fps)

    def _start(self, target: str, source, fps: int) -> None:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        w = export_worker(Path(target), source, fps, self.crf.value(), parent=self)
        w.progress.connect(self._on_progress)
        w.returned.connect(lambda p: self._done(f"Saved {p}", str(p)))
        w.cancelled.connect(lambda: self._done("Export cancelled: nothing was written"))
        w.errored.connect(lambda e: self._done(f"Export failed: {describe_error(e)}"))
        self.exporter = w
        self.progress.setFormat("%v / %m frames")
        self.progress.setRange(0, len(source))
        self.progress.setValue(0)
        self.cancel_btn.setEnabled(True)
        self.status.setText(f"Exporting {len(source)} frames to {Path(target).name}…")
        self.sync(self.can_export)
        w.start()

    def cancel_export(self) -> None:
        if self.exporter is not None:
            self.exporter.cancel()
            self.cancel_btn.setEnabled(False)

    def _on_progress(self, done: int, total: int, _text: str) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _done(self, message: str, path: str | None = None) -> None:
        worker, self.exporter = self.exporter, None
        if worker is not None:
            worker.wait(5000)
        self.status.setText(message)
        self.notice.emit(message)
        self.cancel_btn.setEnabled(False)
        self.sync(self.can_export)
        if path:
            self.exported.emit(path)

    def shutdown(self) -> None:
        if self.exporter is not None:
            self.exporter.cancel()
            self.exporter.wait(10_000)

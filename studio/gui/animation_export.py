"""Export side of the Animate workspace: file export and the training time-lapse, on a worker with
progress and Cancel. Mixed into AnimationPanel (uses its out/fmt/crf/size/fps widgets and status labels)."""
from __future__ import annotations

import math
from pathlib import Path

from studio.core import animation as an

from .animation_workers import ExportWorker


class ExportControls:
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
            source = self.frame_source(self.size.currentData())
        except an.AnimationError as e:
            self.export_status.setText(str(e))
            return
        self._start_export(target, source, source.fps)

    def _start_export(self, target: str, source, fps: int) -> None:
        self.exporter = ExportWorker(Path(target), source, fps, self.crf.value(), self)
        self.exporter.progressed.connect(self._on_export_progress)
        self.exporter.exported.connect(lambda p: self._export_done(f"Saved {p}", p))
        self.exporter.cancelled.connect(lambda: self._export_done("Export cancelled: nothing was written"))
        self.exporter.failed.connect(lambda m: self._export_done(f"Export failed: {m}"))
        self.progress.setFormat("%v / %m frames")
        self.progress.setRange(0, len(source))
        self.progress.setValue(0)
        self.export_btn.setEnabled(False)
        self.lapse_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.export_status.setText(f"Exporting {len(source)} frames to {Path(target).name}…")
        self.exporter.start()

    def cancel_export(self) -> None:
        if self.exporter is not None:
            self.exporter.cancel.set()
            self.cancel_btn.setEnabled(False)

    def _on_export_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _export_done(self, message: str, path: str | None = None) -> None:
        worker, self.exporter = self.exporter, None
        if worker is not None:
            worker.wait(5000)
        self.export_status.setText(message)
        self.notice.emit(message)
        self.cancel_btn.setEnabled(False)
        self.export_btn.setEnabled(self.animation is not None)
        self.lapse_btn.setEnabled(self.has_samples())
        if path:
            self.exported.emit(path)

    def run_dir(self) -> Path | None:
        """The project folder the loaded model came from (None for a loose model file)."""
        if self.model is None:
            return None
        p = Path(self.model.path).resolve()
        return p.parent.parent if p.parent.name == "checkpoints" else p.parent

    def has_samples(self) -> bool:
        from studio.core.run import RunFolder
        run = self.run_dir()
        return run is not None and bool(RunFolder(run).sample_files())

    def export_timelapse(self, path: str | None = None) -> None:
        """The project's saved sample grids as a time-lapse, about 8 grids a second."""
        from studio.core.timelapse import TimelapseError, TimelapseFrames
        if self.exporter is not None or self.run_dir() is None:
            return
        target = (path or "").strip()
        if not target:
            from PySide6.QtWidgets import QFileDialog
            ext = self.fmt.currentData()
            target, _ = QFileDialog.getSaveFileName(self, "Export training time-lapse", f"timelapse.{ext}")
            if not target:
                return
        fps = self.fps.value()
        try:
            frames = TimelapseFrames(self.run_dir(), hold=math.ceil(fps / 8))
        except TimelapseError as e:
            self.export_status.setText(str(e))
            return
        self._start_export(target, frames, fps)

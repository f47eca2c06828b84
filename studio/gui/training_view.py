"""The Train workspace: start / pause / resume / stop, progress, live curves and the growing sample grid.

Training runs on a workers.TrainThread. A 30 Hz timer drains its mailbox: every metric point since
the last tick goes to the curves in one go and only the newest sample grid is shown, so the UI does
at most ~30 updates a second however fast training runs.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (QFileDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QMessageBox,
                               QProgressBar, QPushButton, QSlider, QSplitter, QVBoxLayout, QWidget)

from .widgets.curves import CurvePanel
from .widgets.icons import icon
from .widgets.image_view import ImageView
from .widgets.stat import stat_block
from .workers import TrainThread

FPS = 30


def fmt_duration(sec) -> str:
    if sec is None:
        return "—"
    sec = int(round(sec))
    h, rem = divmod(sec, 3600)
    m, s = divmod(rem, 60)
    return f"{h} h {m:02d} min" if h else (f"{m} min {s:02d} s" if m else f"{s} s")


def fmt_images(n: float) -> str:
    return f"{n / 1e6:.2f} M" if n >= 1e6 else (f"{n / 1e3:.1f} k" if n >= 1e4 else f"{n:,.0f}")


class TrainingView(QWidget):
    notice = Signal(str, str)           # message, level → the window's status bar and Messages panel
    start_requested = Signal()          # Start pressed on a project that has never trained

    def __init__(self, window=None):
        super().__init__()
        self.setObjectName("TrainingView")
        self.run = None
        self.thread: TrainThread | None = None
        self.state = "idle"             # idle | preparing | running | paused | stopping
        self.target_kimg = None
        self.last_step = None
        self._samples: list[tuple[int, Path]] = []
        self._live = True
        self._timer = QTimer(self, interval=int(1000 / FPS), timeout=self._poll)
        self._build()
        self._sync_buttons()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(12, 12, 12, 12)
        root.setSpacing(10)
        bar = QFrame()
        bar.setProperty("role", "card")
        bl = QHBoxLayout(bar)
        bl.setContentsMargins(12, 10, 12, 10)
        self.btn_start = QPushButton(icon("play", "#ffffff"), " Start training")
        self.btn_start.setProperty("primary", True)
        self.btn_pause = QPushButton(icon("pause"), " Pause")
        self.btn_stop = QPushButton(icon("stop"), " Stop")
        self.btn_stop.setProperty("danger", True)
        for b in (self.btn_start, self.btn_pause, self.btn_stop):
            b.setMinimumWidth(104)
            bl.addWidget(b)
        self.btn_start.clicked.connect(self.start_or_resume)
        self.btn_pause.clicked.connect(self.toggle_pause)
        self.btn_stop.clicked.connect(self.stop)
        mid = QVBoxLayout()
        mid.setSpacing(4)
        self.state_label = QLabel("No project")
        self.state_label.setProperty("role", "heading")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        mid.addWidget(self.state_label)
        mid.addWidget(self.progress)
        bl.addSpacing(12)
        bl.addLayout(mid, 1)
        bl.addSpacing(8)
        for key, title in (("images", "Images seen"), ("speed", "Images / s"), ("eta", "Time left"),
                           ("step", "Step")):
            w, lab = stat_block(title)
            setattr(self, f"stat_{key}", lab)
            bl.addWidget(w)
        root.addWidget(bar)

        split = QSplitter(Qt.Horizontal)
        split.setChildrenCollapsible(False)
        left = QFrame()
        left.setProperty("role", "card")
        ll = QVBoxLayout(left)
        ll.setContentsMargins(12, 10, 12, 12)
        head = QHBoxLayout()
        t = QLabel("Samples")
        t.setProperty("role", "heading")
        self.sample_label = QLabel("")
        self.sample_label.setProperty("role", "subtitle")
        head.addWidget(t)
        head.addStretch(1)
        head.addWidget(self.sample_label)
        ll.addLayout(head)
        self.samples_view = ImageView(placeholder="Samples from fixed latents appear here as the model learns.")
        ll.addWidget(self.samples_view, 1)
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
        self.curves = CurvePanel()
        right = QFrame()
        right.setProperty("role", "card")
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 6, 6, 6)
        rl.addWidget(self.curves)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        root.addWidget(split, 1)
        sc = QShortcut(QKeySequence(Qt.Key_Space), self, context=Qt.WidgetWithChildrenShortcut)
        sc.activated.connect(self._space)

    # ------------------------------------------------------------------ project
    def load_project(self, run) -> bool:
        """Show a project's history (curves, sample grids). True when it has trained before."""
        self.clear()
        self.run = run
        self.curves.add_records(run.read_metrics())
        self.curves.refresh()
        steps = run.read_metrics("step")
        if steps:
            self._show_stats(steps[-1])
            self.stat_speed.setText("—")
            self.stat_eta.setText("—")
        self._samples = run.sample_files()
        self._update_scrubber(jump_live=True)
        trained = any(run.checkpoints_dir.glob("ckpt-*.safetensors"))
        self.state_label.setText("Ready to resume" if trained else "Ready — set up the dataset, then start")
        self._sync_buttons()
        return trained or bool(steps)

    def has_checkpoint(self) -> bool:
        return self.run is not None and any(self.run.checkpoints_dir.glob("ckpt-*.safetensors"))

    def clear(self) -> None:
        self._timer.stop()
        self.thread = None
        self.run = None
        self.state = "idle"
        self.last_step = None
        self._samples = []
        self.curves.clear()
        self.samples_view.set_array(None)
        self.sample_label.setText("")
        self.progress.setValue(0)
        for lab in (self.stat_images, self.stat_speed, self.stat_eta, self.stat_step):
            lab.setText("—")
        self.state_label.setText("No project")
        self._update_scrubber(jump_live=True)
        self._sync_buttons()

    # ------------------------------------------------------------------ control
    def _device_prefs(self) -> dict:
        """Preferences → the worker: a device other than auto overrides the project's, and CPU threads."""
        settings = getattr(self.window(), "settings", None)
        if settings is None:
            return {}
        from .preferences import Preferences
        p = Preferences(settings)
        return {"device": None if p.device == "auto" else p.device, "threads": p.cpu_threads or None}

    def start_new(self, run, cfg) -> None:
        self.run = run
        self._launch(TrainThread(run.path, cfg, parent=self, **self._device_prefs()))

    def start_or_resume(self) -> None:
        if self.state == "paused":
            self.toggle_pause()
        elif self.state == "idle" and self.run is not None:
            if self.has_checkpoint():
                self._launch(TrainThread(self.run.path, None, parent=self, **self._device_prefs()))
            else:
                self.start_requested.emit()

    def _launch(self, th: TrainThread) -> None:
        if self.is_running():
            return
        self.thread = th
        th.ready.connect(self._on_ready)
        th.notice.connect(self._on_notice)
        th.checkpoint.connect(self._on_checkpoint)
        th.done.connect(self._on_done)
        th.failed.connect(self._on_failed)
        th.quality.connect(lambda rec: (self.curves.add_records([rec]), self.curves.refresh()))
        self.state = "preparing"
        self.state_label.setText("Preparing the images…")
        self._live = True
        self._sync_buttons()
        th.start()
        self._timer.start()

    def toggle_pause(self) -> None:
        if self.thread is None:
            return
        if self.state == "paused":
            self.thread.resume()
            self.state = "running"
            self.state_label.setText("Training")
        elif self.state in ("running", "preparing"):
            self.thread.pause()
            self.state = "paused"
            self.state_label.setText("Paused — press Resume or Space to continue")
        self._sync_buttons()

    def stop(self) -> None:
        if self.thread is None or self.state in ("idle", "stopping"):
            return
        self.state = "stopping"
        self.state_label.setText("Stopping — saving a checkpoint…")
        self.thread.stop()
        self._sync_buttons()

    def is_running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def shutdown(self, timeout_ms: int = 120_000) -> None:
        """Stop training and wait for its final checkpoint (closing the project or the window)."""
        if self.thread is not None:
            self.thread.stop()
            self.thread.wait(timeout_ms)
            self._poll()

    def _space(self) -> None:
        if self.state in ("running", "paused", "preparing"):
            self.toggle_pause()
        else:
            self.start_or_resume()

    def _sync_buttons(self) -> None:
        s = self.state
        has = self.run is not None
        self.btn_start.setEnabled(has and s in ("idle", "paused"))
        self.btn_start.setText(" Resume" if s == "paused" or (s == "idle" and self.has_checkpoint())
                               else " Start training")
        self.btn_pause.setEnabled(s in ("running", "preparing"))
        self.btn_stop.setEnabled(s in ("running", "paused", "preparing"))

    # ------------------------------------------------------------------ worker news
    def _on_ready(self, info: dict) -> None:
        self.target_kimg = info.get("target_kimg")
        if self.state == "preparing":
            self.state = "running"
            self.state_label.setText(f"Training on {info['device']}")
        self._sync_buttons()

    def _on_notice(self, message: str, level: str) -> None:
        self.notice.emit(message, level)

    def _on_checkpoint(self, ev) -> None:
        self.sample_label.setToolTip(f"Last checkpoint: {Path(ev.path).name}")

    def _on_done(self, reason: str) -> None:
        self._finish()
        text = {"done": "Finished — the requested duration was reached", "stopped": "Stopped — checkpoint saved",
                "cancelled": "Cancelled"}.get(reason, reason)
        self.state_label.setText(text)
        self.notice.emit(f"Training {reason if reason != 'done' else 'finished'} at step {self.last_step or 0}.",
                         "info")

    def _on_failed(self, reason: str) -> None:
        self._finish()
        self.state_label.setText("Training stopped with an error")
        self.notice.emit(reason, "error")
        box = QMessageBox(QMessageBox.Critical, "Training stopped", reason, QMessageBox.Ok, self)
        box.setObjectName("TrainingFailedDialog")
        box.setInformativeText("Your samples and the last checkpoint are kept; fix the cause and press Resume.")
        box.open()
        self.failure_dialog = box

    def _finish(self) -> None:
        if self.thread is not None:
            self.thread.wait(5000)
        self._poll()
        self._timer.stop()
        self.state = "idle"
        self.stat_speed.setText("—")
        self.stat_eta.setText("—")
        if self.run is not None:
            self._samples = self.run.sample_files()
            self._update_scrubber(jump_live=self._live)
        self._sync_buttons()

    def _poll(self) -> None:
        if self.thread is None:
            return
        steps, frame, progress = self.thread.take()
        if progress is not None and self.state in ("preparing", "paused") and self.last_step is None:
            done, total, _name = progress
            self.progress.setValue(int(1000 * done / max(total, 1)))
            self.state_label.setText(f"Preparing the images… {done:,} / {total:,}")
        if steps:
            self.curves.add_steps(steps)
            self.curves.refresh()
            self._show_stats(steps[-1].to_dict())
        if frame is not None:
            if frame.path:
                self._samples.append((frame.step, Path(frame.path)))
                self._update_scrubber(jump_live=self._live)
            if self._live:
                self.samples_view.set_array(frame.grid)
                self.sample_label.setText(f"step {frame.step:,}  ·  {frame.kimg:.2f} kimg")

    def _show_stats(self, r: dict) -> None:
        self.last_step = r["step"]
        nimg = r["kimg"] * 1000
        target = self.target_kimg
        self.stat_images.setText(fmt_images(nimg) + (f" / {fmt_images(target * 1000)}" if target else ""))
        self.stat_speed.setText(f"{r.get('images_per_sec', 0):,.0f}")
        self.stat_eta.setText(fmt_duration(r.get("eta_sec")))
        self.stat_step.setText(f"{r['step']:,}")
        if target:
            self.progress.setValue(int(1000 * min(1.0, r["kimg"] / target)))
        elif r.get("progress") is not None:
            self.progress.setValue(int(1000 * r["progress"]))

    # ------------------------------------------------------------------ sample history
    def _update_scrubber(self, jump_live: bool) -> None:
        n = len(self._samples)
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, max(0, n - 1))
        self.scrubber.setEnabled(n > 1)
        if jump_live:
            self.scrubber.setValue(max(0, n - 1))
        self.scrubber.blockSignals(False)
        if jump_live and n and (self.state == "idle"):
            self._show_sample(n - 1)

    def _on_scrub(self, i: int) -> None:
        self._live = i >= len(self._samples) - 1
        self.btn_live.setChecked(self._live)
        self._show_sample(i)

    def _show_sample(self, i: int) -> None:
        if not 0 <= i < len(self._samples):
            return
        step, path = self._samples[i]
        img = QImage(str(path))
        if img.isNull():
            self.sample_label.setText(f"step {step:,}: {path.name} cannot be read")
            return
        self.samples_view.set_image(img)
        self.sample_label.setText(f"step {step:,}  ·  {i + 1} of {len(self._samples)}")

    def go_live(self) -> None:
        self._live = True
        self.btn_live.setChecked(True)
        self._update_scrubber(jump_live=True)
        if self._samples:
            self._show_sample(len(self._samples) - 1)

    # ------------------------------------------------------------------ export
    def export(self) -> None:
        img = self.samples_view.image()
        if img is None:
            self.notice.emit("No sample grid to export yet.", "info")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export sample grid", "samples.png", "PNG image (*.png)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        from studio.core.files import atomic_path
        try:
            with atomic_path(path, ".png") as tmp:
                if not self.samples_view.image().save(str(tmp), "PNG"):
                    raise OSError("the image could not be encoded")
        except OSError as e:
            self.notice.emit(f"Could not export {path.name} ({e}); check the disk space and folder.", "error")
            return
        self.notice.emit(f"Exported the sample grid to {path}", "info")

    def theme_changed(self) -> None:
        self.curves.theme_changed()
        self.curves.add_records([])

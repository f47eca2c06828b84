"""The Train workspace: a view of the current project's studio.session.TrainingSession.

Start / Pause / Resume / Stop (Space) call the session; the run itself goes on a gui.worker.Worker. The session's
events land in a gui.worker.Mailbox, drained when it says they arrived (at most 30 times a second): every metric
point since the last drain goes to the curves in one go, so the window does at most ~30 updates a second however
fast training runs. The state shown is always the session's own (the thread count too, when training changes it).
Under the curves, the Missing strip shows the pictures the newest quality measurement found no sample near.
A run's stages after the GAN show as "Training the upscaler ×4 — 2:13 left" with their own small curves
(widgets.stage_curve); a trained run without an upscaler or encoder offers "Learn upscaler" / "Learn encoder".
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton,
                               QSplitter, QVBoxLayout, QWidget)

from studio.core.events import CheckpointSaved, Failed, Finished, Notice, Quality, Samples, StepMetrics, ThreadsChanged
from studio.session.events import (ProjectChanged, ScanProgress, StageFinished, StageProgress, StageRecord,
                                   StageStarted, StateChanged, TrainingStarted)
from studio.session.stages import STAGES, stage_names
from studio.session.training import TrainingState

from .dialogs import save_file
from .sample_history import SampleHistory
from .shortcuts import workspace_action
from .widgets.curves import CurvePanel
from .widgets.elided_label import ElidedLabel
from .widgets.icons import icon
from .widgets.missing_strip import MissingStrip
from .widgets.stat import fmt_duration, fmt_images, stat_block
from .widgets.stage_curve import StageCurve
from .worker import Mailbox, Worker

FPS = 30
S = TrainingState
STATE_TEXT = {S.SCANNING: "Preparing the images…", S.PAUSED: "Paused — press Resume or Space to continue",
              S.STOPPING: "Stopping — saving a checkpoint…", S.FAILED: "Training stopped with an error"}
END_TEXT = {"done": "Finished — the requested duration was reached", "stopped": "Stopped — checkpoint saved",
            "cancelled": "Cancelled"}


def _newest_progress(last, new) -> bool:
    """In the mailbox, a scan or stage progress replaces the one just before it: only the newest counts."""
    return isinstance(new, (ScanProgress, StageProgress)) and type(last) is type(new)


class TrainingView(QWidget):
    notice = Signal(str, str)           # message, level → the window's status bar and Messages panel
    start_requested = Signal()          # Start pressed on a project that has never trained
    explore_requested = Signal(object, bool)   # the run's model file; True: show Explore (the button)

    def __init__(self, studio):
        super().__init__()
        self.setObjectName("TrainingView")
        self.setFocusPolicy(Qt.StrongFocus)
        self.studio = studio
        self.inbox = Mailbox(_newest_progress, rate=FPS, parent=self)    # the session's events, any thread
        self.worker: Worker | None = None
        self.target_kimg: float | None = None
        self.last_step: int | None = None
        self.failure_dialog: QMessageBox | None = None
        self.shown_state = S.IDLE                          # the session state this view shows (drained so far)
        self.stage_title = ""                              # "Training the upscaler ×4" while that stage runs
        self._unsubscribe = None
        self._handlers = {StateChanged: self._on_state, ScanProgress: self._on_scan, TrainingStarted: self._on_started,
                          Samples: self._on_samples, CheckpointSaved: self._on_checkpoint, Quality: self._on_quality,
                          Notice: lambda ev: self.notice.emit(ev.message, ev.level), Failed: self._on_failed,
                          Finished: self._on_finished, StageStarted: self._on_stage_started,
                          StageProgress: self._on_stage_progress, StageRecord: self._on_stage_record,
                          StageFinished: self._on_stage_finished, ThreadsChanged: self._on_threads}
        self.inbox.arrived.connect(self.drain)
        self._build()
        studio.subscribe(self._on_project, ProjectChanged)
        self._show_project(studio.project)

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
        self.btn_explore = QPushButton("Explore this run", objectName="ExploreRun",
                                       toolTip="Open this run's best model in Explore")
        for b in (self.btn_start, self.btn_pause, self.btn_stop):
            b.setMinimumWidth(104)
            bl.addWidget(b)
        self.btn_upscaler = QPushButton("Learn upscaler", objectName="LearnUpscaler",
                                        toolTip="Learn this run's ×2/×4 upscaler from the folder's full-size "
                                                "pictures (a few minutes; pause and stop as for training)")
        self.btn_upscaler.clicked.connect(lambda: self.learn("upscaler"))
        self.btn_encoder = QPushButton("Learn encoder", objectName="LearnEncoder",
                                       toolTip="Learn this run's encoder, so Find Image and Restore take about a "
                                               "second (a few minutes; pause and stop as for training)")
        self.btn_encoder.clicked.connect(lambda: self.learn("encoder"))
        self.btn_finish = QPushButton("Finish GAN", objectName="FinishGan",
                                      toolTip="End the GAN now (a checkpoint is saved) and go on to what the "
                                              "run learns after it (upscaler, encoder)")
        self.btn_finish.clicked.connect(self.finish)
        self.btn_explore.clicked.connect(lambda: self._explore_run(show=True))
        self.btn_start.clicked.connect(self.start_or_resume)
        self.btn_pause.clicked.connect(self.toggle_pause)
        self.btn_stop.clicked.connect(self.stop)
        mid = QVBoxLayout()
        mid.setSpacing(4)
        self.state_label = ElidedLabel("No project")      # a long sentence never widens the window
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
        self.history = None                                # nothing to undo in this workspace
        self.samples = SampleHistory()
        self.samples.add_button(self.btn_explore)          # under the pictures it explores
        for b in (self.btn_upscaler, self.btn_encoder, self.btn_finish):
            self.samples.add_button(b)
        self.curves, self.missing = CurvePanel(), MissingStrip()    # the missing: pictures no sample resembles
        self.stage_curves = {name: StageCurve(name) for name in STAGES}
        self.upscaler_curve, self.encoder_curve = self.stage_curves["upscaler"], self.stage_curves["encoder"]
        right = QFrame()
        right.setProperty("role", "card")
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 6, 6, 6)
        rl.addWidget(self.curves, 1)
        rl.addWidget(self.missing)
        for curve in self.stage_curves.values():
            rl.addWidget(curve)
        split.addWidget(self.samples)
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        root.addWidget(split, 1)
        workspace_action(self, "Start / pause training", self._space, "Space")

    # ------------------------------------------------------------------ the project and its session
    @property
    def session(self):
        return self.studio.training

    @property
    def state(self) -> TrainingState:
        return self.session.state if self.session is not None else S.IDLE

    def _on_project(self, ev: ProjectChanged) -> None:
        self._show_project(ev.project)

    def _show_project(self, project) -> None:
        """Show a project's history (curves, sample grids) and listen to its session."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.inbox.stop()
        self.worker, self.target_kimg, self.last_step = None, None, None
        self.curves.clear()
        self.missing.show_record(None)
        for curve in self.stage_curves.values():
            curve.clear()
        self.stage_title = ""
        self.samples.clear()
        self.progress.setValue(0)
        for lab in (self.stat_images, self.stat_speed, self.stat_eta, self.stat_step):
            lab.setText("—")
        self.shown_state = S.IDLE
        if project is None:
            self.state_label.setText("No project")
            self._sync_buttons()
            return
        self._unsubscribe = self.session.subscribe(self.inbox.put)
        self.curves.add_records(project.metrics())
        self.curves.refresh()
        self.missing.show_record((project.metrics("quality") or [None])[-1], project)
        for name, curve in self.stage_curves.items():
            curve.add_records(project.stage_curve(name))
        steps = project.metrics("step")
        if steps:
            self._show_stats(steps[-1])
            self.stat_speed.setText("—")
            self.stat_eta.setText("—")
        self.samples.set_samples(project.sample_files())
        saved = max([s for s, _ in project.checkpoints()] + [s for s, _ in project.sample_files()], default=0)
        if steps and saved > self.last_step:        # a run saves its last step after its last metrics line
            self._show_step(saved, saved * project.config().batch / 1000)
        self.state_label.setText("Ready to resume" if project.trained else "Ready — set up the dataset, then start")
        self._sync_buttons()

    # ------------------------------------------------------------------ control
    def start(self, cfg) -> None:
        """Train a new run with `cfg` (the Dataset page's Start)."""
        self._launch(lambda session: session.run(cfg))

    def start_or_resume(self) -> None:
        if self.state == S.PAUSED:
            self.toggle_pause()
        elif not self.state.working and self.session is not None:
            if self.studio.project.trained:
                self._launch(lambda session: session.run(None))
            else:
                self.start_requested.emit()

    def _launch(self, work) -> None:
        if self.session is None or self.state.working:
            return
        self.samples.live = True
        self.stage_title = ""
        self.worker = Worker(work, controls=self.session, name="training", parent=self)
        self.worker.start()
        self._sync_buttons()

    def learn(self, stage: str) -> None:
        """One stage alone ("upscaler", "encoder") for a trained run (the run's minutes, else the suggestion's)."""
        if self.session is not None and not self.state.working and self.studio.project.trained:
            self._launch(lambda session: session.run_stage(stage))

    def finish(self) -> None:
        """End the GAN now and go on to the run's stages after it."""
        if self.state.working and not self.stage_title:
            self.session.finish()
        self.drain()

    def toggle_pause(self) -> None:
        if self.state == S.PAUSED:
            self.session.resume()
        elif self.state in (S.TRAINING, S.SCANNING):
            self.session.pause()
        self.drain()

    def stop(self) -> None:
        if self.state.working:
            self.session.stop()
        self.drain()

    def is_running(self) -> bool:
        return self.state.working

    def shutdown(self, timeout_ms: int = 120_000) -> None:
        """Stop training and wait for its final checkpoint (closing the project or the window)."""
        if self.session is not None and self.state.working:
            self.session.stop()
        if self.worker is not None:
            self.worker.wait(timeout_ms)
        self.drain()

    def _space(self) -> None:
        if self.state in (S.TRAINING, S.PAUSED, S.SCANNING):
            self.toggle_pause()
        else:
            self.start_or_resume()

    def _sync_buttons(self) -> None:
        s, has = self.state, self.session is not None
        trained = has and self.studio.project.trained
        self.btn_start.setEnabled(has and s in (S.IDLE, S.FINISHED, S.FAILED, S.PAUSED))
        self.btn_start.setText(" Resume" if s == S.PAUSED or (not s.working and trained) else " Start training")
        self.btn_pause.setEnabled(s in (S.TRAINING, S.SCANNING))
        self.btn_stop.setEnabled(s in (S.TRAINING, S.PAUSED, S.SCANNING))
        self.btn_explore.setEnabled(has and self.studio.project.model_file() is not None)
        self.btn_upscaler.setVisible(trained and not s.working and not self.studio.project.has_upscaler)
        self.btn_encoder.setVisible(trained and not s.working and not self.studio.project.has_encoder)
        self.btn_finish.setVisible(s in (S.TRAINING, S.PAUSED) and not self.stage_title
                                   and bool(stage_names(self.studio.project.config())))

    # ------------------------------------------------------------------ the session's news (UI thread)
    def drain(self) -> None:
        steps = []
        for ev in self.inbox.drain():
            if isinstance(ev, StepMetrics):
                steps.append(ev)
                continue
            if steps:
                self._on_steps(steps)
                steps = []
            for cls in type(ev).__mro__:
                if cls in self._handlers:
                    self._handlers[cls](ev)
                    break
        if steps:
            self._on_steps(steps)

    def _on_state(self, ev: StateChanged) -> None:
        self.shown_state = ev.state
        if ev.state in STATE_TEXT:
            self.state_label.setText(STATE_TEXT[ev.state])
        elif ev.state == S.TRAINING and self.stage_title:
            self.state_label.setText(self.stage_title)
        elif ev.state == S.TRAINING and self.session.started is not None:
            self.state_label.setText(f"Training on {self.session.started.device}")
        if ev.state in (S.FINISHED, S.FAILED) and not self.state.working:
            self.stat_speed.setText("—")
            self.stat_eta.setText("—")
            if self.studio.project is not None:
                self.samples.set_samples(self.studio.project.sample_files(), show_newest=self.samples.live)
            self._explore_run(show=False)          # Explore now shows what was just trained
        self._sync_buttons()

    def _explore_run(self, show: bool) -> None:
        """Ask the window to open the run's model (best.safetensors, else its newest checkpoint) in Explore."""
        project = self.studio.project
        model = project.model_file() if project is not None else None
        if model is not None:
            self.explore_requested.emit(model, show)

    def _on_scan(self, ev: ScanProgress) -> None:
        if self.last_step is None and self.state in (S.SCANNING, S.PAUSED):
            self.progress.setValue(int(1000 * ev.done / max(ev.total, 1)))
            self.state_label.setText(f"Preparing the images… {ev.done:,} / {ev.total:,}")

    def _on_started(self, ev: TrainingStarted) -> None:
        self.target_kimg = ev.target_kimg
        if self.state == S.TRAINING:
            self.state_label.setText(f"Training on {ev.device}")

    def _on_threads(self, ev: ThreadsChanged) -> None:      # the session's `started` already says the new count
        self.notice.emit(ev.message, ev.level)
        self._on_state(StateChanged(self.shown_state, self.shown_state))

    def _on_steps(self, steps: list[StepMetrics]) -> None:
        self.curves.add_steps(steps)
        self.curves.refresh()
        self._show_stats(steps[-1].to_dict())

    def _on_samples(self, ev: Samples) -> None:
        self.samples.add(ev.step, ev.path, ev.grid, ev.kimg)
        self._show_step(ev.step, ev.kimg)       # metrics come every log_every steps, samples between

    def _show_step(self, step: int, kimg: float) -> None:
        """The header never lags what the run shows (a sample grid, the last checkpoint)."""
        if self.last_step is None or step > self.last_step:
            self.last_step = step
            self.stat_step.setText(f"{step:,}")
            self._show_images(kimg)

    def _on_checkpoint(self, ev: CheckpointSaved) -> None:
        self.samples.label.setToolTip(f"Last checkpoint: {Path(ev.path).name}")

    def _on_quality(self, ev: Quality) -> None:
        self.curves.add_records([ev.metrics])
        self.curves.refresh()
        self.missing.show_record(ev.metrics, self.studio.project)

    def _on_finished(self, ev: Finished) -> None:
        self.state_label.setText(END_TEXT.get(ev.reason, ev.reason))
        self._show_step(ev.step, ev.kimg)
        self.notice.emit(f"Training {ev.reason if ev.reason != 'done' else 'finished'} at step {ev.step}.", "info")

    def _on_stage_started(self, ev: StageStarted) -> None:
        self.stage_title = ev.title
        self._sync_buttons()
        self.progress.setValue(0)
        self.stat_speed.setText("—")                     # the GAN's images/s no longer applies; its images and step stay
        if self.state == S.TRAINING:
            self.state_label.setText(ev.title)
        if ev.note:
            self.notice.emit(f"{ev.name.capitalize()}: {ev.note}.", "info")

    def _on_stage_progress(self, ev: StageProgress) -> None:
        if self.state != S.TRAINING:
            return                                       # paused / stopping: the state's own text stays
        self.progress.setValue(int(1000 * min(1.0, ev.done / max(ev.total, 1))))
        if ev.unit == "pictures":
            self.state_label.setText(f"Preparing the {ev.name}: reading the pictures… {ev.done:,} / {ev.total:,}")
        elif ev.unit == "seconds":
            left = max(0, ev.total - ev.done)
            self.state_label.setText(f"{self.stage_title} — {left // 60}:{left % 60:02d} left")
            self.stat_eta.setText(fmt_duration(left))
        else:
            self.state_label.setText(f"{self.stage_title} — step {ev.done:,} / {ev.total:,}")

    def _on_stage_record(self, ev: StageRecord) -> None:
        self.stage_curves[ev.name].add_records([ev.record])

    def _on_stage_finished(self, ev: StageFinished) -> None:
        self.stage_title = ""
        self.state_label.setText(ev.text)
        self.notice.emit(ev.text, "info")

    def _on_failed(self, ev: Failed) -> None:
        self.state_label.setText(STATE_TEXT[S.FAILED])
        self.notice.emit(ev.reason, "error")
        box = QMessageBox(QMessageBox.Critical, "Training stopped", ev.reason, QMessageBox.Ok, self)
        box.setObjectName("TrainingFailedDialog")
        box.setInformativeText("Your samples and the last checkpoint are kept; fix the cause and press Resume.")
        box.open()
        self.failure_dialog = box

    def _show_images(self, kimg: float) -> None:
        target = self.target_kimg
        self.stat_images.setText(fmt_images(kimg * 1000) + (f" / {fmt_images(target * 1000)}" if target else ""))

    def _show_stats(self, r: dict) -> None:
        self.last_step = r["step"]
        self._show_images(r["kimg"])
        self.stat_speed.setText(f"{r.get('images_per_sec', 0):,.0f}")
        self.stat_eta.setText(fmt_duration(r.get("eta_sec")))
        self.stat_step.setText(f"{r['step']:,}")
        target = self.target_kimg
        if target:
            self.progress.setValue(int(1000 * min(1.0, r["kimg"] / target)))
        elif r.get("progress") is not None:
            self.progress.setValue(int(1000 * r["progress"]))

    # ------------------------------------------------------------------ export
    def export(self) -> None:
        if self.samples.image() is None:
            self.notice.emit("No sample grid to export yet.", "info")
            return
        project = self.studio.project.path if self.studio.project else None
        start = self.studio.folders.start_export(self.studio.prefs, project) / "samples.png"
        path = save_file(self, self.studio.folders, "export", "Export sample grid", start, "PNG image (*.png)")
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path) -> None:
        from studio.core.files import atomic_path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path, ".png") as tmp:
                if not self.samples.image().save(str(tmp), "PNG"):
                    raise OSError("the image could not be encoded")
        except OSError as e:
            self.notice.emit(f"Could not export {path.name} ({e}); check the disk space and folder.", "error")
            return
        self.notice.emit(f"Exported the sample grid to {path}", "info")

    def theme_changed(self) -> None:
        self.curves.theme_changed()
        for curve in self.stage_curves.values():
            curve.theme_changed()
        self.curves.add_records([])

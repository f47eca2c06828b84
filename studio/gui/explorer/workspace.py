"""ExplorerWorkspace: travel a GAN's latent space with the hand.

Owns the LatentState; every edit is an undoable command (merged while one slider is dragged).
The RenderWorker renders the newest latent off the UI thread; directions are found by a
background Task and cached in the project; exports run on Tasks too.
"""
from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import torch
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QScrollArea, QSplitter, QTabWidget, QToolBar,
                               QToolButton, QVBoxLayout, QWidget, QMenu)

from ...core.checkpoint import CheckpointError, load_generator
from ...core.directions import Directions, cache_path, directions_for, project_of, save_directions
from ...core.explore import LatentState, compose
from ...core.keyframes import Keyframe
from .canvas import ExplorerCanvas
from .controls import LatentControls
from .export import ExportMixin
from .render_worker import RenderWorker, Task
from .strip import StripsMixin


class StateEdit(QUndoCommand):
    def __init__(self, ws: "ExplorerWorkspace", old: LatentState, new: LatentState, text: str, key: int, token):
        super().__init__(text)
        self.ws, self.old, self.new, self.key, self.token = ws, old, new, key, token

    def id(self) -> int:
        return -1 if self.key < 0 else 0x5E000 + self.key       # unique to the explorer

    def mergeWith(self, other) -> bool:
        if not isinstance(other, StateEdit) or other.key != self.key or self.token is None or other.token != self.token:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.ws._apply(self.new)

    def undo(self) -> None:
        self.ws._apply(self.old)


class ExplorerWorkspace(ExportMixin, StripsMixin, QWidget):
    notice = Signal(str, str)                    # message, level
    frame_shown = Signal(int)                    # serial of the frame now on the canvas
    directions_ready = Signal()

    def __init__(self, parent=None, undo_stack: QUndoStack | None = None):
        super().__init__(parent)
        self.model = None
        self.worker: RenderWorker | None = None
        self.directions: Directions | None = None
        self.project: Path | None = None
        self.state = LatentState(seed=0)
        self._own_stack = undo_stack is None
        self.undo_stack = undo_stack or QUndoStack(self)
        self._serial = 0
        self._shown_serial = 0
        self._sent_at: dict[int, float] = {}
        self._latency: list[float] = []
        self._drag_token = 0
        self._tasks: set = set()
        self._dir_task = None
        self._cancel = threading.Event()
        self.setAcceptDrops(True)
        self.setObjectName("ExplorerWorkspace")
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.canvas = ExplorerCanvas()
        self.controls = LatentControls()
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(390)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.NoFrame)
        self.tb = QToolBar()
        self.tb.setIconSize(QSize(18, 18))
        self.tb.setToolButtonStyle(Qt.ToolButtonTextOnly)
        a = self._action
        a("Open…", self.choose_model, "Ctrl+Shift+O")
        self.tb.addSeparator()
        self.act_undo = a("Undo", self.undo_stack.undo)
        self.act_redo = a("Redo", self.undo_stack.redo)
        self.undo_stack.canUndoChanged.connect(self.act_undo.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.act_redo.setEnabled)
        self.act_undo.setEnabled(self.undo_stack.canUndo())
        self.act_redo.setEnabled(self.undo_stack.canRedo())
        self.tb.addSeparator()
        a("Random", self.random_seed, "R")
        a("+ Key", self.add_keyframe, "K")
        a("★ Fav", self.add_favourite, "F")
        self.tb.addSeparator()
        a("Fit", self.canvas.fit, "0")
        a("1:1", lambda: self.canvas.set_zoom(1.0), "1")
        a("2:1", lambda: self.canvas.set_zoom(2.0), "2")
        self.act_smooth = a("Smooth", lambda on: self.canvas.set_smooth(on), "S", checkable=True)
        self.act_before = a("A/B", lambda on: self.canvas.show_before(on), "B", checkable=True)
        self.tb.addSeparator()
        exp = QToolButton()
        exp.setText("Export")
        exp.setPopupMode(QToolButton.InstantPopup)
        m = QMenu(exp)
        m.addAction("PNG at model size…", lambda: self.export_dialog(1))
        m.addAction("PNG upscaled 2× (Lanczos)…", lambda: self.export_dialog(2))
        m.addAction("PNG upscaled 4× (Lanczos)…", lambda: self.export_dialog(4))
        m.addSeparator()
        m.addAction("Contact sheet of 16 seeds…", lambda: self.sheet_dialog(16))
        m.addAction("Contact sheet of 64 seeds…", lambda: self.sheet_dialog(64))
        m.addAction("Contact sheet of the keyframes…", lambda: self.sheet_dialog(0))
        exp.setMenu(m)
        self.tb.addWidget(exp)

        self.model_label = QLabel("No model")
        self.model_label.setObjectName("hint")
        self.fps = QLabel("")
        self.fps.setObjectName("hint")
        self.fps.setToolTip("Time from a slider move to the new frame on screen (render time in brackets)")
        info = QHBoxLayout()
        info.setContentsMargins(10, 4, 10, 4)
        info.addWidget(self.model_label, 1)
        info.addWidget(self.fps)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.setSpacing(0)
        ll.addWidget(self.tb)
        ll.addWidget(self.canvas, 1)
        ll.addLayout(info)
        from .strip import LatentStrip
        self.keyframes = LatentStrip("keyframes.json", "Press K to add the current latent as a keyframe",
                                     per_segment_easing=True)
        self.favourites = LatentStrip("favourites.json", "Press F to keep the current image as a favourite")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.keyframes, "Keyframes")
        self.tabs.addTab(self.favourites, "Favourites")
        self.tabs.setMaximumHeight(self.keyframes.height() + self.tabs.tabBar().sizeHint().height() + 8)
        ll.addWidget(self.tabs)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(scroll)
        split.setStretchFactor(0, 1)
        split.setSizes([960, 400])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

        c = self.controls
        c.seed_changed.connect(lambda s: self.edit(self.state.replace(seed=s, base=None), "Seed", 1, False))
        c.random_requested.connect(self.random_seed)
        c.psi_changed.connect(lambda v, d: self.edit(self.state.replace(psi=v), "Truncation ψ", 2, d))
        c.direction_changed.connect(lambda k, v, d: self.edit(self.state.with_direction(k, v),
                                                             self._dir_name(k), 100 + k, d))
        c.direction_reset.connect(lambda k: self.edit(self.state.reset_directions(k), f"Reset {self._dir_name(k)}"))
        c.directions_reset.connect(lambda: self.edit(self.state.reset_directions(), "Reset directions"))
        c.direction_renamed.connect(self.rename_direction)
        c.count_changed.connect(c.show_count)
        c.mix_changed.connect(self._mix_edit)
        c.slider_released.connect(self._end_drag)
        for strip in (self.keyframes, self.favourites):
            strip.activated_keyframe.connect(self.jump_to)
            strip.failed.connect(lambda msg: self.say(msg, "warning"))
        self.keyframes.changed.connect(lambda: c.set_keyframe_labels([k.label for k in self.keyframes.keyframes()]))

    def _action(self, text, slot, key=None, checkable=False) -> QAction:
        act = QAction(text, self, checkable=checkable)
        if key:
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            act.setToolTip(f"{text} ({key})")
        act.toggled.connect(slot) if checkable else act.triggered.connect(lambda _=False: slot())
        self.tb.addAction(act)
        return act

    def export(self) -> None:
        """File ▸ Export… (Ctrl+E) in the main window."""
        self.export_dialog(1)

    def say(self, text: str, level: str = "info") -> None:
        self.model_label.setToolTip(text)
        self.notice.emit(text, level)

    # ------------------------------------------------------------------ model and project
    def set_project(self, run_dir) -> None:
        self.project = Path(run_dir) if run_dir else None
        z_dim = self.model.z_dim if self.model else None
        self.keyframes.set_project(self.project, z_dim)
        self.favourites.set_project(self.project, z_dim)
        self._fill_thumbnails()
        if self.project and self.model is None:
            try:
                self.open_model(self.project, quiet=True)
            except Exception:  # a project without checkpoints yet is fine
                pass

    def choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open Model", str(self.project or Path.home()),
                                              "GAN Studio models (*.safetensors)")
        if path:
            self.open_model(Path(path))

    def open_model(self, path, quiet: bool = False, find_directions: bool = True) -> bool:
        try:
            model = load_generator(Path(path), "cpu")
        except CheckpointError as e:
            if not quiet:
                self.say(f"Cannot open {Path(path).name}: {e}", "error")
            return False
        self._stop_worker()
        self._cancel.set()                                   # directions of the previous model
        self._cancel = threading.Event()
        self.model = model
        self.directions = None
        self._start_worker()
        proj = project_of(model.path)
        if proj and proj != self.project:
            self.set_project(proj)
        self.controls.set_directions([], [])
        s = model.spec
        self.model_label.setText(f"{model.path.name}  ·  {s.arch} {s.resolution}×{s.resolution} "
                                 f"{'RGBA' if s.channels == 4 else 'RGB'}  ·  z {s.z_dim}")
        if self._own_stack:
            self.undo_stack.clear()
        self.canvas.set_before(None)
        self.canvas.fit()
        self._apply(self.state)
        if find_directions:
            self._find_directions()
        self._fill_thumbnails()
        self.say(f"Exploring {model.path.name}")
        return True

    def _find_directions(self) -> None:
        model, proj = self.model, self.project or project_of(self.model.path)
        cached = directions_for(model, proj, compute=False)
        if cached is not None:
            self._set_directions(cached)
            return
        self.controls.set_progress(0.0, "Finding the principal directions of this model (GANSpace)…")

        cancel = self._cancel

        def work():
            m = load_generator(model.path, "cpu")           # own copy: rendering keeps going meanwhile
            return directions_for(m, proj, progress=lambda d, t: task.progress.emit(d / max(1, t)), cancel=cancel)
        task = Task(work, None, self)
        task.progress.connect(lambda f: self.controls.set_progress(f) if self._dir_task is task else None)
        task.done.connect(lambda d, m=model: self._set_directions(d) if m is self.model else None)
        task.failed.connect(lambda msg: None if cancel.is_set() else
                            self.controls.set_progress(None, f"Could not find directions: {msg}"))
        self._dir_task = task
        self._start(task)

    def _set_directions(self, d: Directions) -> None:
        self.directions = d
        self.controls.set_progress(None)
        self.controls.set_directions(d.names, d.variance)
        self.controls.show_state(self.state)
        self._render()
        self.directions_ready.emit()

    def rename_direction(self, k: int, name: str) -> None:
        if self.directions is None or not (0 <= k < len(self.directions)) or self.directions.names[k] == name:
            return
        self.directions.names[k] = name or f"Direction {k + 1}"
        proj = self.project or project_of(self.model.path)
        if proj:
            save_directions(cache_path(proj, self.model.identity), self.directions)

    def _dir_name(self, k: int) -> str:
        return self.directions.names[k] if self.directions and k < len(self.directions) else f"Direction {k + 1}"

    # ------------------------------------------------------------------ edits (undoable)
    def edit(self, new: LatentState, text: str, key: int = -1, dragging: bool = False) -> None:
        if new.same_as(self.state):
            return
        token = self._drag_token if dragging else None
        if dragging and self.undo_stack.index() > 0:
            top = self.undo_stack.command(self.undo_stack.index() - 1)
            if not (isinstance(top, StateEdit) and top.key == key and top.token == token):
                self.canvas.set_before(self.canvas.image)
        elif not dragging:
            self.canvas.set_before(self.canvas.image)
        self.undo_stack.push(StateEdit(self, self.state, new, text, key, token))

    def _end_drag(self) -> None:
        self._drag_token += 1

    def _mix_edit(self, source, t: float, dragging: bool) -> None:
        if isinstance(source, tuple):
            kfs = self.keyframes.keyframes()
            kz = kfs[source[1]].z if source[1] < len(kfs) else None
            new = self.state.replace(mix_seed=None, mix_z=kz, mix_t=t)
        else:
            new = self.state.replace(mix_seed=source, mix_z=None, mix_t=t)
        self.edit(new, "Mix", 3, dragging)

    def random_seed(self) -> None:
        self.edit(self.state.replace(seed=random.randrange(0, 2 ** 31), base=None, label=""), "Random seed")

    def jump_to(self, kf: Keyframe) -> None:
        if self.model and len(kf.z) == self.model.z_dim:
            self.edit(LatentState(seed=kf.seed or 0, psi=1.0, base=kf.z.clone(), label=kf.label),
                      f"Jump to {kf.label}")

    def _apply(self, state: LatentState) -> None:
        zd = self.model.z_dim if self.model else None
        if zd and state.base is not None and len(state.base) != zd:
            state = state.replace(base=None)                 # an edit made with another model
        if zd and state.mix_z is not None and len(state.mix_z) != zd:
            state = state.replace(mix_z=None, mix_t=0.0)
        self.state = state
        self.controls.show_state(state)
        self._render()

    def current_z(self) -> torch.Tensor | None:
        if self.model is None:
            return None
        return compose(self.state, self.model.z_dim, self.directions.vectors if self.directions else None)

    # ------------------------------------------------------------------ rendering
    def _render(self) -> None:
        if self.worker is None and self.model is not None:
            self._start_worker()
        if self.worker is None:
            return
        self._serial += 1
        self._sent_at[self._serial] = time.perf_counter()
        self.worker.request(self.current_z(), self._serial)

    def _on_frame(self, img, serial: int, ms: float) -> None:
        if serial <= self._shown_serial:
            return                                           # an older frame than the one shown
        self._shown_serial = serial
        self.canvas.set_image(img)
        sent = self._sent_at.pop(serial, None)
        for k in [k for k in self._sent_at if k < serial]:
            del self._sent_at[k]
        if sent is not None:
            self._latency = (self._latency + [(time.perf_counter() - sent) * 1000])[-30:]
            lat = sorted(self._latency)[len(self._latency) // 2]
            self.fps.setText(f"{lat:.0f} ms per frame  ({ms:.0f} ms render)")
        self.frame_shown.emit(serial)

    def _start_worker(self) -> None:
        self.worker = RenderWorker(self.model, self)
        self.worker.frame.connect(self._on_frame)
        self.worker.failed.connect(lambda m: self.say(m, "error"))
        self.worker.start()

    def _stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.frame.disconnect(self._on_frame)
            self.worker.stop()
            self.worker = None

    def _start(self, task: Task) -> None:
        self._tasks.add(task)
        for sig in (task.done, task.failed):
            sig.connect(lambda *_, t=task: self._tasks.discard(t))
        task.start()

    def shutdown(self) -> None:
        self._cancel.set()
        self._stop_worker()
        for t in list(self._tasks):
            t.wait(10000)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------ drops
    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].toLocalFile().lower().endswith((".safetensors", ".png")):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = Path(event.mimeData().urls()[0].toLocalFile())
        if path.suffix.lower() == ".png":
            self.restore_from_png(path)
        else:
            self.open_model(path)



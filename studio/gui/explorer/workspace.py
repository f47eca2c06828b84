"""ExplorerWorkspace: travel a GAN's latent space with the hand — a view of a studio.session ExplorerDocument.

The document owns the model, the latent and its undo history, the directions, keyframes and favourites; this
widget shows them and turns the hand's edits into document edits (merged while one slider is dragged). Slow
work goes through gui.worker.Worker: loading a model (read + hash), finding directions, thumbnails, exports and
the model search of a dropped PNG; the RenderWorker renders the newest latent off the UI thread, at the canvas's
size (the document's: the model's, or ×2 / ×4 through its upscaler; the toolbar's size box and U choose it), as
the document's kind (a model with kinds: the KindPicker, C). Keys (K, F, R, ←/→, 0, 1, 2, S, B, U, C) work while
focus is anywhere in this workspace. The artist's own pictures come in through PictureTools: drop any image (or
File ▸ Find Image in Model…) to find it in the model, or File ▸ Restore a Picture… to repair one with the model
(a brush over the canvas; [ ] brush size, E erase).
"""
from __future__ import annotations

import time
from pathlib import Path

import torch
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QScrollArea, QSplitter, QTabWidget,
                               QToolBar, QToolButton, QVBoxLayout, QWidget)

from studio.core.events import Notice
from studio.session.errors import describe_error
from studio.session.events import DirectionsChanged, LatentChanged, ListChanged, ModelChanged, UpscaleChanged
from studio.session.explorer_doc import ExplorerDocument, ExplorerError
from studio.session.explorer_kinds import latent_kinds
from studio.session.upscaling import missing_factor
from studio.session.image_search import has_latent, is_picture

from ..dialogs import folders_of, open_file
from ..shortcuts import workspace_action
from ..widgets.column import ScrollColumn
from ..widgets.image_view import array_to_qimage
from ..worker import Slot, Worker
from .canvas import ExplorerCanvas
from .canvas_size import SIZES, CanvasSize
from .controls import LatentControls
from .export import ExplorerExport
from .kind_picker import KindPicker
from .picture_tools import PictureTools
from .render_worker import RenderWorker
from .strip import LatentStrip


class ExplorerWorkspace(QWidget):
    notice = Signal(str, str)                    # message, level
    frame_shown = Signal(int)                    # serial of the frame now on the canvas
    directions_ready = Signal()
    model_opened = Signal(object)                # the GeneratorModel now explored

    def __init__(self, doc: ExplorerDocument | None = None, studio=None, parent=None):
        super().__init__(parent)
        self.doc = doc if doc is not None else ExplorerDocument(studio.prefs if studio is not None else None)
        self.studio = studio
        self.worker: RenderWorker | None = None
        self._serial = self._shown_serial = 0
        self._sent_at: dict[int, float] = {}
        self._latency: list[float] = []
        self._drag_token = 0
        self._loader = Slot()                             # opening a model: the newest request wins
        self._dir_worker = Slot()                         # finding directions: the current model's
        self.auto_directions = True                 # find a model's directions when it opens (benchmarks: off)
        self.setAcceptDrops(True)
        self.setObjectName("ExplorerWorkspace")
        self.exports = ExplorerExport(self, self.doc, studio, self.say)
        self._build()
        self.restored = self.exports.restored
        self.pictures.finished.connect(self._render)
        self._on_upscale(UpscaleChanged(self.doc.upscale, self.doc.upscale_choices()))
        for cls, handler in ((ModelChanged, self._on_model), (LatentChanged, self._on_latent),
                             (DirectionsChanged, self._on_directions), (ListChanged, self._on_list),
                             (UpscaleChanged, self._on_upscale),
                             (Notice, lambda ev: self.say(ev.message, ev.level))):
            self.doc.subscribe(handler, cls)

    # ------------------------------------------------------------------ what it shows (the document's)
    model = property(lambda self: self.doc.model)
    state = property(lambda self: self.doc.state)
    directions = property(lambda self: self.doc.directions)
    history = property(lambda self: self.doc.history)        # Edit ▸ Undo / Redo while Explore is shown

    def current_z(self) -> torch.Tensor | None:
        return self.doc.current_z()

    @property
    def settled(self) -> bool:
        """Whether the canvas shows the newest latent."""
        return self._shown_serial == self._serial

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.canvas = ExplorerCanvas()
        self.pictures = PictureTools(self, self.doc, self.canvas, self.studio, self.say)
        self.setFocusProxy(self.canvas)                      # shown → the canvas has focus: keys work at once
        self.controls = LatentControls()
        self.kind_picker = KindPicker(self.doc, self.say)             # a model with kinds: which kind is shown
        self.kind_picker.dragged.connect(self.doc.save_position)
        self.controls.layout().insertWidget(0, self.kind_picker)
        scroll = self._side = ScrollColumn(self.controls)
        self._build_toolbar()
        self._build_layout(scroll)
        self._connect_controls()

    def _build_toolbar(self) -> None:
        """The toolbar's actions and the workspace's keys (they work while focus is anywhere in Explore)."""
        self.tb = QToolBar()
        self.tb.setIconSize(QSize(18, 18))
        self.tb.setToolButtonStyle(Qt.ToolButtonTextOnly)
        a = self._action
        a("Open…", self.choose_model, tip="Open a model (File ▸ Open Model…, Ctrl+Shift+O)")
        # Undo / Redo: the window's toolbar and Edit menu act on this workspace's history while it is shown
        self._pushes = self.doc.history.pushes
        self.doc.history.subscribe(self._history_changed)
        self._history_changed()
        self.tb.addSeparator()
        a("Random", self.doc.random_seed, "R", tip="A random seed")
        a("+ Key", self.add_keyframe, "K", tip="Add the current latent as a keyframe")
        a("★ Fav", self.add_favourite, "F", tip="Keep the current image as a favourite")
        workspace_action(self, "Previous seed", lambda: self.doc.step_seed(-1), Qt.Key_Left)
        workspace_action(self, "Next seed", lambda: self.doc.step_seed(1), Qt.Key_Right)
        workspace_action(self, "Choose the kind", lambda: None if self.kind_picker.isHidden() else
                         self.kind_picker.box.setFocus(Qt.ShortcutFocusReason), Qt.Key_C)
        self.tb.addSeparator()
        a("Fit", self.canvas.fit, "0")
        a("1:1", lambda: self.canvas.set_zoom(1.0), "1")
        a("2:1", lambda: self.canvas.set_zoom(2.0), "2")
        self.size_box = CanvasSize()
        self.size_box.chosen.connect(self.choose_size)
        self.tb.addWidget(self.size_box)
        workspace_action(self, "Next canvas size", lambda: self.choose_size(self.size_box.next_size()), Qt.Key_U)
        self.act_smooth = a("Smooth", lambda on: self.canvas.set_smooth(on), "S", checkable=True)
        self.act_before = a("A/B", lambda on: self.canvas.show_before(on), "B", checkable=True)
        self.tb.addSeparator()
        a("Find image…", self.pictures.find_dialog,
          tip="Find one of your own pictures in the model (or drop it on the canvas)")
        a("Restore…", self.pictures.restore_dialog, tip="Repair a damaged picture with what the model learnt")
        workspace_action(self, "Smaller brush", lambda: self._brush_step(1 / 1.25), Qt.Key_BracketLeft)
        workspace_action(self, "Larger brush", lambda: self._brush_step(1.25), Qt.Key_BracketRight)
        workspace_action(self, "Erase with the brush", self._toggle_erase, Qt.Key_E)
        workspace_action(self, "Leave the picture tool", self._leave_picture, Qt.Key_Escape)
        self.tb.addSeparator()
        self.tb.addWidget(self._export_button())

    def _export_button(self) -> QToolButton:
        exp = QToolButton()
        exp.setText("Export")
        exp.setPopupMode(QToolButton.InstantPopup)
        exp.setMenu(self.exports.menu(exp))
        return exp

    def _build_layout(self, scroll: QScrollArea) -> None:
        """Toolbar, picture bars, canvas, info line and the keyframe/favourite strips left; the controls right."""
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
        ll.addWidget(self.pictures.find_bar)
        ll.addWidget(self.pictures.restore_bar)
        ll.addWidget(self.canvas, 1)
        ll.addLayout(info)
        self.keyframes = LatentStrip(self.doc.keyframes, "Press K to add the current latent as a keyframe")
        self.favourites = LatentStrip(self.doc.favourites, "Press F to keep the current image as a favourite")
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

    def _connect_controls(self) -> None:
        c, doc = self.controls, self.doc
        c.seed_changed.connect(lambda s: self.edit(doc.state.replace(seed=s, base=None), "Seed"))
        c.random_requested.connect(doc.random_seed)
        c.psi_changed.connect(lambda v, d: self.edit(doc.state.replace(psi=v), "Truncation ψ", 2, d))
        c.direction_changed.connect(lambda k, v, d: self.edit(doc.state.with_direction(k, v),
                                                             doc.direction_name(k), 100 + k, d))
        c.direction_reset.connect(lambda k: self.edit(doc.state.reset_directions(k),
                                                      f"Reset {doc.direction_name(k)}"))
        c.directions_reset.connect(lambda: self.edit(doc.state.reset_directions(), "Reset directions"))
        c.direction_renamed.connect(doc.rename_direction)
        c.count_changed.connect(c.show_count)
        c.mix_changed.connect(self._mix_edit)
        c.slider_released.connect(self._end_drag)
        for strip in (self.keyframes, self.favourites):
            strip.activated_keyframe.connect(doc.jump_to)

    def _action(self, text, slot, key=None, checkable=False, tip=""):
        act = workspace_action(self, text, slot, key, checkable, tip)
        self.tb.addAction(act)
        return act

    def _history_changed(self) -> None:
        h = self.doc.history
        if h.pushes != self._pushes:             # a new edit (a drag is one): A/B compares with the picture before it
            self._pushes = h.pushes
            self.canvas.set_before(self.canvas.image)

    def export(self) -> None:
        """File ▸ Export… (Ctrl+E, the toolbar's Export): the picture at the size the canvas shows."""
        self.exports.export_dialog(self.doc.upscale)

    def export_png(self, path: Path, scale: int = 1) -> Worker:
        return self.exports.export_png(path, scale)

    def export_sheet(self, path: Path, n: int) -> Worker | None:
        return self.exports.export_sheet(path, n)

    def restore_from_png(self, path: Path):
        return self.exports.restore_from_png(path)

    def say(self, text: str, level: str = "info") -> None:
        self.model_label.setToolTip(text)
        self.notice.emit(text, level)

    # ------------------------------------------------------------------ opening a model (on a worker)
    def choose_model(self) -> None:
        studio = self.studio
        path = open_file(self, folders_of(studio), "model", "Open Model", "GAN Studio models (*.safetensors)",
                         studio.project.path if studio is not None and studio.project is not None else None)
        if path is not None:
            self.open_model(path)

    def open_model(self, path, quiet: bool = False) -> Worker:
        """Load a model on a worker; the newest request wins. Errors are said unless `quiet`."""
        prefs = self.studio.prefs if self.studio is not None else None
        w = Worker(lambda job: ExplorerDocument.load(path, prefs), name="open-model", parent=self)
        w.returned.connect(self.doc.set_model)
        w.errored.connect(lambda e: None if quiet else
                          self.say(f"Cannot open {Path(path).name}: {describe_error(e)}", "error"))
        self.model_label.setText(f"Opening {Path(path).name}…")
        return self._loader.start(w)

    def _on_model(self, ev: ModelChanged) -> None:
        model = ev.model
        self._stop_worker()
        self._dir_worker.cancel()                            # directions of the previous model
        self.controls.set_directions([], [])
        self.canvas.set_before(None)
        if model is None:
            self.model_label.setText("No model")
            return
        s = model.spec
        self.model_label.setText(f"{model.path.name}  ·  {s.arch} {s.resolution}×{s.resolution} "
                                 f"{'RGBA' if s.channels == 4 else 'RGB'}  ·  z {s.z_dim}")
        self.worker = RenderWorker(model, self.doc.render_lock, self, self.doc.upscaler())
        self.worker.frame.connect(self._on_frame)
        self.worker.failed.connect(lambda m: self.say(m, "error"))
        self.worker.start()
        self.canvas.fit()
        if self.auto_directions:
            self._find_directions()
        self.say(f"Exploring {model.path.name}")
        self.model_opened.emit(model)

    def _find_directions(self) -> None:
        cached = self.doc.cached_directions()
        if cached is not None:
            self.doc.set_directions(cached)
            return
        self.controls.set_progress(0.0, "Finding the principal directions of this model (GANSpace)…")
        model = self.doc.model
        w = Worker(self.doc.compute_directions, name="directions", parent=self)
        w.progress.connect(lambda d, t, _: self.controls.set_progress(d / max(1, t)))
        w.returned.connect(lambda d, m=model: self.doc.set_directions(d) if m is self.doc.model else None)
        w.errored.connect(lambda e: self.controls.set_progress(None, f"Could not find directions: {describe_error(e)}"))
        self._dir_worker.start(w)

    def choose_size(self, factor: int) -> None:
        """Show the canvas at `factor` × the model's size (the document keeps it with the model)."""
        try:
            self.doc.set_upscale(factor)
        except ExplorerError as e:
            self.say(str(e), "warning")
            self.size_box.show_sizes(*self._sizes())

    def _sizes(self) -> tuple:
        model, up = self.doc.model, self.doc.upscaler()
        why = {f: missing_factor(f, up) if model else "open a model first" for f in SIZES if f > 1}
        return model.spec.resolution if model else None, self.doc.upscale, {f: w for f, w in why.items() if w}

    def _on_upscale(self, ev: UpscaleChanged) -> None:
        resolution, _, why_not = self._sizes()
        self.size_box.show_sizes(resolution, ev.factor, why_not)
        self.exports.offer_sizes(resolution, why_not)

    def _on_directions(self, ev: DirectionsChanged) -> None:
        d = ev.directions
        if d is None:
            return
        self.controls.set_progress(None)
        self.controls.set_directions(d.names, d.variance, d.std)
        self._side.updateGeometry()                           # new rows may need a wider column
        self.controls.show_state(self.doc.state)
        self.directions_ready.emit()

    # ------------------------------------------------------------------ edits (the document keeps them)
    def _key(self, key: int, dragging: bool):
        return (key, self._drag_token) if dragging else None

    def edit(self, new, text: str, key: int = -1, dragging: bool = False) -> None:
        self.doc.edit(new, text, self._key(key, dragging))

    def _mix_edit(self, source, t: float, dragging: bool) -> None:
        self.doc.mix(source, t, self._key(3, dragging))

    def _end_drag(self) -> None:
        self._drag_token += 1
        self.doc.save_position()                 # the drag's last value is kept at once

    def random_seed(self) -> None:
        self.doc.random_seed()

    def jump_to(self, kf) -> None:
        self.doc.jump_to(kf)

    def add_keyframe(self) -> None:
        self.doc.add_keyframe()

    def add_favourite(self) -> None:
        if self.doc.add_favourite() is not None:
            self.say(f"Added to favourites ({len(self.doc.favourites)})")

    def _on_latent(self, ev: LatentChanged) -> None:
        self.controls.show_state(ev.state)
        self.pictures.latent_changed(ev.state)
        self._render()

    def _on_list(self, ev: ListChanged) -> None:
        strip = self.keyframes if ev.name == "keyframes" else self.favourites
        strip.refresh()
        if ev.name == "keyframes":
            self.controls.set_keyframe_labels([k.label for k in self.doc.keyframes.items])
        self._fill_thumbnails(strip)

    def _fill_thumbnails(self, strip: LatentStrip) -> None:
        model = self.doc.model
        if model is None:
            return
        rows = [r for r in strip.missing_thumbnails() if len(strip.keyframes()[r].z) == model.z_dim]
        if rows:
            zs, lock = torch.stack([strip.keyframes()[r].z for r in rows]), self.doc.render_lock
            kfs = [strip.keyframes()[r] for r in rows]

            def render(job):
                with lock:
                    return model.render(zs, kind=latent_kinds(model, kfs))    # each its own kind
            w = Worker(render, name="thumbnails", parent=self)
            w.returned.connect(lambda imgs: [strip.set_thumbnail_of(k, array_to_qimage(a)) for k, a in zip(kfs, imgs)])
            w.start()

    # ------------------------------------------------------------------ rendering
    def _render(self) -> None:
        if self.worker is None:
            return
        self._serial += 1
        self._sent_at[self._serial] = time.perf_counter()
        self.worker.request(self.doc.current_z(), self._serial, self.doc.upscale, self.doc.kind_weights())

    def _on_frame(self, img, serial: int, ms: float) -> None:
        if serial <= self._shown_serial:
            return                                           # an older frame than the one shown
        self._shown_serial = serial
        if not self.pictures.owns_canvas:                    # a search or the Restore tool shows its own
            self.canvas.set_image(img)
        sent = self._sent_at.pop(serial, None)
        for k in [k for k in self._sent_at if k < serial]:
            del self._sent_at[k]
        if sent is not None:
            self._latency = (self._latency + [(time.perf_counter() - sent) * 1000])[-30:]
            lat = sorted(self._latency)[len(self._latency) // 2]
            self.fps.setText(f"{lat:.0f} ms per frame  ({ms:.0f} ms render)")
        self.frame_shown.emit(serial)

    def _stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.frame.disconnect(self._on_frame)
            self.worker.stop()
            self.worker = None

    def shutdown(self) -> None:
        self.pictures.shutdown()
        self.kind_picker.shutdown()
        self._loader.cancel()
        self._dir_worker.cancel()
        self._stop_worker()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------ the artist's own pictures
    def find_image(self, path):
        """Find the picture at `path` in the open model (on a worker; see PictureTools)."""
        return self.pictures.find(Path(path))

    def _brush_step(self, factor: float) -> None:
        if self.pictures.mode == "restore":
            bar = self.pictures.restore_bar
            bar.size.setValue(max(1, round(bar.size.value() * factor + (0.5 if factor > 1 else -0.5))))

    def _toggle_erase(self) -> None:
        if self.pictures.mode == "restore":
            self.pictures.restore_bar.erase.toggle()

    def _leave_picture(self) -> None:
        if self.pictures.mode == "restore":
            self.pictures.end_restore()
        elif self.pictures.mode == "find":
            self.pictures.close_find()

    # ------------------------------------------------------------------ drops
    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and (urls[0].toLocalFile().lower().endswith(".safetensors") or is_picture(urls[0].toLocalFile())):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        self.open_dropped(Path(event.mimeData().urls()[0].toLocalFile()))

    def open_dropped(self, path: Path):
        """A model opens; a GAN Studio PNG returns to its latent at once; any other picture is searched for."""
        if path.suffix.lower() == ".safetensors":
            return self.open_model(path)
        if path.suffix.lower() == ".png" and has_latent(path):
            return self.restore_from_png(path)
        return self.find_image(path)

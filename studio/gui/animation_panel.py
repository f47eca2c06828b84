"""Animate workspace: build a latent walk or loop, preview it on the real clock, export GIF/WebP/MP4/PNGs.

    panel = AnimationPanel(doc)       # doc: the studio.session ExplorerDocument that Explore edits

It reads the document (its model, keyframes and GANSpace directions) whenever it builds, and rebuilds when
they change (once shown): nothing is copied. The frame size (the model's, or ×2 / ×4 through its upscaler) is
the document's, saved with the model, and the preview shows it. Preview frames render on a worker; playback
shows frame int(elapsed × fps) mod N, so a slow machine drops frames but never slows the clock. The Export card
exports on another worker with progress and Cancel. Space plays / pauses, ← / → step a frame.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from studio.core import animation as an
from studio.core.keyframes import segment_easings
from studio.session.errors import describe_error
from studio.session.events import DirectionsChanged, ListChanged, ModelChanged
from studio.session.explorer_doc import ExplorerDocument
from studio.session.explorer_kinds import latent_kinds
from studio.session.project import Project
from studio.session.upscaling import missing_factor

from .dialogs import folders_of, open_file, open_folder
from .animation_export import SIZES, ExportCard
from .animation_player import AnimationPlayer
from .animation_workers import Preview
from .shortcuts import workspace_action
from .widgets.combo_items import set_item_enabled
from .widgets.icons import icon
from .worker import Slot, Worker, wait_all

PREVIEW_BYTES = 1 << 30      # upscaled preview frames beyond this (1 GiB) are previewed at the model's size
SOURCES = [("keyframes", "Keyframes"), ("seeds", "Seeds"), ("walk", "Random walk loop"), ("breathe", "Breathing loop")]


def _card(title: str) -> tuple[QFrame, QFormLayout]:
    f = QFrame()
    f.setProperty("role", "card")
    v = QVBoxLayout(f)
    v.setContentsMargins(12, 10, 12, 12)
    head = QLabel(title)
    head.setProperty("role", "heading")
    v.addWidget(head)
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(6)
    v.addLayout(form)
    return f, form


class AnimationPanel(QWidget):
    notice = Signal(str)
    exported = Signal(str)

    def __init__(self, doc: ExplorerDocument | None = None, studio=None, parent=None):
        super().__init__(parent)
        self.doc = doc if doc is not None else ExplorerDocument()
        self.studio = studio
        self.animation: an.Animation | None = None
        self.renderer: Preview | None = None
        self._preview = Slot()                        # the preview rendering: a rebuild replaces it
        self._dirty = False
        self._picked: str | None = None               # the source the artist chose in the box, if any
        self._preview_note = ""                       # why the preview is smaller than the export, if it is
        self._following = False                       # True while the panel itself changes the source
        self._build()
        self._rebuild_timer = QTimer(self, singleShot=True, interval=200, timeout=self.rebuild)
        self._sync_source()
        self._show_model_name()
        self._sync_sizes()
        self.rebuild()
        for cls in (ModelChanged, ListChanged, DirectionsChanged):
            self.doc.subscribe(self._on_document, cls)
        if QCoreApplication.instance() is not None:
            QCoreApplication.instance().aboutToQuit.connect(self.shutdown)

    # ------------------------------------------------------------------ what it animates (the document's)
    @property
    def model(self):
        return self.doc.model

    @property
    def keyframes(self) -> list:
        return list(self.doc.keyframes.items)

    @property
    def directions(self) -> list:
        """(direction vector, amplitude in σ) pairs for the breathing loop."""
        d = self.doc.directions
        return [(v, 3.0) for v in d.vectors] if d is not None else []

    def project(self) -> Path | None:
        project = Project.of_model(self.model.path) if self.model is not None else None
        return project.path if project is not None else None

    def _on_document(self, ev) -> None:
        if isinstance(ev, ModelChanged):
            self._show_model_name()
            self._sync_sizes()
        self._sync_source()
        self._changed()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QHBoxLayout(self)
        root.setContentsMargins(12, 12, 12, 12)
        root.setSpacing(12)
        left = QVBoxLayout()
        head = QHBoxLayout()
        self.model_label = QLabel("No model")
        self.model_label.setProperty("role", "heading")
        open_model = QPushButton(icon("open"), "Open model…", toolTip="A project folder (it opens in Explore too)")
        open_model.clicked.connect(self._open_model)
        open_keys = QPushButton("Keyframes…", toolTip="Add keyframes saved by the explorer (.json) to Explore's")
        open_keys.clicked.connect(self._open_keyframes)
        head.addWidget(self.model_label, 1)
        head.addWidget(open_model)
        head.addWidget(open_keys)
        left.addLayout(head)
        self.player = AnimationPlayer("Open a model to animate it")
        self.setFocusProxy(self.player)
        left.addWidget(self.player, 1)
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        left.addWidget(self.status)
        root.addLayout(left, 1)
        workspace_action(self, "Play / pause", self.player.play_btn.toggle, "Space")
        workspace_action(self, "Previous frame", lambda: self.player.step(-1), Qt.Key_Left)
        workspace_action(self, "Next frame", lambda: self.player.step(1), Qt.Key_Right)
        self._build_side(root)
        self._connect_settings()

    def _build_side(self, root: QHBoxLayout) -> None:
        """The Path card (what is animated, how) and the Export card, in a column of fixed width."""
        side = QVBoxLayout()
        side.setSpacing(10)
        card, f = _card("Path")
        self.source = QComboBox()
        for key, text in SOURCES:
            self.source.addItem(text, key)
        self.seeds = QLineEdit("1, 2, 3, 4", placeholderText="e.g. 1, 2, 3")
        self.interp = QComboBox()
        self.interp.addItems(["slerp", "linear"])
        self.easing = QComboBox()
        self.easing.addItems(list(an.EASINGS))
        self.easing.setCurrentText("ease-in-out")
        self.segment = self._dspin(0.1, 60, 1.5, " s", "Seconds from one keyframe to the next")
        self.hold = self._dspin(0, 30, 0.25, " s", "Still time at each keyframe")
        self.length = self._dspin(0.5, 120, 6, " s", "Length of one loop")
        self.walk_seed = QSpinBox(minimum=0, maximum=2 ** 31 - 1, value=0)
        self.closed = QCheckBox("Seamless loop", checked=True, toolTip="Close the path back to the start")
        self.rows, self.cols = QSpinBox(minimum=1, maximum=8, value=1), QSpinBox(minimum=1, maximum=8, value=1)
        grid = QHBoxLayout()
        grid.addWidget(self.rows, 1)
        grid.addWidget(QLabel("×", alignment=Qt.AlignCenter))
        grid.addWidget(self.cols, 1)
        self.psi = self._dspin(0, 2, 1.0, "", "Truncation ψ: lower is safer, higher more varied")
        self.psi.setSingleStep(0.05)
        for label, w in (("Source", self.source), ("Seeds", self.seeds), ("Interpolation", self.interp),
                         ("Easing", self.easing), ("Per segment", self.segment), ("Hold", self.hold),
                         ("Loop length", self.length), ("Walk seed", self.walk_seed), ("", self.closed),
                         ("Grid", grid), ("Truncation", self.psi)):
            f.addRow(label, w)
        self.form = f
        side.addWidget(card)
        self.export_card = ExportCard(self.frame_source, self.project, self.studio)
        self.export_card.notice.connect(self.notice)
        self.export_card.exported.connect(self.exported)
        self.export_card.settings_changed.connect(self._changed)
        self.export_card.size.currentIndexChanged.connect(self._size_picked)
        self.fps = self.export_card.fps
        side.addWidget(self.export_card)
        side.addStretch(1)
        holder = QWidget()
        holder.setLayout(side)
        holder.setFixedWidth(330)
        root.addWidget(holder)

    def _connect_settings(self) -> None:
        for w in (self.source, self.interp, self.easing):
            w.currentIndexChanged.connect(self._changed)
        for w in (self.segment, self.hold, self.length, self.psi, self.walk_seed, self.rows, self.cols):
            w.valueChanged.connect(self._changed)
        self.closed.toggled.connect(self._changed)
        self.seeds.textEdited.connect(self._changed)
        self.source.currentIndexChanged.connect(self._source_picked)     # first: _sync_source reads the pick
        self.source.currentIndexChanged.connect(self._sync_source)

    def _dspin(self, lo, hi, val, suffix, tip) -> QDoubleSpinBox:
        s = QDoubleSpinBox(minimum=lo, maximum=hi, value=val, suffix=suffix, toolTip=tip, decimals=2)
        s.setSingleStep(0.25)
        return s

    # ------------------------------------------------------------------ inputs
    def _show_model_name(self) -> None:
        m = self.model
        self.export_card.sync(self.animation is not None)
        self.model_label.setText("No model" if m is None else
                                 f"{m.path.parent.parent.name if m.path.parent.name == 'checkpoints' else m.path.stem}"
                                 f"  ·  {m.spec.arch} {m.spec.resolution} px")

    def _open_model(self) -> None:
        path = open_folder(self, folders_of(self.studio), "project", "Open a GAN Studio project folder",
                           self.studio.projects_dir() if self.studio is not None else None)
        if path is not None:
            self.load_model(path)

    def load_model(self, path) -> Worker:
        """Load a run folder or checkpoint on a worker; it becomes the document's model (Explore shows it too)."""
        prefs = self.studio.prefs if self.studio is not None else None
        w = Worker(lambda job: ExplorerDocument.load(path, prefs), name="animate-open", parent=self)
        w.returned.connect(self.doc.set_model)
        w.errored.connect(lambda e: self.status.setText(f"Cannot open the model: {describe_error(e)}"))
        self.status.setText(f"Opening {Path(path).name}…")
        return w.start()

    def _open_keyframes(self) -> None:
        from studio.core.keyframes import KeyframeError, load_keyframes
        path = open_file(self, folders_of(self.studio), "keyframes", "Add keyframes", "Keyframes (*.json)")
        if path is None:
            return
        try:
            kfs, _ = load_keyframes(Path(path), self.model.z_dim if self.model else None)
        except KeyframeError as e:
            self.status.setText(str(e))
            return
        self.doc.keyframes.replace(self.keyframes + kfs)
        self.status.setText(f"Added {len(kfs)} keyframes from {Path(path).name} (they are in Explore too).")
        if len(self.keyframes) >= 2:
            self.source.setCurrentIndex(0)

    def _sync_sizes(self) -> None:
        """The frame sizes the model's upscaler can make, and the one chosen for this model (saved with it)."""
        m = self.model
        up = self.doc.upscaler() if m is not None else None
        self.export_card.offer_sizes(m.spec.resolution if m is not None else None,
                                     {f: missing_factor(f, up) for f in SIZES}, self.doc.animation.upscale)

    def _size_picked(self, _index: int) -> None:
        self.doc.set_animation_upscale(self.export_card.factor)

    def _sync_source(self) -> None:
        """The keyframes are the source whenever there are enough of them, unless the artist chose another."""
        key = self.source.currentData()
        enough = len(self.keyframes) >= 2
        set_item_enabled(self.source, 0, enough)
        set_item_enabled(self.source, 3, bool(self.directions))
        if key == "keyframes" and not enough:
            return self._follow(1)
        if key != "keyframes" and enough and self._picked in (None, "keyframes"):
            return self._follow(0)                         # they appeared (Explore: K) after Animate was built
        path = key in ("keyframes", "seeds")
        for w, show in ((self.seeds, key == "seeds"), (self.interp, path), (self.easing, path),
                        (self.segment, path), (self.hold, path), (self.closed, path),
                        (self.length, not path), (self.walk_seed, not path)):
            w.setVisible(show)
            label = self.form.labelForField(w)
            if label is not None:
                label.setVisible(show)
        own = sum(1 for k in self.keyframes if k.easing) if key == "keyframes" else 0
        label = self.form.labelForField(self.easing)
        if label is not None:
            label.setText("Other easings" if own else "Easing")
        self.easing.setToolTip(f"Easing of the segments whose keyframe has none of its own; {own} keyframe(s) set "
                               "their own (right-click a keyframe in Explore)" if own else
                               "Easing of every segment; a keyframe can set its own (right-click it in Explore)")
        self.psi.setEnabled(key != "keyframes")

    def _follow(self, index: int) -> None:
        self._following = True
        try:
            self.source.setCurrentIndex(index)             # _sync_source runs again for the new source
        finally:
            self._following = False

    def _source_picked(self, _index: int) -> None:
        if not self._following:
            self._picked = self.source.currentData()

    # ------------------------------------------------------------------ building
    def _changed(self, *_) -> None:
        if self.isVisible():
            self._rebuild_timer.start()
        else:
            self._dirty = True                     # rebuilt when shown: no preview renders behind Explore

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self._dirty = False
            self.rebuild()

    def build_animation(self, cells_grid=None) -> an.Animation:
        """The animation the settings describe (raises AnimationError with a readable reason)."""
        if self.model is None:
            raise an.AnimationError("load a model first")
        rows, cols = cells_grid or (self.rows.value(), self.cols.value())
        cells, fps, key = rows * cols, self.fps.value(), self.source.currentData()
        if key == "walk":
            return an.PeriodicWalk(self.model.z_dim, fps, round(fps * self.length.value()), cells,
                                   self.walk_seed.value())
        if key == "breathe":
            base = an.seeds_path([self.walk_seed.value()], self.model.z_dim, cells)[0]
            dirs, amps = zip(*self.directions)
            return an.Breathing(base, list(dirs), list(amps), fps, round(fps * self.length.value()))
        kinds = None
        if key == "keyframes":
            import torch
            z = an.keyframes_path(torch.stack([k.z for k in self.keyframes]), cells)
            c = latent_kinds(self.model, self.keyframes)      # a model with kinds: the path travels between them
            kinds = an.keyframes_path(c, cells) if c is not None else None
        else:
            try:
                seeds = [int(s) for s in self.seeds.text().replace(",", " ").split()]
            except ValueError:
                raise an.AnimationError("seeds are whole numbers separated by commas") from None
            z = an.seeds_path(seeds, self.model.z_dim, cells)
        easing = self.easing.currentText()
        if key == "keyframes":                           # keyframes may set their own (Explore: right-click)
            easing = segment_easings(self.keyframes, easing, self.closed.isChecked())
        return an.KeyframePath.per_segment(z, fps, self.segment.value(), self.hold.value(),
                                           self.closed.isChecked(), interp=self.interp.currentText(),
                                           easing=easing, kinds=kinds)

    def frame_source(self, upscale: int | None = None) -> an.FrameSource:
        """The frames the settings describe, `upscale` × the model's size (default: the chosen size) through the
        model's upscaler; a size it cannot make raises AnimationError saying how to get one."""
        anim = self.build_animation()
        psi = 1.0 if self.source.currentData() == "keyframes" else self.psi.value()
        factor = self.export_card.factor if upscale is None else int(upscale)
        enlarge = None
        if factor > 1:
            up = self.doc.upscaler()
            why = missing_factor(factor, up)
            if why:
                raise an.AnimationError(why)
            enlarge = lambda imgs: up.upscale(imgs, factor)          # noqa: E731 - on the render worker
        return an.FrameSource(self.model, anim, psi=psi, grid=(self.rows.value(), self.cols.value()),
                              upscale=enlarge)

    def rebuild(self) -> None:
        """Rebuild the animation from the settings and start rendering its preview frames."""
        self._dirty = False
        self._stop_renderer()
        try:
            source = self.frame_source()
            self._preview_note = ""
            if source.upscale is not None and self._preview_bytes(source) > PREVIEW_BYTES:
                self._preview_note = (f" · preview at the model's size (at ×{self.export_card.factor} it would take "
                                      f"{self._preview_bytes(source) / 2 ** 30:.1f} GB); the export is "
                                      f"×{self.export_card.factor}")
                source = self.frame_source(1)
        except an.AnimationError as e:
            self.animation = None
            self.status.setText(str(e))
            self.player.clear(str(e) if self.model is not None else "Open a model to animate it")
            self.export_card.sync(False)
            return
        self.animation = source.animation
        self.export_card.sync(True)
        self.renderer = Preview(source, self)
        self.renderer.progressed.connect(self._on_rendered)
        self.renderer.failed.connect(lambda e: self.status.setText(f"preview failed: {describe_error(e)}"))
        self.player.set_animation(self.renderer.frames, self.animation.frames, self.animation.fps)
        self._preview.start(self.renderer.worker)

    def _preview_bytes(self, source: an.FrameSource) -> int:
        """What the preview's frames of `source` take in memory (every frame is kept to play on the clock)."""
        side = self.model.spec.resolution * self.export_card.factor
        return len(source) * source.animation.cells * side * side * self.model.spec.channels

    def _stop_renderer(self) -> None:
        self._preview.cancel()
        self.renderer = None

    def _on_rendered(self, done: int, total: int) -> None:
        a = self.animation
        loop = " · seamless loop" if a and a.loop else ""
        ready = "" if done >= total else f" · rendering preview {done}/{total}"
        self.status.setText(f"{total} frames at {a.fps if a else 0} fps = {total / max(1, a.fps if a else 1):.2f} s"
                            f"{loop}{ready}{self._preview_note}")
        self.player.refresh()

    def shutdown(self) -> None:
        """Stop every worker (the window calls this on close; tests on teardown)."""
        self.player.stop()
        self._rebuild_timer.stop()
        self.export_card.shutdown()
        self._stop_renderer()
        wait_all(10_000, owner=self)                  # the cancelled previews (and a model being opened) end

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

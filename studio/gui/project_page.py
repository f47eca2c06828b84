"""The Dataset workspace: the current project's image folder, its scan, and the training settings.

A view over studio.session: a new project's settings follow the session's suggestion (studio.session.settings:
the folder's usable image count, the device the run will use, and the size and architecture), recomputed when any
of those changes, except the fields the artist edited by hand (the project's SettingsDraft keeps which); choosing
an architecture brings its own settings (core.config.with_arch); changing resolution, fit or colour rescans on
a gui.worker.Worker (the cache makes repeats instant). Edits are undoable (Edit ▸ Undo while this workspace is
shown). Once a project has checkpoints its settings are fixed.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QSplitter,
                               QVBoxLayout, QWidget)

from studio.core.config import ConfigError, TrainConfig, with_arch
from studio.core.errors import Cancelled
from studio.session.errors import describe_error
from studio.session.events import PreferencesChanged, ProjectChanged
from studio.session.history import History
from studio.session.settings import PAGE_FIELDS, architecture_choices, SUGGESTED_KEYS, SettingsDraft, check_start_model, fit_start_model, suggestion_for

from .dialogs import open_file, open_folder
from .dataset_view import DatasetView
from .widgets.column import ScrollColumn
from .widgets.elided_label import ElidedLabel
from .widgets.fields import WrappedLabel, minutes_box, narrow_combo
from .widgets.icons import icon
from .worker import Slot, Worker, wait_all

RESOLUTIONS = (32, 64, 128, 256, 512, 1024)
FITS = (("crop", "Crop to square"), ("pad", "Pad to square"), ("stretch", "Stretch to square"))
CHANNELS = (("rgb", "RGB"), ("rgba", "RGBA — keep transparency"))
PRECISIONS = (("auto", "Automatic — bf16 where native"), ("bf16", "bf16 mixed — faster"),
              ("fp32", "fp32 — full precision"))
RESCAN_KEYS = ("resolution", "fit", "channels")


def _model_name(path: str) -> str:
    """A model file as the artist knows it: its project's name (for a project's checkpoint or best model)."""
    p = Path(path)
    if p.parent.name == "checkpoints":
        return f"{p.parent.parent.name} ({p.name})"
    return f"{p.parent.name} / {p.name}" if p.parent.name else p.name


class ProjectPage(QWidget):
    train_requested = Signal(object)        # TrainConfig
    scan_finished = Signal(object)          # Dataset, or None when the scan failed
    notice = Signal(str, str)               # message, level

    def __init__(self, studio):
        super().__init__()
        self.setObjectName("ProjectPage")
        self.studio = studio
        self.history = History(lambda d: self.apply_config(d, record=False))
        self.cfg = TrainConfig()
        self.dataset = None
        self.scan_error = ""
        self.device_type = ""                   # the device the run will use, as the last scan found it
        self._scan = Slot()                               # the folder's scan: a new one replaces the last
        self._applying = False
        self._suggesting = True                 # a new project: the settings follow the suggestion (hand edits kept)
        self._draft = SettingsDraft()           # used while no project is open (a project keeps its own)
        self._locked = False
        self._rescan_timer = QTimer(self, singleShot=True, interval=300, timeout=self.rescan)
        self._build()
        self.clear()
        studio.subscribe(self._on_project, ProjectChanged)
        studio.subscribe(self._on_prefs, PreferencesChanged)

    @property
    def project(self):
        return self.studio.project

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QHBoxLayout(self)
        root.setContentsMargins(12, 12, 12, 12)
        split = QSplitter(Qt.Horizontal)
        split.setChildrenCollapsible(False)
        self.view = DatasetView()
        self.view.cancel_requested.connect(self.cancel_scan)
        self.view.kinds.edited.connect(lambda ch: self.apply_config(dict(self.cfg.to_dict(), **ch), record=True))
        split.addWidget(self._side_panel())
        split.addWidget(self.view)
        split.setStretchFactor(1, 1)
        root.addWidget(split)
        for w in (self.w_resolution, self.w_fit, self.w_channels, self.w_arch, self.w_unit, self.w_precision):
            w.currentIndexChanged.connect(self._edited)
        for w in (self.w_mirror, self.w_augment):
            w.toggled.connect(self._edited)
        for w in (self.w_duration, self.w_batch, self.w_upscaler, self.w_encoder):
            w.editingFinished.connect(self._edited)

    def _side_panel(self) -> QWidget:
        """The settings (scrolling) above a fixed bar with Start training, always in view."""
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 8, 0)
        sl.setSpacing(10)
        self.settings_boxes = (self._images_box(), self._model_box(), self._training_box())
        for box in self.settings_boxes:
            sl.addWidget(box)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setProperty("role", "caption")
        sl.addWidget(self.hint)
        self.why = QLabel("")
        self.why.setObjectName("SuggestionWhy")
        self.why.setWordWrap(True)
        self.why.setProperty("role", "caption")
        self.why.setToolTip("How these defaults were chosen: benchmarks/README.md (quality per minute of training)")
        sl.addWidget(self.why)
        sl.addStretch(1)
        scroll = ScrollColumn(side)                 # never narrower than its settings: no text is cut
        self.btn_start = QPushButton(icon("play", "#ffffff"), " Start training")
        self.btn_start.setProperty("primary", True)
        self.btn_start.setMinimumHeight(36)
        self.btn_start.clicked.connect(self.request_start)
        panel = QWidget()
        pl = QVBoxLayout(panel)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(scroll, 1)
        bar = QHBoxLayout()                        # outside the scroll area: never below the fold
        bar.setContentsMargins(0, 8, 8, 0)
        bar.addWidget(self.btn_start)
        pl.addLayout(bar)
        panel.setMinimumWidth(300)
        panel.setMaximumWidth(max(420, panel.minimumSizeHint().width()))   # wide enough for its settings
        return panel

    def _images_box(self) -> QGroupBox:
        src = QGroupBox("Images")
        f = QFormLayout(src)
        self.folder_label = ElidedLabel("—")
        self.btn_folder = QPushButton(icon("folder"), " Change folder…")
        self.btn_folder.clicked.connect(self._choose_folder)
        f.addRow(self.folder_label)
        f.addRow(self.btn_folder)
        self.w_resolution = narrow_combo([(r, f"{r} × {r} px") for r in RESOLUTIONS])
        self.w_fit = narrow_combo(FITS)
        self.w_channels = narrow_combo(CHANNELS)
        self.w_mirror = QCheckBox("Mirror images (random flips)")
        f.addRow("Size", self.w_resolution)
        f.addRow("Fit", self.w_fit)
        f.addRow("Colour", self.w_channels)
        f.addRow(self.w_mirror)
        return src

    def _model_box(self) -> QGroupBox:
        model = QGroupBox("Model")
        f2 = QFormLayout(model)
        f2.setRowWrapPolicy(QFormLayout.WrapAllRows)        # captions above: the architecture's label is never cut
        self.w_arch = narrow_combo(architecture_choices())
        self.w_arch.setSizeAdjustPolicy(QComboBox.AdjustToContents)          # its text is never cut
        f2.addRow("Architecture", self.w_arch)
        start = QVBoxLayout()
        start.setSpacing(4)
        self.w_init = ElidedLabel("A new model")
        self.w_init.setProperty("role", "subtitle")
        self.btn_init = QPushButton("Start from…")
        self.btn_init.setToolTip("Fine-tune: start from a model you trained before (a checkpoint, a project's "
                                 "best.safetensors or an exported model) instead of from scratch. The architecture "
                                 "and size must match, or a Projected GAN model of half the size grows to this "
                                 "size; a related folder reaches good pictures much sooner.")
        self.btn_init.clicked.connect(self._choose_start_model)
        self.btn_init_clear = QPushButton("New")
        self.btn_init_clear.setToolTip("Start from scratch")
        self.btn_init_clear.clicked.connect(lambda: self._set_start_model(""))
        buttons = QHBoxLayout()
        buttons.addWidget(self.btn_init, 1)
        buttons.addWidget(self.btn_init_clear)
        start.addWidget(self.w_init)
        start.addLayout(buttons)
        f2.addRow("Start from", start)
        return model

    def _training_box(self) -> QGroupBox:
        train = QGroupBox("Training")
        f3 = QFormLayout(train)
        self.w_augment = QCheckBox("Augmentation (DiffAugment)")
        self.w_augment.setToolTip("Recommended for fewer than ~5,000 images: stops the discriminator memorising.")
        dur = QHBoxLayout()
        self.w_duration = QDoubleSpinBox(decimals=1, minimum=0.1, maximum=1e6, singleStep=1.0)
        self.w_unit = narrow_combo((("kimg", "thousand images"), ("minutes", "minutes")))
        dur.addWidget(self.w_duration, 1)
        dur.addWidget(self.w_unit, 1)
        self.w_batch = QSpinBox(minimum=1, maximum=1024)
        self.w_precision = narrow_combo(PRECISIONS)
        self.w_precision.setToolTip("bf16 mixed precision is about 1.7-2x faster on GPUs from Ampere on and on CPUs "
                                    "with AVX512-BF16 or AMX, with slightly different numbers. Automatic uses it "
                                    "where the hardware has it; fp32 keeps full precision everywhere.")
        f3.addRow(self.w_augment)
        f3.addRow("Duration", dur)
        f3.addRow("Batch size", self.w_batch)
        f3.addRow("Precision", self.w_precision)
        up = QHBoxLayout()
        self.w_upscaler = minutes_box("UpscalerMinutes", "After the GAN, learn an upscaler (×2 / ×4) from the "
                                       "folder's full-size pictures for this long, so Explore and Export can make "
                                       "larger pictures. 0: none.")
        self.w_factor = QLabel("", objectName="UpscalerFactor")
        up.addWidget(self.w_upscaler, 1)
        up.addWidget(self.w_factor)
        self.w_upscale_note = WrappedLabel("", objectName="UpscalerNote")
        self.w_upscale_note.setProperty("role", "caption")
        f3.addRow("Upscaler", up)
        f3.addRow(self.w_upscale_note)
        self.w_encoder = minutes_box("EncoderMinutes", "Then learn an encoder for this long: Find Image and Restore "
                                      "start from its guess and take about a second instead of several. 0: none.")
        f3.addRow("Encoder", self.w_encoder)
        return train

    # ------------------------------------------------------------------ config <-> widgets
    def apply_config(self, cfg, record: bool = False) -> None:
        """Show `cfg` (TrainConfig or dict) in the widgets; rescan when the preprocessing changed. record=True: a
        change the artist made (undoable; the suggested fields it sets are kept from now on)."""
        d = cfg.to_dict() if isinstance(cfg, TrainConfig) else dict(cfg)
        if record and self._suggesting:
            self.draft.note_edits(self.cfg, TrainConfig.from_dict(d), SUGGESTED_KEYS)
        self._show_config(d, record)

    def _show_config(self, d: dict, record: bool) -> None:
        old = self.cfg.to_dict()
        self._applying = True
        try:
            self.cfg = TrainConfig.from_dict(d)
            for w, key in ((self.w_resolution, "resolution"), (self.w_fit, "fit"), (self.w_channels, "channels"),
                           (self.w_arch, "arch"), (self.w_precision, "precision")):
                i = w.findData(d[key])
                w.setCurrentIndex(i if i >= 0 else 0)
            self.w_mirror.setChecked(bool(d["mirror"]))
            self.w_augment.setChecked(bool(d["augment"]))
            unit = "kimg" if d["kimg"] or not d["minutes"] else "minutes"
            self.w_unit.setCurrentIndex(self.w_unit.findData(unit))
            self.w_duration.setValue(float(d[unit] or 20.0))
            self.w_batch.setValue(int(d["batch"]))
            self.w_upscaler.setValue(float(d.get("upscaler_minutes") or 0.0))
            self.w_encoder.setValue(float(d.get("encoder_minutes") or 0.0))
            self.folder_label.setText(d["data_dir"] or "—")
            init = d.get("init_from") or ""
            self.w_init.setText(_model_name(init) if init else "A new model")
            if init:
                self.w_init.setToolTip(init)
            self.btn_init_clear.setEnabled(bool(init))
        finally:
            self._applying = False
        self._validate()
        self._show_why()
        self.view.show_kinds(self.cfg, not self._locked, self.project)     # the kinds the rules and choice give
        if record and old != self.cfg.to_dict():
            self.history.push("Change training settings", old, self.cfg.to_dict())
        self._save()
        if any(old.get(k) != d.get(k) for k in RESCAN_KEYS + ("data_dir",)) and self.project is not None:
            self._rescan_timer.start()

    def read_config(self) -> TrainConfig:
        """The settings the widgets show (an architecture chosen here brings its own settings: with_arch)."""
        d = with_arch(self.cfg, self.w_arch.currentData()).to_dict()
        d.update(resolution=self.w_resolution.currentData(), fit=self.w_fit.currentData(),
                 channels=self.w_channels.currentData(), mirror=self.w_mirror.isChecked(),
                 augment=self.w_augment.isChecked(), batch=self.w_batch.value(),
                 precision=self.w_precision.currentData(), upscaler_minutes=self.w_upscaler.value(),
                 encoder_minutes=self.w_encoder.value())
        unit = self.w_unit.currentData()
        d["kimg"], d["minutes"] = (self.w_duration.value(), 0.0) if unit == "kimg" else (0.0, self.w_duration.value())
        cfg = TrainConfig(**{k: v for k, v in d.items() if k != "sample_grid"})
        cfg.sample_grid = tuple(d["sample_grid"])
        return cfg

    @property
    def draft(self) -> SettingsDraft:
        """The suggestion's inputs and the fields edited by hand: the project's (session state), else the page's."""
        return self.project.settings_draft if self.project is not None else self._draft

    def _edited(self, *_):
        if self._applying:
            return
        cfg = self.read_config()
        if self._suggesting:                  # the artist chose these: kept; the rest follows the suggestion
            self.draft.note_edits(self.cfg, cfg)
            cfg = self.draft.apply(cfg)
        try:
            cfg.validate()
        except ConfigError as e:
            self._show_problem(str(e))
            return
        self._show_config(cfg.to_dict(), record=True)       # the edits are noted above, not the suggestion's

    def _show_why(self) -> None:
        draft = self.draft
        edited = draft.edited if self._suggesting else PAGE_FIELDS      # a kept project: its own size and arch
        self.why.setText(suggestion_for(draft.count, draft.device_type, self.cfg, edited, draft.upscale).why
                         if draft.ready else "")
        plan = draft.upscale                    # the factor the pictures allow, the sentence when less than ×4
        self.w_factor.setText(f"×{plan.factor}" if plan is not None and plan.factor else "")
        self.w_upscale_note.setText(plan.text if plan is not None and plan.factor < 4 else "")
        self.w_upscale_note.setVisible(bool(self.w_upscale_note.text()))

    def _validate(self) -> bool:
        try:
            cfg = self.read_config().validate()
        except ConfigError as e:
            self._show_problem(str(e))
            return False
        problem = check_start_model(cfg)          # the model to start from must fit these settings
        self._show_problem(problem)
        return not problem

    def _choose_start_model(self) -> None:
        path = open_file(self, self.studio.folders, "start-model", "Start from a model",
                         "GAN Studio models (*.safetensors)", self.studio.projects_dir())
        if path is not None:
            self._set_start_model(str(path))

    def _set_start_model(self, path: str) -> None:
        if path != self.cfg.init_from:
            d = dict(self.cfg.to_dict(), init_from=path)
            if self._suggesting:          # it brings its latent size and width (half, to grow it), chosen ones aside
                d = fit_start_model(TrainConfig.from_dict(d), self.draft.edited).to_dict()
            self._show_config(d, record=True)

    def _show_problem(self, text: str) -> None:
        self.hint.setText(text or ("Settings are fixed once training has started: start a new project to change "
                                   "them." if self._locked else "Defaults are chosen from the folder size and "
                                   "your device. The thumbnails show what the network will see."))
        self.btn_start.setEnabled(not text and not self._locked and self.dataset is not None
                                  and self.project is not None)

    def _save(self) -> None:
        if self.project is not None and not self._locked:
            try:
                self.project.save_config(self.cfg)
            except (OSError, ConfigError):
                pass                           # the start of training reports disk problems

    # ------------------------------------------------------------------ project
    def _on_project(self, ev: ProjectChanged) -> None:
        project = ev.project
        self.clear()
        self.history.clear()
        if project is None:
            return
        self._suggesting = project.created_here and not project.trained   # a new project follows the suggestion
        self._locked = project.trained
        self.apply_config(project.config())
        for box in self.settings_boxes:
            box.setEnabled(not self._locked)
        self.rescan()

    def request_start(self) -> None:
        if self.project is None or self.dataset is None or not self._validate():
            return
        self.train_requested.emit(self.read_config().validate())

    def _choose_folder(self) -> None:
        d = open_folder(self, self.studio.folders, "images", "Choose a folder of images",
                        Path(self.cfg.data_dir).parent if self.cfg.data_dir else None)
        if d is not None:
            self.apply_config(dict(self.cfg.to_dict(), data_dir=str(d)), record=True)

    # ------------------------------------------------------------------ scanning (on a worker)
    def rescan(self) -> None:
        if self.project is None or not self.cfg.data_dir:
            return
        self._rescan_timer.stop()
        self.cancel_scan()
        self.dataset = None
        self._validate()
        cfg, project, prefs = self.read_config().validate(), self.project, self.studio.prefs

        def work(job):
            from studio.session.devices import device_type
            from studio.session.upscaling import folder_plan
            dataset = project.scan(cfg, job)
            return dataset, device_type(None, prefs, cfg.device), folder_plan(cfg, dataset.report.usable)
        w = Worker(work, name="scan", parent=self)
        w.progress.connect(self.view.scanning)
        w.returned.connect(lambda result: self._on_scanned(*result))
        w.errored.connect(self._on_failed)
        self.view.begin_scan(self.cfg.data_dir)
        self._scan.start(w)

    def cancel_scan(self) -> None:
        running = self._scan.busy
        self._scan.cancel()
        if running:
            self.view.show_error("Scan cancelled.")

    def _on_scanned(self, ds, device_type: str, upscale=None) -> None:
        self.dataset, self.scan_error, self.device_type = ds, "", device_type
        if self.folder_facts(len(ds), device_type, upscale) and self.cfg.resolution != ds.resolution:
            return                                # the suggestion changed the size: a rescan is on its way
        self.view.show_dataset(ds, self.cfg)
        self._validate()
        self.notice.emit(ds.report.summary(), "info")
        self.scan_finished.emit(ds)

    def folder_facts(self, count: int, device_type: str, upscale=None) -> bool:
        """The folder's usable image count, the run's device type and the upscaler its pictures allow
        (settings.UpscalePlan) are known (a scan): the suggestion follows them (hand edits kept). True when the
        settings changed."""
        draft = self.draft
        draft.count, draft.device_type, draft.upscale = count, device_type, upscale
        old = self.cfg.to_dict()
        if self._suggesting and not self._locked:
            self.apply_config(self.draft.apply(self.cfg))
        else:
            self._show_why()
        return old != self.cfg.to_dict()

    def _on_prefs(self, ev: PreferencesChanged) -> None:
        """The device preference changed: rescan (cached: quick) to learn the device type again."""
        if "device" in ev.changed and not self._locked and self.studio.project is not None:
            self.rescan()

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        text = describe_error(error, "The scan failed")
        self.dataset, self.scan_error = None, text
        self.view.show_error(text)
        self._validate()
        self.notice.emit(text, "error")
        self.scan_finished.emit(None)

    def shutdown(self) -> None:
        self.cancel_scan()
        wait_all(10_000, owner=self)                      # the cancelled scans end

    def clear(self) -> None:
        self.cancel_scan()
        self.dataset = None
        self._locked = False
        self.view.clear()
        for box in self.settings_boxes:
            box.setEnabled(True)
        self.folder_label.setText("—")
        self._draft = SettingsDraft()
        self.why.setText("")
        self._validate()


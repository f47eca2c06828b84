"""Preferences: a small accessor over QSettings that any part of the app can read, and its dialog.

    prefs = Preferences(window.settings)      # or Preferences() for the application's QSettings
    prefs.device            # 'auto' | 'cpu' | 'cuda'
    prefs.cpu_threads       # 0 = let PyTorch decide
    prefs.export_dir        # Path: default folder for exports
    prefs.theme             # 'dark' | 'light' (the same key the main window's View → Theme uses)
    prefs.feature_weights   # Path | None: optional Inception FID weights file for the metrics

`PreferencesDialog(settings, parent).exec()` edits them; `applied` is emitted with the Preferences
after OK, and `apply_runtime(prefs)` applies what takes effect at once (theme, CPU threads).
"""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

DEVICES = (("auto", "Automatic (GPU when there is one)"), ("cpu", "CPU"), ("cuda", "NVIDIA GPU (CUDA)"))
THEMES = (("dark", "Dark"), ("light", "Light"))
KEYS = {"device": "prefs/device", "cpu_threads": "prefs/cpu_threads", "export_dir": "prefs/export_dir",
        "theme": "theme", "feature_weights": "prefs/feature_weights"}


def _default_export_dir() -> Path:
    pics = QStandardPaths.writableLocation(QStandardPaths.PicturesLocation)
    return Path(pics or Path.home()) / "GAN Studio"


class Preferences:
    """Typed reads and writes of the user's preferences; values that are missing or damaged read as defaults."""

    def __init__(self, settings: QSettings | None = None):
        self.settings = settings if settings is not None else QSettings()

    def _get(self, name: str, default=None):
        return self.settings.value(KEYS[name], default)

    @property
    def device(self) -> str:
        v = str(self._get("device", "auto") or "auto")
        return v if v in dict(DEVICES) else "auto"

    @device.setter
    def device(self, v: str) -> None:
        if v not in dict(DEVICES):
            raise ValueError(f"device must be one of {', '.join(dict(DEVICES))}, not '{v}'")
        self.settings.setValue(KEYS["device"], v)

    @property
    def cpu_threads(self) -> int:
        try:
            return max(0, int(self._get("cpu_threads", 0) or 0))
        except (TypeError, ValueError):
            return 0

    @cpu_threads.setter
    def cpu_threads(self, n: int) -> None:
        self.settings.setValue(KEYS["cpu_threads"], max(0, int(n)))

    @property
    def export_dir(self) -> Path:
        v = self._get("export_dir", "")
        return Path(v) if v else _default_export_dir()

    @export_dir.setter
    def export_dir(self, p) -> None:
        self.settings.setValue(KEYS["export_dir"], str(p) if p else "")

    @property
    def theme(self) -> str:
        v = str(self._get("theme", "dark") or "dark")
        return v if v in dict(THEMES) else "dark"

    @theme.setter
    def theme(self, v: str) -> None:
        if v not in dict(THEMES):
            raise ValueError(f"theme must be dark or light, not '{v}'")
        self.settings.setValue(KEYS["theme"], v)

    @property
    def feature_weights(self) -> Path | None:
        v = self._get("feature_weights", "")
        return Path(v) if v else None

    @feature_weights.setter
    def feature_weights(self, p) -> None:
        self.settings.setValue(KEYS["feature_weights"], str(p) if p else "")


def apply_runtime(prefs: Preferences) -> None:
    """Apply the preferences that act at once: the theme, and CPU threads if PyTorch is loaded."""
    from PySide6.QtWidgets import QApplication

    from . import theme
    app = QApplication.instance()
    if app is not None and theme.current() != prefs.theme:
        theme.apply_theme(app, prefs.theme)
    torch = sys.modules.get("torch")
    if torch is not None and prefs.cpu_threads:
        torch.set_num_threads(prefs.cpu_threads)


class _PathField(QWidget):
    """A line edit with a Browse… button (a folder or a file chooser)."""

    def __init__(self, placeholder: str, pick_folder: bool, file_filter: str = "", parent=None):
        super().__init__(parent)
        self.pick_folder, self.file_filter = pick_folder, file_filter
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(placeholderText=placeholder)
        self.edit.setClearButtonEnabled(True)
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.browse)

    def _browse(self) -> None:
        start = self.edit.text() or str(Path.home())
        if self.pick_folder:
            chosen = QFileDialog.getExistingDirectory(self, "Choose a folder", start)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, "Choose a file", start, self.file_filter)
        if chosen:
            self.edit.setText(chosen)

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, t: str) -> None:
        self.edit.setText(t)


class PreferencesDialog(QDialog):
    applied = Signal(object)        # Preferences, after OK

    def __init__(self, settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("PreferencesDialog")
        self.setWindowTitle("Preferences")
        self.setMinimumWidth(560)
        self.prefs = Preferences(settings)
        p = self.prefs

        self.device = QComboBox()
        for key, text in DEVICES:
            self.device.addItem(text, key)
        self.device.setCurrentIndex([k for k, _ in DEVICES].index(p.device))
        self.threads = QSpinBox(minimum=0, maximum=256)
        self.threads.setSpecialValueText("Automatic")
        self.threads.setValue(p.cpu_threads)
        self.threads.setToolTip("Threads PyTorch uses on the CPU. Automatic uses every core; fewer keeps the "
                                "computer responsive while training.")
        self.export_dir = _PathField(str(_default_export_dir()), pick_folder=True)
        self.export_dir.setText(self._get_raw("export_dir"))
        self.theme = QComboBox()
        for key, text in THEMES:
            self.theme.addItem(text, key)
        self.theme.setCurrentIndex([k for k, _ in THEMES].index(p.theme))
        self.weights = _PathField("Not set: metrics use the built-in EfficientNet features", pick_folder=False,
                                  file_filter="Weights (*.safetensors *.npz *.pth *.pt);;All files (*)")
        self.weights.setText(self._get_raw("feature_weights"))
        self.weights.setToolTip("Optional: an Inception-v3 FID weights file, for FID figures comparable with "
                                "papers. Without it the quality metrics use the bundled feature network.")

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.DontWrapRows)
        form.setVerticalSpacing(10)
        form.addRow("Training device", self.device)
        form.addRow("CPU threads", self.threads)
        form.addRow("Export folder", self.export_dir)
        form.addRow("Theme", self.theme)
        form.addRow("FID feature weights", self.weights)
        note = QLabel("The device and threads apply to training started from now on.")
        note.setProperty("role", "caption")
        self.error = QLabel()
        self.error.setStyleSheet("color: #ef6461;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 18, 18, 14)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.error)
        lay.addStretch(1)
        lay.addWidget(buttons)

    def _get_raw(self, name: str) -> str:
        return str(self.prefs.settings.value(KEYS[name], "") or "")

    def accept(self) -> None:
        weights = self.weights.text()
        if weights and not Path(weights).expanduser().is_file():
            self.error.setText(f"The feature weights file {weights} does not exist: choose the file, or clear "
                               "the field.")
            self.error.show()
            return
        export = self.export_dir.text()
        if export and Path(export).expanduser().exists() and not Path(export).expanduser().is_dir():
            self.error.setText(f"{export} is a file: choose a folder for exports.")
            self.error.show()
            return
        p = self.prefs
        p.device = self.device.currentData()
        p.cpu_threads = self.threads.value()
        p.export_dir = str(Path(export).expanduser()) if export else ""
        p.theme = self.theme.currentData()
        p.feature_weights = str(Path(weights).expanduser()) if weights else ""
        p.settings.sync()
        super().accept()
        self.applied.emit(p)


def show_preferences(window) -> None:
    """Open the Preferences dialog over `window`; Apply/OK applies the theme and the runtime settings."""
    dlg = PreferencesDialog(window.settings, window)

    def applied(prefs):
        if hasattr(window, "set_theme"):
            window.set_theme(prefs.theme)
        apply_runtime(prefs)
    dlg.applied.connect(applied)
    dlg.open()
    window._preferences_dialog = dlg

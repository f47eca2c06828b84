"""Preferences in the window: QSettings as the session's preference store, and the Preferences dialog.

What each preference does is decided in studio.session.preferences (Qt-free); this module only stores and
edits them:

    store = QSettingsStore(settings)              # studio.session.preferences.Store over a QSettings
    PreferencesDialog(studio, parent).open()      # OK saves through studio.set_prefs and emits `applied`
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from studio.session.devices import device_options
from studio.session.paths import default_export_dir
from studio.session.preferences import PreferenceError, Preferences, apply_threads

THEMES = (("dark", "Dark"), ("light", "Light"))


class QSettingsStore:
    """studio.session.preferences.Store over a QSettings (lists come back as lists, never as one string)."""

    def __init__(self, settings: QSettings):
        self.settings = settings

    def get(self, key: str, default=None):
        return self.settings.value(key, default)

    def set(self, key: str, value) -> None:
        self.settings.setValue(key, value)


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

    def __init__(self, studio, parent=None):
        super().__init__(parent)
        self.setObjectName("PreferencesDialog")
        self.setWindowTitle("Preferences")
        self.setMinimumWidth(560)
        self.studio = studio
        p = studio.prefs
        self.device = self._combo(device_options(current=p.device), p.device)   # + "All GPUs (N)" with several
        self.threads = QSpinBox(minimum=0, maximum=256)
        self.threads.setSpecialValueText("Automatic")
        self.threads.setValue(p.cpu_threads)
        self.threads.setToolTip("Threads PyTorch uses on the CPU. Automatic uses every core; fewer keeps the "
                                "computer responsive while training.")
        self.export_dir = _PathField(f"Not set: the project's exports folder, else {default_export_dir()}",
                                     pick_folder=True)
        self.export_dir.setText(p.export_dir)
        self.export_dir.setToolTip("Where Export… dialogs start (images, contact sheets, animations, sample grids).")
        self.theme = self._combo(THEMES, p.theme)
        self.weights = _PathField("Not set: quality is measured with the built-in EfficientNet features",
                                  pick_folder=False, file_filter="Inception TorchScript (*.pt);;All files (*)")
        self.weights.setText(p.feature_weights)
        self.weights.setToolTip("Optional: the Inception TorchScript file inception-2015-12-05.pt (StyleGAN2-ADA). "
                                "Training then adds true FID, comparable with papers, to its quality measurements.")
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.DontWrapRows)
        form.setVerticalSpacing(10)
        form.addRow("Training device", self.device)
        form.addRow("CPU threads", self.threads)
        form.addRow("Export folder", self.export_dir)
        form.addRow("Theme", self.theme)
        form.addRow("FID Inception weights", self.weights)
        note = QLabel("The device, threads and Inception weights apply to training started from now on; the "
                      "device also to models opened from now on.")
        note.setWordWrap(True)
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

    @staticmethod
    def _combo(items, current: str) -> QComboBox:
        c = QComboBox()
        for key, text in items:
            c.addItem(text, key)
        c.setCurrentIndex(max(0, c.findData(current)))
        return c

    def chosen(self) -> Preferences:
        weights, export = self.weights.text(), self.export_dir.text()
        return Preferences(device=self.device.currentData(), cpu_threads=self.threads.value(),
                           export_dir=str(Path(export).expanduser()) if export else "",
                           theme=self.theme.currentData(),
                           feature_weights=str(Path(weights).expanduser()) if weights else "")

    def accept(self) -> None:
        prefs = self.chosen()
        try:
            self.studio.set_prefs(prefs)          # checks first: nothing is stored until the form is valid
        except PreferenceError as e:
            self.error.setText(str(e))
            self.error.show()
            return
        super().accept()
        self.applied.emit(prefs)


def show_preferences(window) -> PreferencesDialog:
    """Open the Preferences dialog over the main window; OK applies the theme, CPU threads and device read-out."""
    dlg = PreferencesDialog(window.studio, window)

    def applied(prefs: Preferences) -> None:
        window.set_theme(prefs.theme)
        apply_threads(prefs)
        window.detect_device()
        window.project_page.preferences_changed()      # the device may differ: the suggestion follows it
    dlg.applied.connect(applied)
    dlg.open()
    return dlg

"""The user's preferences, Qt-free: what each one does is written here, next to it.

    prefs = Preferences.load(store)       # store: get(key, default) / set(key, value) (the window: QSettings)
    prefs.device            'auto' | 'cpu' | 'cuda' | 'mps' | 'cuda:all' (All GPUs)  → devices.resolve_device
    prefs.cpu_threads       0 = PyTorch decides                → apply_threads, at the start of training
    prefs.export_dir        '' = the default                   → export_folder (every save dialog starts there)
    prefs.theme             'dark' | 'light'                   → the window's theme
    prefs.feature_weights   '' or an Inception file            → inception(): true FID in the training metrics

Missing or damaged values read as defaults. The command line has no stored preferences: its flags
(--device, --inception …) play their part.
"""
from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from studio.core.errors import StudioError

from .paths import default_export_dir

DEVICES = ("auto", "cpu", "cuda", "mps", "cuda:all")      # cuda:all: one training process per GPU (devices.py)
THEMES = ("dark", "light")
KEYS = {"device": "prefs/device", "cpu_threads": "prefs/cpu_threads", "export_dir": "prefs/export_dir",
        "theme": "theme", "feature_weights": "prefs/feature_weights"}


class PreferenceError(StudioError, ValueError):
    pass


class Store(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def set(self, key: str, value: Any) -> None: ...


class MemoryStore:
    """A dict as a store (tests, and the command line)."""

    def __init__(self, values: dict | None = None) -> None:
        self.values = dict(values or {})

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value


@dataclass
class Preferences:
    device: str = "auto"
    cpu_threads: int = 0
    export_dir: str = ""
    theme: str = "dark"
    feature_weights: str = ""

    @classmethod
    def load(cls, store: Store) -> "Preferences":
        p = cls()
        device = str(store.get(KEYS["device"], "auto") or "auto")
        p.device = device if device in DEVICES else "auto"
        try:
            p.cpu_threads = max(0, int(store.get(KEYS["cpu_threads"], 0) or 0))
        except (TypeError, ValueError):
            p.cpu_threads = 0
        p.export_dir = str(store.get(KEYS["export_dir"], "") or "")
        theme = str(store.get(KEYS["theme"], "dark") or "dark")
        p.theme = theme if theme in THEMES else "dark"
        p.feature_weights = str(store.get(KEYS["feature_weights"], "") or "")
        return p

    def check(self) -> "Preferences":
        """Raise PreferenceError (one sentence) for a value that cannot work."""
        if self.device not in DEVICES:
            raise PreferenceError(f"the device must be one of {', '.join(DEVICES)}, not '{self.device}'")
        if self.theme not in THEMES:
            raise PreferenceError(f"the theme must be dark or light, not '{self.theme}'")
        if self.cpu_threads < 0:
            raise PreferenceError("the number of CPU threads cannot be negative")
        if self.feature_weights and not Path(self.feature_weights).expanduser().is_file():
            raise PreferenceError(f"The feature weights file {self.feature_weights} does not exist: choose the "
                                  "file, or clear the field.")
        if self.export_dir and Path(self.export_dir).expanduser().exists() and \
                not Path(self.export_dir).expanduser().is_dir():
            raise PreferenceError(f"{self.export_dir} is a file: choose a folder for exports.")
        return self

    def save(self, store: Store) -> None:
        self.check()
        for f in dataclasses.fields(self):
            store.set(KEYS[f.name], getattr(self, f.name))

    def replace(self, **kw) -> "Preferences":
        return dataclasses.replace(self, **kw)


def export_folder(prefs: Preferences | None, project: Path | None = None) -> Path:
    """Where a save dialog starts: the Preferences' export folder; without one, the project's exports/
    folder; without a project, Pictures/GAN Studio."""
    if prefs is not None and prefs.export_dir:
        return Path(prefs.export_dir).expanduser()
    if project is not None:
        return Path(project) / "exports"
    return default_export_dir()


def apply_threads(prefs: Preferences | None) -> None:
    """CPU threads for PyTorch (when set and PyTorch is loaded): at the start of training, and at once."""
    torch = sys.modules.get("torch")
    if prefs is not None and prefs.cpu_threads and torch is not None:
        torch.set_num_threads(prefs.cpu_threads)


def inception(prefs: Preferences | None, device) -> object | None:
    """The Inception network named in Preferences (true FID beside the built-in metrics), or None."""
    if prefs is None or not prefs.feature_weights:
        return None
    from studio.core.metrics.inception import InceptionFID
    return InceptionFID(Path(prefs.feature_weights).expanduser(), device)

"""File dialogs that open where the artist last chose something for the same purpose (studio.session.folders).

    path = open_file(self, studio.folders, "picture", "Find Image in Model", IMAGE_FILTER)
    folder = open_folder(self, studio.folders, "images", "Choose a folder of images")
    target = save_file(self, studio.folders, "export", "Export Image", start_dir / "seed-3.png", "PNG (*.png)")

`folders` may be None (a view used on its own, in a test): the dialog then starts at `default` or home.
Each returns None when the artist cancels.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog


def _start(folders, purpose: str, default) -> str:
    if folders is not None:
        return str(folders.start(purpose, default))
    return str(default or Path.home())


def _chosen(folders, purpose: str, path: str) -> Path | None:
    if not path:
        return None
    if folders is not None:
        folders.remember(purpose, path)
    return Path(path)


def open_file(parent, folders, purpose: str, title: str, file_filter: str, default=None) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, _start(folders, purpose, default), file_filter)
    return _chosen(folders, purpose, path)


def open_folder(parent, folders, purpose: str, title: str, default=None) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, title, _start(folders, purpose, default))
    return _chosen(folders, purpose, path)


def save_file(parent, folders, purpose: str, title: str, start: Path, file_filter: str = "") -> Path | None:
    """A save dialog at `start` (a folder and a suggested file name, e.g. from folders.start_export)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(start), file_filter)
    return _chosen(folders, purpose, path)


def folders_of(studio):
    """The studio's LastFolders (None for a view used without a Studio)."""
    return studio.folders if studio is not None else None


def export_start(studio) -> Path:
    """Where an Export… dialog starts: Preferences' export folder, else the last export folder, else the window's
    project's exports/ folder, else Pictures/GAN Studio (never a model's own folder)."""
    from studio.session.preferences import export_folder
    if studio is None:
        return export_folder(None, None)
    project = studio.project.path if studio.project is not None else None
    return studio.folders.start_export(studio.prefs, project)

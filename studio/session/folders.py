"""Where each kind of file dialog starts: the folder the artist last chose something in, for that purpose.

    folders = LastFolders(store)
    folders.start("picture")                         # the last folder a picture was found or restored from
    folders.remember("picture", "/photos/cat.jpg")   # → /photos
    folders.start_export(prefs, project)             # Preferences' export folder, else the last export folder,
                                                     # else the project's exports/, else Pictures/GAN Studio

Purposes: "images" (New Project's folder), "project", "model", "picture", "export", "keyframes",
"start-model" (a model to start training from), "file" (anything else). A folder that no longer exists is
never offered: the next best start is.
"""
from __future__ import annotations

from pathlib import Path

from .preferences import Preferences, Store, export_folder

PURPOSES = ("images", "project", "model", "picture", "export", "keyframes", "start-model", "file")
_LEGACY = {"images": "last_image_dir"}             # the key New Project used before every purpose had one


class LastFolders:
    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _key(purpose: str) -> str:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown dialog purpose '{purpose}'")
        return f"dialogs/{purpose}"

    def last(self, purpose: str) -> Path | None:
        """The folder last chosen for `purpose`, if it still exists."""
        raw = self.store.get(self._key(purpose), "") or self.store.get(_LEGACY.get(purpose, ""), "") or ""
        folder = Path(str(raw)).expanduser() if raw else None
        return folder if folder is not None and folder.is_dir() else None

    def start(self, purpose: str, default: Path | str | None = None) -> Path:
        """Where a dialog for `purpose` opens: the last folder, else `default` (when it exists), else home."""
        for cand in (self.last(purpose), Path(default).expanduser() if default else None):
            if cand is not None and cand.is_dir():
                return cand
        return Path.home()

    def remember(self, purpose: str, chosen: Path | str) -> None:
        """The artist chose `chosen` (a file: its folder is kept; a folder: its parent for 'images' and
        'project', whose dialogs pick a folder beside it next time, else the folder itself)."""
        chosen = Path(chosen).expanduser()
        if chosen.is_dir():
            folder = chosen.parent if purpose in ("images", "project") else chosen
        else:
            folder = chosen.parent
        self.store.set(self._key(purpose), str(folder))

    def start_export(self, prefs: Preferences | None, project: Path | None = None) -> Path:
        """Export dialogs: Preferences' export folder when set (it is where every export starts), else the
        last folder exported to, else the project's exports/ folder, else Pictures/GAN Studio."""
        if prefs is not None and prefs.export_dir:
            return export_folder(prefs, project)
        last = self.last("export")
        return last if last is not None else export_folder(prefs, project)

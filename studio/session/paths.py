"""Where GAN Studio keeps its things, the same for the window and the command line (no Qt needed)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "GAN Studio"


def user_data_dir() -> Path:
    """Per-user application data: ~/.local/share/GAN Studio (Linux), ~/Library/Application Support/GAN Studio
    (macOS), %APPDATA%/GAN Studio (Windows). One folder level named after the app, never two."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


def demo_images_dir() -> Path:
    """Where "Try training on demo images" paints its pictures (per user, outside any project)."""
    return user_data_dir() / "demo-images"


def default_projects_dir() -> Path:
    return Path.home() / f"{APP_NAME} Projects"


def default_export_dir() -> Path:
    """Exports go here when Preferences name no folder and no project is open: Pictures/GAN Studio."""
    pictures = Path.home() / "Pictures"
    return (pictures if pictures.is_dir() else Path.home()) / APP_NAME

"""The files GAN Studio ships with: the theme, icons, the app icon and the demo model.

This module is the only place that locates them; everything else asks it:

    path("theme", "base.qss")     # a pathlib.Path on disk (it may not exist: check .is_file())
    root()                        # the folder holding theme/, icons/ and models/
    origin()                      # "source checkout", "installed package" or "frozen app"

They live inside the `studio` package (studio/resources/), declared as package data in pyproject.toml, so a
wheel, an editable install, a source checkout and a PyInstaller bundle all find them the same way, through
importlib.resources. No Qt and no torch here: the engine and the command line use it too.
"""
from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

ORIGINS = ("source checkout", "installed package", "frozen app")


class ResourceError(RuntimeError):
    """The bundled files cannot be read from disk (one sentence for the user)."""


def root() -> Path:
    """The resources folder on disk. Qt and PyAV need real file paths, so a zipped install is refused."""
    where = files(__name__)
    if not isinstance(where, Path):
        raise ResourceError(f"GAN Studio's resources are inside an archive ({where}); install GAN Studio "
                            "as files (pip install, not a zip import) so the theme and demo model can be read")
    return where


def path(*parts: str) -> Path:
    """A bundled file or folder, e.g. path("models", "demo.safetensors")."""
    return root().joinpath(*parts)


def origin() -> str:
    """Where the resources come from: a frozen app, a source checkout (also editable installs) or a wheel."""
    if getattr(sys, "frozen", False):
        return "frozen app"
    project = root().parents[1]
    if (project / "pyproject.toml").is_file() and (project / "studio" / "resources").is_dir():
        return "source checkout"
    return "installed package"


def describe() -> str:
    """One line for --version and the About box: the folder and what kind of installation it is."""
    return f"{root()} ({origin()})"

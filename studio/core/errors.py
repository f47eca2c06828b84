"""The one base class of every error GAN Studio reports to a person (torch-free, Qt-free).

    class DatasetError(StudioError, ValueError): ...

`str(error)` is a sentence for the user: what went wrong and what to do. The window shows it in a dialog
or the status bar, the command line prints it and exits with status 2; neither matches on class names.
"""
from __future__ import annotations


class StudioError(Exception):
    """An error whose message is written for the user (no traceback is shown for it)."""

    @property
    def message(self) -> str:
        return str(self)


class Cancelled(StudioError):
    """The user cancelled a long operation; nothing half-done was kept."""

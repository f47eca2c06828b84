"""Any exception as one sentence for a person: the window's dialogs and the command line both use it.

Errors GAN Studio raises on purpose are `StudioError`s whose message is already that sentence; the rest
(disk full, missing permissions, out of memory …) are described here by their type, never by a class name.
"""
from __future__ import annotations

import errno
import sys

from studio.core.errors import StudioError


def _where(e: OSError) -> str:
    return f" ({e.filename})" if getattr(e, "filename", None) else ""


def describe_error(e: BaseException, doing: str = "") -> str:
    """One sentence saying what went wrong and what to do. `doing` ("Training could not start") prefixes
    errors GAN Studio did not foresee."""
    if isinstance(e, StudioError):
        return str(e)
    torch = sys.modules.get("torch")
    oom = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None)
    if oom is not None and isinstance(e, oom):
        return "The GPU ran out of memory: lower the batch size or resolution, or train on the CPU."
    if isinstance(e, MemoryError):
        return "Not enough memory: use a smaller resolution or fewer images, or close other programs."
    if isinstance(e, OSError):
        if e.errno == errno.ENOSPC:
            return "The disk is full: free some space and try again; nothing was lost."
        if isinstance(e, FileExistsError):
            return f"{e.filename or 'The file'} already exists: choose another name or folder."
        if isinstance(e, FileNotFoundError):
            return f"{e.filename or 'A file'} does not exist: check the path."
        if isinstance(e, IsADirectoryError):
            return f"{e.filename or 'The path'} is a folder, not a file: choose a file."
        if isinstance(e, NotADirectoryError):
            return f"{e.filename or 'The path'} is not a folder: choose a folder."
        if isinstance(e, PermissionError):
            return f"GAN Studio may not read or write{_where(e)}: check the permissions, or choose another place."
        return f"A file could not be read or written{_where(e)}: {e.strerror or e}. Check the disk and permissions."
    text = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return f"{doing or 'Something went wrong'}: {text}."

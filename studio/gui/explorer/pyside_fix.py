"""Work around a PySide6 6.12 reference-count bug on CPython < 3.12.

With PySide6 6.12.0 on CPython 3.11, every Python `Signal.emit()` drops one reference to True
(its return value) and every slot call drops one to None (the slot's return value). Python 3.12+
made these singletons immortal, which hides the bug there; on 3.11 a few thousand slider moves
or frames bring their count to zero and the interpreter aborts ("deallocating None/True").

`immortalize_singletons()` gives None, True and False (and friends) a huge reference count once,
which is what CPython 3.12 does for them anyway. Harmless when the bug is absent.
"""
from __future__ import annotations

import ctypes
import sys

_done = False


def immortalize_singletons() -> None:
    global _done
    if _done or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    for obj in (None, True, False, Ellipsis, NotImplemented):
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40
    _done = True

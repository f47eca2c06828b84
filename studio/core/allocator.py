"""The C heap on Linux (glibc): let a large model's training steps reuse the memory the previous step freed.

On a CPU, PyTorch takes every activation from malloc. glibc serves blocks over 32 MB with a fresh mmap and unmaps
them when freed, so each step of a model with activations that large faults them in again while the kernel
zeroes them page by page: fastgan at 128 px spent a fifth to a third of its CPU time in the kernel.
`keep_freed_memory` turns that off (blocks come from the heap and stay there: about a third more images per
CPU-second, benchmarks/README.md §2) and `release_freed_memory` turns it back on and gives the heap's free memory
back to the system. The trainer keeps memory only where it was measured to pay: with smaller activations
(projected and dcgan at their CPU sizes) the kernel time is already near zero, and keeping every large block grew
a dcgan run at 256 px by a gigabyte.

One arena for every thread (`one_arena`, set by the entry points before Qt or torch start a thread: a thread
that already has an arena keeps it): the window trains on a worker thread, whose own arena would map large
blocks whatever the settings. No torch import here: the window's start-up stays light. Elsewhere (macOS,
Windows, musl) these are no-ops; GANSTUDIO_PLAIN_HEAP=1 (or GANSTUDIO_PLAIN_EAGER=1) leaves the heap as it is.
"""
from __future__ import annotations

import ctypes
import os
import platform
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -3, -4, -8
_MMAP_MAX_DEFAULT = 65536                 # glibc's own
_LARGE = 32 * 2 ** 20                     # the largest mmap threshold glibc accepts (its dynamic ceiling)
_state = {"kept": False}


def _libc():
    if any(os.environ.get(v, "") not in ("", "0") for v in ("GANSTUDIO_PLAIN_HEAP", "GANSTUDIO_PLAIN_EAGER")):
        return None
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt, libc.malloc_trim            # noqa: B018 - both must exist
    except (OSError, AttributeError):
        return None
    return libc


def _set(libc, *settings: tuple[int, int]) -> bool:
    return all(libc.mallopt(opt, ctypes.c_int(val)) == 1 for opt, val in settings)


def one_arena() -> bool:
    """Every thread allocates from the main heap (call before any thread starts). Returns whether in effect."""
    libc = _libc()
    return libc is not None and _set(libc, (_M_ARENA_MAX, 1))


def keep_freed_memory() -> bool:
    """Serve every block from the heap and never shrink it, until release_freed_memory. Returns whether in
    effect."""
    libc = _libc()
    # trim threshold -1: glibc reads it as SIZE_MAX, never trim
    _state["kept"] = libc is not None and _set(libc, (_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, -1))
    return _state["kept"]


def release_freed_memory() -> None:
    """Back to mapping blocks over 32 MB, and the heap's free memory back to the system (after training)."""
    libc = _libc() if _state["kept"] else None
    if libc is None:
        return
    _set(libc, (_M_MMAP_MAX, _MMAP_MAX_DEFAULT), (_M_MMAP_THRESHOLD, _LARGE), (_M_TRIM_THRESHOLD, 2 * _LARGE))
    libc.malloc_trim(ctypes.c_size_t(0))
    _state["kept"] = False

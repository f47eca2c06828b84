"""The controls of one long operation, shared by the code doing the work and whoever runs it.

    job = Job()
    job.on_progress(lambda done, total, text: ...)        # throttled: at most ~30 calls a second
    build_dataset(cfg, cache, progress=job.progress, cancel=job.cancel_event)
    job.cancel()                                           # from any thread

`check()` is the point where a worker waits while paused and stops when cancelled (raises Cancelled);
`on_cancel(fn)` wakes one that waits on something else.
studio.gui.worker.Worker runs a function with a Job; the command line passes one too (Ctrl-C cancels).
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from studio.core.errors import Cancelled


class Job:
    def __init__(self, interval: float = 1 / 30) -> None:
        self.cancel_event = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._listeners: list[Callable[[int, int, str], None]] = []
        self._on_cancel: list[Callable[[], None]] = []
        self._interval = interval
        self._last = 0.0

    # ------------------------------------------------------------------ control (any thread)
    def cancel(self) -> None:
        self.cancel_event.set()
        self._running.set()
        for listener in list(self._on_cancel):
            listener()

    def on_cancel(self, listener: Callable[[], None]) -> None:
        """Call `listener()` (on the cancelling thread) when the job is cancelled: a worker waiting on something
        else than check() wakes up."""
        self._on_cancel.append(listener)

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    # ------------------------------------------------------------------ the worker's side
    def check(self) -> None:
        """Wait while paused; raise Cancelled once cancelled."""
        self._running.wait()
        if self.cancel_event.is_set():
            raise Cancelled("cancelled")

    def on_progress(self, listener: Callable[[int, int, str], None]) -> None:
        self._listeners.append(listener)

    def progress(self, done: int, total: int, text: str = "") -> None:
        """Report progress; listeners hear at most one report per interval, and always the last one."""
        now = time.monotonic()
        if done < total and now - self._last < self._interval:
            return
        self._last = now
        for listener in list(self._listeners):
            listener(int(done), int(total), str(text))

"""The one way the window runs long work: a function on a background thread, its news on the UI thread.

    w = Worker(lambda job: project.scan(cfg, job))            # fn(job): job = studio.session.jobs.Job
    w.progress.connect(bar.set)                               # (done, total, text), throttled by the Job
    w.returned.connect(show); w.errored.connect(lambda e: say(describe_error(e)))
    w.start(); … w.pause(); w.resume(); w.cancel()

A generator function is driven step by step: each value it yields arrives as `yielded`, and between two
steps the worker waits while paused and stops when cancelled (the generator is closed). `controls` replaces the
Job for work that has its own (a TrainingSession: pause / resume / cancel). Signals arrive in this order:
progress / yielded …, then one of returned / errored / cancelled, then finished. The thread is a daemon: a
window that closes never waits on it, and a worker whose receiver is gone stops emitting.
"""
from __future__ import annotations

import inspect
import threading

from PySide6.QtCore import QObject, Signal

from studio.core.errors import Cancelled
from studio.session.jobs import Job

_running: set["Worker"] = set()            # workers alive until they finish, whoever else holds them


class Worker(QObject):
    progress = Signal(int, int, str)
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)               # the exception (studio.session.errors.describe_error words it)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, fn, controls=None, name: str = "worker", parent: QObject | None = None):
        super().__init__(parent)
        self.fn, self.name = fn, name
        self.job = controls if controls is not None else Job()
        if isinstance(self.job, Job):
            self.job.on_progress(lambda d, t, text: self._emit(self.progress, d, t, text))
        self._thread = threading.Thread(target=self._run, name=f"studio-{name}", daemon=True)
        self.finished.connect(self._forget)          # queued: the UI thread lets go of it

    # ------------------------------------------------------------------ control (UI thread)
    def start(self) -> "Worker":
        _running.add(self)
        self._thread.start()
        return self

    def pause(self) -> None:
        self.job.pause()

    def resume(self) -> None:
        self.job.resume()

    def cancel(self) -> None:
        self.job.cancel()

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, ms: int = 10_000) -> bool:
        """Block until the work ends (True) or `ms` pass (False). For closing and tests only."""
        if self._thread.ident is None:
            return True
        self._thread.join(ms / 1000)
        return not self._thread.is_alive()

    # ------------------------------------------------------------------ the thread
    def _emit(self, signal, *args) -> bool:
        try:
            signal.emit(*args)
            return True
        except RuntimeError:               # the receiving widgets were deleted: nobody is listening
            return False

    def _run(self) -> None:
        try:
            result = self.fn(self.job)
            if inspect.isgenerator(result):
                result = self._drive(result)
        except Cancelled:
            self._emit(self.cancelled)
        except BaseException as e:  # noqa: BLE001 - every failure reaches the window, as an object
            self._emit(self.errored, e)
        else:
            self._emit(self.returned, result)
        finally:
            self._emit(self.finished)

    def _forget(self) -> None:
        _running.discard(self)

    def _drive(self, gen):
        check = getattr(self.job, "check", None)
        try:
            while True:
                try:
                    value = next(gen)
                except StopIteration as stop:
                    return stop.value
                if not self._emit(self.yielded, value):
                    raise Cancelled("nobody is listening")
                if check is not None:
                    check()
        finally:
            gen.close()

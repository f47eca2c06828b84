"""The one way the window runs long work (a function on a background thread) and the one way news comes back
to the UI thread (queued Qt signals of the objects in this module). No other file of studio/gui makes threads,
conditions or events (tests/test_layout.py); the Qt-free session layer hands its threads' news back only through
its Hub's events, which a `Mailbox` carries over.

    w = Worker(lambda job: project.scan(cfg, job))            # fn(job): job = studio.session.jobs.Job
    w.progress.connect(bar.set)                               # (done, total, text), throttled by the Job
    w.returned.connect(show); w.errored.connect(lambda e: say(describe_error(e)))
    w.start(); … w.pause(); w.resume(); w.cancel()

A generator function is driven step by step: each value it yields arrives as `yielded`, and between two
steps the worker waits while paused and stops when cancelled (the generator is closed). `controls` replaces the
Job for work that has its own (a TrainingSession: pause / resume / cancel). Signals arrive in this order:
progress / yielded …, then one of returned / errored / cancelled, then finished. The thread is a daemon: a
window that closes never waits on it, and a worker whose receiver is gone stops emitting.

    slot = Slot(); slot.start(w)     # newest wins: cancels the slot's previous worker, whose news is then dropped
    latest = Latest()                # a one-place mailbox into a worker: put() replaces, take(job) waits
    box = Mailbox(); box.arrived.connect(lambda: handle(box.drain()))   # any thread → the UI, ≤ 30 times a second
    wait_all(10_000, owner=self)     # closing: wait for this widget's workers (cancelled ones included)
"""
from __future__ import annotations

import inspect
import threading
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from studio.core.errors import Cancelled
from studio.session.jobs import Job

_running: set["Worker"] = set()            # workers alive until they finish, whoever else holds them
_SIGNALS = ("progress", "yielded", "returned", "errored", "cancelled", "finished")


class Worker(QObject):
    progress = Signal(int, int, str)
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)               # the exception (studio.session.errors.describe_error words it)
    cancelled = Signal()
    finished = Signal()
    _news = Signal(str, object)            # the thread's side: (signal name, args), queued to _deliver

    def __init__(self, fn, controls=None, name: str = "worker", parent: QObject | None = None):
        super().__init__(parent)
        self.fn, self.name = fn, name
        self.slot: Slot | None = None      # set by Slot.start: only the slot's current worker delivers its news
        self.job = controls if controls is not None else Job()
        if isinstance(self.job, Job):
            self.job.on_progress(lambda d, t, text: self._emit("progress", d, t, text))
        self._thread = threading.Thread(target=self._run, name=f"studio-{name}", daemon=True)
        self._news.connect(self._deliver, Qt.QueuedConnection)

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
        self._thread.join(max(0.0, ms / 1000))
        return not self._thread.is_alive()

    def is_current(self) -> bool:
        """Whether its news still counts: it is in no Slot, or it is its slot's newest worker."""
        return self.slot is None or self.slot.worker is self

    def _deliver(self, name: str, args) -> None:
        """The UI thread: a superseded worker's news is dropped (but `finished` always comes)."""
        if name == "finished":
            _running.discard(self)
        elif not self.is_current():
            return
        getattr(self, name).emit(*args)

    # ------------------------------------------------------------------ the thread
    def _emit(self, name: str, *args) -> bool:
        try:
            self._news.emit(name, args)
            return True
        except RuntimeError:               # the worker was deleted with its widgets: nobody is listening
            return False

    def _run(self) -> None:
        try:
            result = self.fn(self.job)
            if inspect.isgenerator(result):
                result = self._drive(result)
        except Cancelled:
            self._emit("cancelled")
        except BaseException as e:  # noqa: BLE001 - every failure reaches the window, as an object
            self._emit("errored", e)
        else:
            self._emit("returned", result)
        finally:
            self._emit("finished")

    def _drive(self, gen):
        check = getattr(self.job, "check", None)
        try:
            while True:
                try:
                    value = next(gen)
                except StopIteration as stop:
                    return stop.value
                if not self._emit("yielded", value):
                    raise Cancelled("nobody is listening")
                if check is not None:
                    check()
        finally:
            gen.close()


def wait_all(ms: int = 10_000, owner: QObject | None = None) -> bool:
    """Block until every started worker (only those with `owner` among their parents, when given) has ended,
    or `ms` pass in all (False). For closing and tests: cancelled workers need no list of their own."""
    deadline = time.monotonic() + ms / 1000
    for w in list(_running):
        if owner is not None and not _owned_by(w, owner):
            continue
        if not w.wait(int((deadline - time.monotonic()) * 1000)):
            return False
    return True


def _owned_by(obj: QObject, owner: QObject) -> bool:
    try:
        while obj is not None:
            if obj is owner:
                return True
            obj = obj.parent()
    except RuntimeError:                   # deleted on the way up
        pass
    return False


class Slot:
    """Newest wins: one place for one kind of work (a search, a scan, a model being opened). start(w) cancels the
    worker the slot held and makes `w` current; a worker that is no longer current delivers nothing but
    `finished`, so no handler needs an `if w is self._x` guard."""

    def __init__(self) -> None:
        self.worker: Worker | None = None

    def start(self, w: Worker) -> Worker:
        self.cancel()
        w.slot, self.worker = self, w
        return w.start()

    def cancel(self, quiet: bool = True) -> Worker | None:
        """Cancel the current worker; returns it (None when the slot was empty). Quiet: nothing more is heard from
        it and the slot is empty; otherwise it stays current and its `cancelled` (or result) still arrives."""
        w = self.worker
        if quiet:
            self.worker = None
        if w is not None:
            w.cancel()
        return w

    def release(self) -> None:
        """The current worker's news has been taken (its result shown): the slot is empty, nothing is cancelled."""
        self.worker = None

    @property
    def busy(self) -> bool:
        return self.worker is not None and self.worker.is_running()


_EMPTY = object()


class Latest:
    """A one-place mailbox into a worker thread: put() (any thread) replaces what still waits, so a burst costs
    one piece of work; take(job) (the worker) blocks until something is there or the job is cancelled."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item = _EMPTY
        self._job: Job | None = None       # the job whose cancel wakes take()

    def put(self, item) -> bool:
        """True when this replaced an item nobody had taken (a dropped one)."""
        with self._cond:
            dropped = self._item is not _EMPTY
            self._item = item
            self._cond.notify_all()
        return dropped

    def take(self, job: Job):
        """The newest item; raises Cancelled once `job` is cancelled."""
        with self._cond:
            if job is not self._job:
                self._job = job
                job.on_cancel(self._wake)
            while self._item is _EMPTY and not job.cancelled:
                self._cond.wait()
            if job.cancelled:
                raise Cancelled("cancelled")
            item, self._item = self._item, _EMPTY
            return item

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()


class Mailbox(QObject):
    """News from any thread to the UI thread, in order: put() keeps each item (an item for which
    `replaces(last, item)` is true takes the last one's place: only the newest progress counts); the first put
    after a drain sends one queued `arrived`, at most `rate` times a second, and the receiver drains."""
    arrived = Signal()
    _posted = Signal()

    def __init__(self, replaces=None, rate: float = 30, parent: QObject | None = None):
        super().__init__(parent)
        self._lock = threading.Lock()
        self._items: list = []
        self._announced = False
        self._replaces = replaces
        self._interval = 1 / rate
        self._last = float("-inf")
        self._timer = QTimer(self, singleShot=True, timeout=self._arrive)
        self._posted.connect(self._schedule, Qt.QueuedConnection)

    def put(self, item) -> None:
        with self._lock:
            if self._items and self._replaces is not None and self._replaces(self._items[-1], item):
                self._items[-1] = item
            else:
                self._items.append(item)
            announce, self._announced = not self._announced, True
        if announce:
            try:
                self._posted.emit()
            except RuntimeError:           # the mailbox was deleted with its view: nobody reads it
                pass

    def drain(self) -> list:
        with self._lock:
            items, self._items, self._announced = self._items, [], False
        return items

    def stop(self) -> None:
        """Forget what waits and any `arrived` on its way."""
        self._timer.stop()
        self.drain()

    def _schedule(self) -> None:
        if not self._timer.isActive():
            wait = self._last + self._interval - time.monotonic()
            self._timer.start(int(max(0.0, wait) * 1000))

    def _arrive(self) -> None:
        self._last = time.monotonic()
        self.arrived.emit()

"""How many CPU threads a training step should use, measured as it trains.

Alone on a 2-core CPU, two threads train the default recipe ~1.5× faster than one. When other programs keep the
cores busy, each of the step's thousands of small parallel sections waits for its slowest thread, and two threads
fall far behind one: two trainings side by side made 22 images/s each with two threads and 63 each with one
(benchmarks/README.md §10d). And the window trains on a worker thread, where this CPU's bf16 steps run on two
threads at half the speed they reach from a program's main thread (one thread is unaffected). The CPU time the
process gets shows both: alone on the main thread, its threads are busy all the time; otherwise much less.

`ThreadChooser` watches the step's rate and CPU use over windows of training time (pauses not counted). When the
threads get less than `busy` of the time they ask for, it tries one thread for a window and keeps whichever
trained faster; on one thread it tries the full count again every `every` seconds, so a CPU that became free is
used again. Only the thread count changes: the same maths, other rounding.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable

WINDOW = 20.0          # seconds of training per measurement
EVERY = 180.0          # seconds on one thread before trying all of them again
BUSY = 0.75            # below this share of the asked-for CPU time, the cores are shared
BETTER = 1.1           # a thread count must train this much faster to be kept


@dataclass
class Change:
    threads: int
    note: str             # what to tell the artist, "" when a trial only went back


class ThreadChooser:
    def __init__(self, threads: int, get: Callable[[], int], set_: Callable[[int], None],
                 cpu_clock: Callable[[], float] = time.process_time,
                 window: float = WINDOW, every: float = EVERY, enabled: bool = True):
        self.full, self._get, self._set, self._cpu = threads, get, set_, cpu_clock
        self.enabled = enabled and threads > 1
        self.window, self.every = window, every
        self.trying: int | None = None      # the thread count on trial, None: settled
        self.warming = True                 # the first window is not measured
        self.rates: dict[int, float] = {}
        self.since = self._mark = None        # (elapsed, nimg, cpu) at the window's start; elapsed when settled

    @classmethod
    def for_training(cls, device_type: str, distributed: bool, enabled: bool) -> "ThreadChooser":
        """A chooser for a CPU run of one process with several threads; elsewhere one that never changes anything
        (GANSTUDIO_FIXED_THREADS=1 or GANSTUDIO_PLAIN_EAGER=1 turn it off)."""
        import torch
        on = (device_type == "cpu" and not distributed and enabled
              and os.environ.get("GANSTUDIO_FIXED_THREADS", "") in ("", "0"))
        return cls(torch.get_num_threads(), torch.get_num_threads, torch.set_num_threads, enabled=on)

    @property
    def threads(self) -> int:
        return self._get()

    def observe(self, elapsed: float, nimg: int) -> Change | None:
        """Call now and then while training (elapsed: training seconds, pauses left out). Returns a Change when the
        thread count was changed."""
        if not self.enabled:
            return None
        cpu = self._cpu()
        if self._mark is None:
            self._mark = (elapsed, nimg, cpu)
            return None
        t0, n0, c0 = self._mark
        if elapsed - t0 < self.window:
            return None
        if self.warming:                                  # the first window: first steps, step-0 samples and checkpoint
            self.warming, self._mark = False, (elapsed, nimg, cpu)
            return None
        now = self.threads
        rate, share = (nimg - n0) / (elapsed - t0), (cpu - c0) / ((elapsed - t0) * now)
        self._mark = (elapsed, nimg, cpu)
        if self.trying is not None:                       # a trial window ended: keep the faster count
            self.rates[now] = rate
            other = self.full if now == 1 else 1
            self.trying, self.since = None, elapsed
            if self.rates[other] * BETTER > rate:         # the trial lost: back, without a word
                self._set(other)
                return Change(other, "")
            if now == 1:
                return Change(1, f"Training on 1 thread: it is faster here now ({rate:.0f} images/s against "
                                 f"{self.rates[self.full]:.0f} on {self.full}); all {self.full} are tried again now "
                                 "and then.")
            return Change(now, f"The CPU is free again: training on {now} threads ({rate:.0f} images/s against "
                               f"{self.rates[1]:.0f} on 1).")
        waited = self.since is None or elapsed - self.since >= self.every
        if now == self.full and share < BUSY and waited:  # the cores are shared: try one thread
            self.rates = {now: rate}
            self.trying = 1
            self._set(1)
            return None
        if now == 1 and waited:
            self.rates = {1: rate}                        # try all the threads again: the CPU may be free
            self.trying = self.full
            self._set(self.full)
        return None

    def restore(self) -> None:
        """The thread count the run began with (the rest of the app uses it)."""
        if self.enabled and self.threads != self.full:
            self._set(self.full)
        self._mark, self.trying, self.warming = None, None, True

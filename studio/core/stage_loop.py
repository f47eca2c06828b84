"""The loop every stage after the GAN shares (the upscaler, the encoder): train for a budget, evaluate, keep the best.

    class MyTraining(StageLoop):
        def train_step(self) -> float: ...          # one optimisation step; returns its loss
        def validate(self) -> tuple[float, dict]:  # the score (lower is better) and extra figures for the record
        def save_best(self, score) -> None: ...    # write the best so far (atomically)
        def save_state(self) -> None: ...          # write what the next run continues from (on every stop)

    result = training.run(job)      # job: .check() (waits while paused, raises Cancelled) and .progress(done, total,
                                    # text); a budget of minutes (the time it learnt, pauses not counted), process
                                    # CPU seconds (benchmarks) or steps (tests), from `settings`

Every `eval_every` steps the score is measured and a record {"kind", "step", "images_seen", "loss", "val", …} goes
to the curve and to on_record; a better score is saved at once, so a stop at any moment keeps the best so far.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from .errors import Cancelled


@dataclass
class StageResult:
    steps: int
    images_seen: int
    best: float
    reason: str                       # "finished" or "stopped"
    curve: list[dict]


def _noop(*_a, **_k):
    return None


class StageLoop:
    record_kind = "stage"             # the records' "kind"
    title = "stage"                   # the progress text's first word(s)

    def __init__(self, settings, on_record: Callable[[dict], None] | None = None):
        self.s = settings             # .minutes, .cpu_seconds, .steps, .batch, .eval_every
        self.on_record = on_record or _noop
        self.step, self.seen, self.best, self.curve = 0, 0, float("inf"), []
        self.paused_seconds = self.trained_seconds = 0.0

    # what a stage defines
    def train_step(self) -> float:
        raise NotImplementedError

    def validate(self) -> tuple[float, dict]:
        raise NotImplementedError

    def save_best(self, score: float) -> None:
        raise NotImplementedError

    def save_state(self) -> None:
        """Write what the next run continues from (none by default)."""

    def has_best(self) -> bool:
        """Whether the best-so-far file exists (a first evaluation always writes it)."""
        return True

    # the loop
    def _budget(self):
        """check() → (done, total, finished?) for the progress bar and the stop."""
        t0, c0, s0 = time.monotonic(), time.process_time(), self.step
        s = self.s

        def check():
            if s.steps:
                return self.step - s0, s.steps, self.step - s0 >= s.steps
            if s.cpu_seconds:
                used = time.process_time() - c0
                return int(used), int(s.cpu_seconds), used >= s.cpu_seconds
            used = time.monotonic() - t0 - self.paused_seconds
            total = s.minutes * 60 if s.minutes else 0
            return int(used), int(total), bool(total) and used >= total
        return check

    def progress_text(self, loss: float) -> str:
        return f"{self.title}: step {self.step}, loss {loss:.4f}"

    def run(self, job=None) -> StageResult:
        check, progress = getattr(job, "check", _noop), getattr(job, "progress", _noop)
        self.paused_seconds = self.trained_seconds = 0.0   # the minutes budget counts training, not pauses
        budget, start = self._budget(), time.monotonic()
        reason = "finished"
        try:
            while True:
                t = time.monotonic()
                check()                                      # waits here while paused
                self.paused_seconds += time.monotonic() - t
                loss = self.train_step()
                self.step += 1
                self.seen += self.s.batch
                if self.step % self.s.eval_every == 0:
                    self.evaluate(loss)
                self.trained_seconds = time.monotonic() - start - self.paused_seconds
                done, total, over = budget()
                progress(done, max(total, done), self.progress_text(loss))
                if over:
                    break
        except (Cancelled, KeyboardInterrupt):
            reason = "stopped"
        if self.step % self.s.eval_every:
            self.evaluate(float("nan"))
        self.save_state()
        return StageResult(self.step, self.seen, self.best, reason, self.curve)

    def evaluate(self, loss: float) -> dict:
        val, extra = self.validate()
        rec = {"kind": self.record_kind, "step": self.step, "images_seen": self.seen, "loss": loss, "val": val, **extra,
               "time": time.time()}
        self.curve.append(rec)
        self.on_record(rec)
        if val < self.best or not self.has_best():
            self.best = min(self.best, val)
            self.save_best(val)
        return rec

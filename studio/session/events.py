"""Typed events and the small subscription API of the session layer.

    unsubscribe = hub.subscribe(on_step, StepMetrics)     # called for StepMetrics (and subclasses) only
    hub.subscribe(print)                                  # every event
    hub.emit(StepMetrics(...))                            # calls the handlers on the emitting thread

Handlers are chosen by the event's class (isinstance), never by a name string. A handler runs on the thread
that emits: this layer's threads (training, the launched run's link) hand their news back only through these
events; the window carries them to its UI thread in a studio.gui.worker.Mailbox.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from studio.core.events import Event

Handler = Callable[[Any], None]


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: list[tuple[Handler, tuple[type, ...]]] = []

    def subscribe(self, handler: Handler, *types: type) -> Callable[[], None]:
        """Call `handler(event)` for events of `types` (all events when none). Returns the unsubscribe call."""
        entry = (handler, tuple(types) or (object,))
        with self._lock:
            self._subs.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._subs:
                    self._subs.remove(entry)
        return unsubscribe

    def emit(self, event: object) -> None:
        with self._lock:
            subs = list(self._subs)
        for handler, types in subs:
            if isinstance(event, types):
                handler(event)


# ---------------------------------------------------------------- session events
@dataclass
class StateChanged(Event):
    state: Any                     # training.TrainingState
    previous: Any


@dataclass
class ScanProgress(Event):
    done: int
    total: int
    name: str = ""


@dataclass
class TrainingStarted(Event):
    """The trainer is ready: what it starts from and where it goes."""
    step: int
    kimg: float
    device: str                    # "CPU (2 threads), fp32" and the like
    target_kimg: float | None
    minutes: float | None
    batch: int                     # the global batch: every process takes batch / processes of it
    processes: int = 1             # data-parallel training processes (studio/core/distributed.py)


@dataclass
class ProjectChanged(Event):
    project: Any                   # project.Project | None


@dataclass
class PreferencesChanged(Event):
    prefs: Any                     # preferences.Preferences, as now saved
    changed: tuple = ()            # the names of the fields that changed ("theme", "device" …)


@dataclass
class ModelChanged(Event):
    model: Any                     # core.checkpoint.GeneratorModel | None


@dataclass
class LatentChanged(Event):
    state: Any                     # core.explore.LatentState


@dataclass
class DirectionsChanged(Event):
    directions: Any                # core.directions.Directions | None


@dataclass
class ListChanged(Event):
    name: str                      # "keyframes" | "favourites"


@dataclass
class UpscaleChanged(Event):
    """The canvas's size changed: Explore shows (and its pictures are) `factor` × the model's, through the model's
    upscaler; `choices` are the factors this model can make ([1] without an upscaler)."""
    factor: int
    choices: list


# ---------------------------------------------------------------- a stage after the GAN (the upscaler)
@dataclass
class StageStarted(Event):
    """A stage after the GAN begins (its pictures are read): what it learns and for how long."""
    name: str                      # "upscaler"
    title: str                     # "Training the upscaler ×4"
    minutes: float                 # this session's share of the stage (what was left of it)
    note: str = ""                 # a sentence when it learns less than ×4 or leaves pictures out


@dataclass
class StageProgress(Event):
    name: str
    done: int
    total: int
    unit: str                      # "pictures" (reading them) | "seconds" | "steps" (learning)
    text: str = ""


@dataclass
class StageRecord(Event):
    """One evaluation of the stage: the upscaler-metrics.jsonl line (step, images_seen, loss, val, lanczos)."""
    name: str
    record: dict


@dataclass
class StageFinished(Event):
    name: str
    reason: str                    # "finished" | "stopped"
    text: str                      # one sentence for the artist

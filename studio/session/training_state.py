"""The training session's states and the transitions between them (training.TrainingSession keeps to them).

idle → scanning → training ⇄ paused → stopping → finished, or failed from any working state; finished and failed
runs can run again.
"""
from __future__ import annotations

from enum import Enum


class TrainingState(str, Enum):
    IDLE = "idle"
    SCANNING = "scanning"
    TRAINING = "training"
    PAUSED = "paused"
    STOPPING = "stopping"
    FINISHED = "finished"
    FAILED = "failed"

    @property
    def working(self) -> bool:
        return self in (TrainingState.SCANNING, TrainingState.TRAINING, TrainingState.PAUSED,
                        TrainingState.STOPPING)


S = TrainingState
TRANSITIONS: dict[TrainingState, set[TrainingState]] = {
    S.IDLE: {S.SCANNING},
    S.SCANNING: {S.TRAINING, S.PAUSED, S.STOPPING, S.FINISHED, S.FAILED},
    S.TRAINING: {S.PAUSED, S.STOPPING, S.FINISHED, S.FAILED},
    S.PAUSED: {S.TRAINING, S.SCANNING, S.STOPPING, S.FINISHED, S.FAILED},   # resumed while still scanning
    S.STOPPING: {S.FINISHED, S.FAILED},
    S.FINISHED: {S.SCANNING},
    S.FAILED: {S.SCANNING},
}


class SessionError(RuntimeError):
    """A programming error: a transition the state machine does not have."""

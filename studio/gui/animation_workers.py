"""The Animate workspace's long work, on gui.worker.Worker: preview frames and file export."""
from __future__ import annotations

from pathlib import Path

from .worker import Worker


class Preview:
    """Renders every frame of a FrameSource in order into `frames` (the player reads it as it fills), 8 at a
    time on a worker; `progressed(done, total)` after each batch. cancel() stops between two batches."""

    def __init__(self, source, parent=None):
        self.source = source
        self.frames: list = []
        self.total = len(source)
        self.worker = Worker(self._render, name="animate-preview", parent=parent)
        self.progressed = self.worker.yielded            # (done, total)
        self.failed = self.worker.errored

    def _render(self, job):
        for start in range(0, self.total, 8):
            self.frames.extend(self.source.render(range(start, min(self.total, start + 8))))
            yield len(self.frames), self.total

    def start(self) -> None:
        self.worker.start()

    def cancel(self) -> None:
        self.worker.cancel()

    def wait(self, ms: int = 10_000) -> bool:
        return self.worker.wait(ms)


def export_worker(path: Path, frames, fps: int, crf: int = 18, parent=None) -> Worker:
    """Writes an animation file: progress(done, total), then returned(path) | cancelled() | errored(e)."""
    from studio.core.video import write_animation
    return Worker(lambda job: write_animation(Path(path), frames, fps, crf=crf, progress=job.progress,
                                              cancel=job.cancel_event), name="animate-export", parent=parent)

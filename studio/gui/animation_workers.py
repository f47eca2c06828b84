"""The Animate workspace's long work, on gui.worker.Worker: preview frames and file export."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from .worker import Worker


class Preview(QObject):
    """Renders every frame of a FrameSource in order, 8 at a time on a worker, which yields (done, total, new
    frames); they are appended to `frames` on the UI thread (the player reads that list as it fills; no list is
    shared with the thread), then `progressed(done, total)`. cancel() stops between two batches."""
    progressed = Signal(int, int)

    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.source = source
        self.frames: list = []
        self.total = len(source)
        self.worker = Worker(self._render, name="animate-preview", parent=self)
        self.worker.yielded.connect(self._arrived)
        self.failed = self.worker.errored

    def _render(self, job):
        for start in range(0, self.total, 8):
            frames = self.source.render(range(start, min(self.total, start + 8)))
            yield start + len(frames), self.total, frames

    def _arrived(self, batch) -> None:
        done, total, frames = batch
        self.frames.extend(frames)
        self.progressed.emit(done, total)

    def cancel(self) -> None:
        self.worker.cancel()

    def wait(self, ms: int = 10_000) -> bool:
        return self.worker.wait(ms)


def export_worker(path: Path, frames, fps: int, crf: int = 18, parent=None) -> Worker:
    """Writes an animation file: progress(done, total), then returned(path) | cancelled() | errored(e)."""
    from studio.core.video import write_animation
    return Worker(lambda job: write_animation(Path(path), frames, fps, crf=crf, progress=job.progress,
                                              cancel=job.cancel_event), name="animate-export", parent=parent)

"""Worker threads of the Animate workspace: preview frame rendering and file export (off the UI thread)."""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QThread, Signal


class PreviewRenderer(QThread):
    """Renders every frame of a FrameSource in order into `frames` (read by the UI; append is atomic)."""
    progressed = Signal(int, int)
    failed = Signal(str)

    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.source = source
        self.frames: list = []
        self.cancel = threading.Event()

    def run(self) -> None:
        try:
            total = len(self.source)
            for start in range(0, total, 8):
                if self.cancel.is_set():
                    return
                self.frames.extend(self.source.render(range(start, min(total, start + 8))))
                self.progressed.emit(len(self.frames), total)
        except Exception as e:  # shown to the artist, never a crash
            self.failed.emit(f"preview failed: {e}")


class ExportWorker(QThread):
    """Writes an animation file; progress(done, total), then exported(path) | cancelled() | failed(msg)."""
    progressed = Signal(int, int)
    exported = Signal(str)
    cancelled = Signal()
    failed = Signal(str)

    def __init__(self, path: Path, frames, fps: int, crf: int = 18, parent=None):
        super().__init__(parent)
        self.path, self.frames, self.fps, self.crf = Path(path), frames, fps, crf
        self.cancel = threading.Event()

    def run(self) -> None:
        from studio.core.dataset import Cancelled
        from studio.core.video import write_animation
        try:
            write_animation(self.path, self.frames, self.fps, crf=self.crf,
                            progress=lambda d, t: self.progressed.emit(d, t), cancel=self.cancel)
        except Cancelled:
            self.cancelled.emit()
        except Exception as e:
            self.failed.emit(str(e))
        else:
            self.exported.emit(str(self.path))


class ModelLoader(QThread):
    """Loads a generator (run folder or checkpoint file) off the UI thread."""
    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, path: Path, parent=None):
        super().__init__(parent)
        self.path = Path(path)

    def run(self) -> None:
        from studio.core.checkpoint import CheckpointError, load_generator
        try:
            self.loaded.emit(load_generator(self.path, "cpu"))
        except (CheckpointError, OSError) as e:
            self.failed.emit(str(e))

"""Rendering off the UI thread: the newest request always wins, stale ones are dropped.

`request(z)` puts the request in a gui.worker.Latest, replacing whatever request is still waiting, so a burst of
slider events costs one render, not one per event, and the picture never lags behind the hand. The render loop is
a generator run by the window's one worker pattern (gui.worker.Worker): each frame it yields arrives on the UI
thread as `frame`. Each frame
is written straight from the generator output into a fresh QImage's pixels (no extra numpy/PIL copies) under
torch.inference_mode, with the input latent in a reused buffer; `lock` (the document's render lock) is held
while the generator runs, so exports and thumbnails never run it at the same time.
"""
from __future__ import annotations

import threading
import time

import numpy as np
import torch
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from ..worker import Latest, Worker

FORMATS = {3: QImage.Format_RGB888, 4: QImage.Format_RGBA8888}


class FrameRenderer:
    """Latent → QImage with reused buffers; pixels identical to GeneratorModel.render."""

    def __init__(self, model):
        self.model = model
        spec = model.spec
        self.h = self.w = spec.resolution
        self.c = spec.channels
        self.z = torch.zeros(1, spec.z_dim, device=model.device, dtype=model.dtype)

    @torch.inference_mode()
    def render(self, z: torch.Tensor) -> QImage:
        self.z[0].copy_(z)
        x = self.model.G(self.z)[0].float()
        x.mul_(127.5).add_(128).clamp_(0, 255)
        if x.device.type != "cpu":
            x = x.to(torch.uint8)       # on the GPU: a quarter of the bytes over the bus, the same cast as copy_
        img = QImage(self.w, self.h, FORMATS[self.c])
        bpl = img.bytesPerLine()
        buf = np.frombuffer(img.bits(), np.uint8, bpl * self.h).reshape(self.h, bpl)[:, :self.w * self.c]
        torch.from_numpy(buf.reshape(self.h, self.w, self.c)).copy_(x.permute(1, 2, 0))
        return img


class RenderWorker(QObject):
    frame = Signal(QImage, int, float)      # the frame, request serial, render ms
    failed = Signal(str)

    def __init__(self, model, lock: threading.Lock | None = None, parent=None):
        super().__init__(parent)
        self.model = model
        self.lock = lock or threading.Lock()
        self._requests = Latest()                  # (z, serial): the newest request only
        self.requested = self.rendered = self.dropped = 0
        self._renderer = FrameRenderer(model)
        self._worker = Worker(self._loop, name="explorer-render", parent=self)
        self._worker.yielded.connect(lambda f: self.failed.emit(f) if isinstance(f, str) else self.frame.emit(*f))
        self._worker.errored.connect(lambda e: self.failed.emit(f"rendering failed: {e}"))

    def start(self) -> None:
        self._worker.start()

    def request(self, z: torch.Tensor, serial: int) -> None:
        self.requested += 1
        if self._requests.put((z.detach().to("cpu", torch.float32).clone(), serial)):
            self.dropped += 1

    def stop(self) -> None:
        self._worker.cancel()                      # wakes the loop's take(): it ends
        self._worker.wait(5000)

    def _loop(self, job):
        """Wait for the newest request, render it, yield (frame, serial, ms) or a failure message; until stopped."""
        while True:
            z, serial = self._requests.take(job)
            t0 = time.perf_counter()
            try:
                with self.lock:
                    img = self._renderer.render(z)
            except Exception as e:  # noqa: BLE001 - a broken model is reported; the loop goes on
                yield f"rendering failed: {e}"
                continue
            self.rendered += 1
            yield img, serial, (time.perf_counter() - t0) * 1000.0

"""Rendering off the UI thread: the newest request always wins, stale ones are dropped.

`request(z)` puts the request in a gui.worker.Latest, replacing whatever request is still waiting, so a burst of
slider events costs one render, not one per event, and the picture never lags behind the hand. The render loop is
a generator run by the window's one worker pattern (gui.worker.Worker): each frame it yields arrives on the UI
thread as `frame`. Each frame
is written straight from the generator output into a fresh QImage's pixels (no extra numpy/PIL copies) under
torch.inference_mode, with the input latent in a reused buffer; `lock` (the document's render lock) is held
while the generator runs, so exports and thumbnails never run it at the same time. A request may ask for the frame
at 2× or 4× the model's size (the canvas's size, ExplorerDocument.upscale): it is enlarged by the model's upscaler
in the same step, under the same lock. For a model with kinds a request carries the kind's weights (None: each
latent's own, G derives it from the latent).
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
    """Latent → QImage with reused buffers; pixels identical to GeneratorModel.render (then Upscaler.upscale)."""

    def __init__(self, model, upscaler=None):
        self.model, self.upscaler = model, upscaler
        spec = model.spec
        self.h = self.w = spec.resolution
        self.c = spec.channels
        self.z = torch.zeros(1, spec.z_dim, device=model.device, dtype=model.dtype)
        self.kind_buf = None if not model.kinds else torch.zeros(1, len(model.kinds), device=model.device,
                                                                 dtype=model.dtype)

    @torch.inference_mode()
    def render(self, z: torch.Tensor, factor: int = 1, kind: torch.Tensor | None = None) -> QImage:
        """The frame of `z` (shown as `kind`: (K,) weights, None: its own), `factor` × the model's size (2 or 4:
        through the upscaler)."""
        self.z[0].copy_(z)
        if kind is not None and self.kind_buf is not None:
            self.kind_buf[0].copy_(kind)
            x = self.model.G(self.z, self.kind_buf)[0].float()
        else:
            x = self.model.G(self.z)[0].float()
        x.mul_(127.5).add_(128).clamp_(0, 255)
        if x.device.type != "cpu" or factor > 1:
            x = x.to(torch.uint8)       # on the GPU: a quarter of the bytes over the bus, the same cast as copy_
        pixels = x.permute(1, 2, 0)
        if factor > 1:
            pixels = torch.from_numpy(self.upscaler.upscale(pixels.cpu().numpy()[None], factor)[0])
        h, w = pixels.shape[:2]
        img = QImage(w, h, FORMATS[self.c])
        bpl = img.bytesPerLine()
        buf = np.frombuffer(img.bits(), np.uint8, bpl * h).reshape(h, bpl)[:, :w * self.c]
        torch.from_numpy(buf.reshape(h, w, self.c)).copy_(pixels)
        return img


class RenderWorker(QObject):
    frame = Signal(QImage, int, float)      # the frame, request serial, render ms
    failed = Signal(str)

    def __init__(self, model, lock: threading.Lock | None = None, parent=None, upscaler=None):
        super().__init__(parent)
        self.model = model
        self.lock = lock or threading.Lock()
        self._requests = Latest()                  # (z, serial, factor, kind): the newest request only
        self.requested = self.rendered = self.dropped = 0
        self._renderer = FrameRenderer(model, upscaler)
        self._worker = Worker(self._loop, name="explorer-render", parent=self)
        self._worker.yielded.connect(lambda f: self.failed.emit(f) if isinstance(f, str) else self.frame.emit(*f))
        self._worker.errored.connect(lambda e: self.failed.emit(f"rendering failed: {e}"))

    def start(self) -> None:
        self._worker.start()

    def request(self, z: torch.Tensor, serial: int, factor: int = 1, kind=None) -> None:
        """Render `z` next (at `factor` × the model's size, as `kind`: (K,) weights or None), in place of any
        request still waiting."""
        self.requested += 1
        c = None if kind is None else torch.as_tensor(kind, dtype=torch.float32).clone()
        if self._requests.put((z.detach().to("cpu", torch.float32).clone(), serial, factor, c)):
            self.dropped += 1

    def stop(self) -> None:
        self._worker.cancel()                      # wakes the loop's take(): it ends
        self._worker.wait(5000)

    def _loop(self, job):
        """Wait for the newest request, render it, yield (frame, serial, ms) or a failure message; until stopped."""
        while True:
            z, serial, factor, kind = self._requests.take(job)
            t0 = time.perf_counter()
            try:
                with self.lock:
                    img = self._renderer.render(z, factor, kind)
            except Exception as e:  # noqa: BLE001 - a broken model is reported; the loop goes on
                yield f"rendering failed: {e}"
                continue
            self.rendered += 1
            yield img, serial, (time.perf_counter() - t0) * 1000.0

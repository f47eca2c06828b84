"""Rendering off the UI thread: the newest request always wins, stale ones are dropped.

The worker owns the generator. `request(z)` replaces whatever request is still waiting, so a burst of
slider events costs one render, not one per event, and the picture never lags behind the hand.
Each frame is written straight from the generator output into a fresh QImage's pixels (no extra
numpy/PIL copies) under torch.inference_mode, with the input latent in a reused buffer.
"""
from __future__ import annotations

import threading
import time

import numpy as np
import torch
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

FORMATS = {3: QImage.Format_RGB888, 4: QImage.Format_RGBA8888}


class FrameRenderer:
    """Latent → QImage with reused buffers; pixels identical to GeneratorModel.render."""

    def __init__(self, model):
        self.model = model
        spec = model.spec
        self.h = self.w = spec.resolution
        self.c = spec.channels
        self.z = torch.zeros(1, spec.z_dim, device=model.device, dtype=model._dtype())

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
    """Owns a daemon render thread (a plain thread: it can never outlive-and-abort a closing window)."""
    frame = Signal(QImage, int, float)      # the frame, request serial, render ms
    failed = Signal(str)

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.lock = threading.Lock()        # held while G runs (exports take it too)
        self._cond = threading.Condition()
        self._pending: tuple[torch.Tensor, int] | None = None
        self._quit = False
        self.requested = self.rendered = self.dropped = 0
        self._renderer = FrameRenderer(model)
        self._thread = threading.Thread(target=self.run, name="explorer-render", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request(self, z: torch.Tensor, serial: int) -> None:
        with self._cond:
            if self._pending is not None:
                self.dropped += 1
            self._pending = (z.detach().to("cpu", torch.float32).clone(), serial)
            self.requested += 1
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._quit = True
            self._cond.notify()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5.0)

    def run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._quit:
                    self._cond.wait()
                if self._quit:
                    return
                z, serial = self._pending
                self._pending = None
            t0 = time.perf_counter()
            try:
                with self.lock:
                    img = self._renderer.render(z)
                self.rendered += 1
                self.frame.emit(img, serial, (time.perf_counter() - t0) * 1000.0)
            except RuntimeError as e:
                if "already deleted" in str(e):          # the window went away
                    return
                self._safe_fail(f"rendering failed: {e}")
            except Exception as e:  # a broken model must not kill the thread silently
                self._safe_fail(f"rendering failed: {e}")

    def _safe_fail(self, msg: str) -> None:
        try:
            self.failed.emit(msg)
        except RuntimeError:
            pass


class Task(QObject):
    """Run fn() on a daemon thread (holding `lock` if given); done(result) or failed(message) arrive
    on the UI thread. progress(fraction) may be emitted by fn."""
    done = Signal(object)
    failed = Signal(str)
    progress = Signal(float)

    def __init__(self, fn, lock=None, parent=None):
        super().__init__(parent)
        self.fn, self.lock = fn, lock
        self._thread = threading.Thread(target=self.run, name="explorer-task", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self, ms: int = 10000) -> None:
        self._thread.join(ms / 1000)

    def run(self) -> None:
        try:
            try:
                if self.lock is not None:
                    with self.lock:
                        result = self.fn()
                else:
                    result = self.fn()
            except Exception as e:
                self.failed.emit(str(e) or type(e).__name__)
                return
            self.done.emit(result)
        except RuntimeError:                               # receiver deleted meanwhile
            pass

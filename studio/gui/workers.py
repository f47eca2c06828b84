"""Worker threads: the folder scan and the training run. The UI thread never waits on them.

Both keep their latest news in a small locked mailbox that the view drains with a ~30 Hz timer
(`take()`), so however fast training runs the UI does at most ~30 updates a second, each with
every metric point since the last one (coalesced) and only the newest sample frame.
Rare events (notices, failures, the end) arrive as queued Qt signals.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QThread, Signal


class _Mailbox:
    def __init__(self):
        self._lock = threading.Lock()
        self.steps: list = []
        self.frame = None
        self.progress = None

    def put_step(self, ev) -> None:
        with self._lock:
            self.steps.append(ev)

    def put_frame(self, ev) -> None:
        with self._lock:
            self.frame = ev

    def put_progress(self, done, total, name) -> None:
        with self._lock:
            self.progress = (done, total, name)

    def take(self) -> tuple[list, object, object]:
        with self._lock:
            out = (self.steps, self.frame, self.progress)
            self.steps, self.frame, self.progress = [], None, None
        return out


class ScanThread(QThread):
    """Scan + preprocess cfg.data_dir into cache_dir (a cache hit is instant). take() → (done, total, name)."""
    scanned = Signal(object)            # studio.core.dataset.Dataset
    scan_failed = Signal(str)

    def __init__(self, cfg, cache_dir: Path, parent=None):
        super().__init__(parent)
        self.cfg, self.cache_dir = cfg, Path(cache_dir)
        self.cancel = threading.Event()
        self._box = _Mailbox()

    def take_progress(self):
        return self._box.take()[2]

    def run(self) -> None:
        from studio.core.dataset import Cancelled, DatasetError, build_dataset
        try:
            ds = build_dataset(self.cfg, self.cache_dir, self._box.put_progress, self.cancel)
        except Cancelled:
            return
        except DatasetError as e:
            self.scan_failed.emit(str(e))
            return
        except OSError as e:
            self.scan_failed.emit(f"Could not read or cache the images ({e.strerror or e}). Check the disk has "
                                  "free space and the folder can be read, then try again.")
            return
        except Exception as e:  # noqa: BLE001 - every failure reaches the user in words
            self.scan_failed.emit(f"The scan failed: {type(e).__name__}: {e}")
            return
        self.scanned.emit(ds)


class TrainThread(QThread):
    """Runs studio.core.trainer.Trainer on this thread: a new run (cfg given) or a resumed one."""
    ready = Signal(object)              # dict: step, kimg, device, target_kimg
    notice = Signal(str, str)           # message, level
    checkpoint = Signal(object)         # CheckpointSaved
    done = Signal(str)                  # "done" | "stopped" | "cancelled"
    failed = Signal(str)                # reason in words
    quality = Signal(object)            # the metrics.jsonl record of a quality measurement (kind "quality")

    def __init__(self, run_dir: Path, cfg=None, device=None, parent=None, measure_quality: bool = True,
                 threads: int | None = None):
        super().__init__(parent)
        self.run_dir, self.cfg, self.device, self.threads = Path(run_dir), cfg, device, threads
        self.measure_quality = measure_quality
        self.trainer = None
        self.cancel = threading.Event()
        self._box = _Mailbox()
        self._paused = False
        self._failed = False

    # control, from the UI thread
    def take(self):
        return self._box.take()

    def pause(self) -> None:
        self._paused = True
        if self.trainer is not None:
            self.trainer.pause()

    def resume(self) -> None:
        self._paused = False
        if self.trainer is not None:
            self.trainer.resume()

    def stop(self) -> None:
        self.cancel.set()
        if self.trainer is not None:
            self.trainer.stop()

    # the thread
    def _on_event(self, ev) -> None:
        k = ev.kind
        if k == "step":
            self._box.put_step(ev)
        elif k == "samples":
            self._box.put_frame(ev)
        elif k == "checkpoint":
            self.checkpoint.emit(ev)
        elif k == "quality":
            self.quality.emit(ev.metrics)
        elif k == "notice":
            self.notice.emit(ev.message, ev.level)
        elif k == "failed":
            self._failed = True
            self.failed.emit(ev.reason)

    def run(self) -> None:
        from studio.core.dataset import Cancelled
        from studio.core.device import describe, precision_text
        from studio.core.trainer import Trainer
        try:
            if self.threads:
                import torch
                torch.set_num_threads(self.threads)
            if self.device is not None:                    # a Preferences choice: check it is there
                from studio.core.device import pick_device
                self.device = pick_device(self.device)
            if self.cfg is not None:
                t = Trainer.create(self.run_dir, self.cfg, on_event=self._on_event, progress=self._box.put_progress,
                                   cancel=self.cancel, device=self.device)
            else:
                t = Trainer.open(self.run_dir, on_event=self._on_event, progress=self._box.put_progress,
                                 cancel=self.cancel, device=self.device)
        except Cancelled:
            self.done.emit("cancelled")
            return
        except MemoryError:
            self.failed.emit("Not enough memory to load the images: use a smaller resolution or fewer images.")
            return
        except Exception as e:  # noqa: BLE001 - DatasetError, CheckpointError, OSError … in words
            self.failed.emit(_explain(e))
            return
        target = None
        cfg = t.cfg
        if cfg.kimg and t.kimg >= cfg.kimg * 0.999:        # finished before: train as long again
            target = t.kimg + cfg.kimg
        if self.measure_quality:
            from studio.core.metrics import QualityMonitor
            t.evaluator = QualityMonitor()            # KID etc. every so often, ≤ 5 % of training time
        self.trainer = t
        if self._paused:
            t.pause()
        if self.cancel.is_set():
            t.stop()
        device = f"{describe(t.device)}, {precision_text(t.precision, t.cfg.precision)}"
        self.ready.emit({"step": t.step, "kimg": t.kimg, "device": device,
                         "target_kimg": target or cfg.kimg or None, "batch": t.batch})
        started = time.perf_counter()
        try:
            reason = t.run(kimg=target)
        except Exception as e:  # noqa: BLE001
            self._failed = True
            self.failed.emit(_explain(e))
            return
        if reason != "failed" and not self._failed:
            self.done.emit(reason)
        self.session_sec = time.perf_counter() - started


def _explain(e: Exception) -> str:
    name = type(e).__name__
    if isinstance(e, OSError) and getattr(e, "errno", None) == 28:
        return "The disk is full: free some space, then resume training; nothing was lost."
    if isinstance(e, OSError):
        return f"A file could not be read or written ({e.strerror or e}). Check the disk and permissions, then resume."
    if "OutOfMemory" in name:
        return "The GPU ran out of memory: lower the batch size or resolution, or train on the CPU."
    if name in ("DatasetError", "CheckpointError", "ConfigError", "DeviceError", "FileExistsError",
                "FileNotFoundError"):
        return str(e)
    return f"Training could not start: {name}: {e}"

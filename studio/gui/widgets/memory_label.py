"""The status bar's memory read-out: this process's resident memory, and the GPU's when training on CUDA."""
from __future__ import annotations

import os
import sys
from typing import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel


class MemoryLabel(QLabel):
    """'RAM 512 MB   GPU 1,024 / 81,559 MB', refreshed every `interval` ms while shown in the window."""

    def __init__(self, device_name: Callable[[], str], interval: int = 2000, parent=None):
        super().__init__("", parent, objectName="MemoryLabel")
        self._device_name = device_name
        self.timer = QTimer(self, interval=interval, timeout=self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        text = f"RAM {rss_mb():,.0f} MB"
        torch = sys.modules.get("torch")          # only once something else imported it: never on start-up
        if torch is not None and self._device_name().startswith("CUDA"):
            try:
                used = torch.cuda.memory_allocated() / 2**20
                total = torch.cuda.get_device_properties(0).total_memory / 2**20
                text += f"   GPU {used:,.0f} / {total:,.0f} MB"
            except Exception:  # noqa: BLE001 - a read-out never breaks the window
                pass
        self.setText(text)


def rss_mb() -> float:
    """Resident memory of this process in MiB (current on Linux, peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, AttributeError):
        import resource
        r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return r / 2**20 if sys.platform == "darwin" else r / 1024

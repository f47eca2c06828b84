"""The status bar's device read-out: the device training will use (Preferences, else automatic), found on a worker."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel

from ..worker import Worker


class DeviceLabel(QLabel):
    found = Signal(str)

    def __init__(self, parent=None):
        super().__init__("Device: …", parent)
        self.setObjectName("DeviceLabel")
        self.setToolTip("Training runs on this device (Preferences → Training device)")
        self.device_name = ""

    def detect(self, prefs) -> Worker:
        from studio.session.errors import describe_error

        def work(job):
            from studio.core.device import describe
            from studio.session.devices import resolve_device
            return describe(resolve_device(None, prefs))
        w = Worker(work, name="device-probe", parent=self)
        w.returned.connect(self._show)
        w.errored.connect(lambda e: self._show(f"unavailable: {describe_error(e)}"))
        return w.start()

    def _show(self, name: str) -> None:
        self.device_name = name
        self.setText(name)
        self.found.emit(name)

"""Placeholder, replaced below."""
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget


class TrainingView(QWidget):
    notice = Signal(str, str)

    def __init__(self, window=None):
        super().__init__()

    def load_project(self, run): return False
    def start_new(self, run, cfg): pass
    def is_running(self): return False
    def shutdown(self): pass
    def clear(self): pass

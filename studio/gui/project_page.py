"""Placeholder, replaced below."""
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget


class ProjectPage(QWidget):
    train_requested = Signal(object)

    def __init__(self, window=None):
        super().__init__()
        self.window_ = window

    def start_project(self, run, image_dir): pass
    def load_project(self, run, cfg): pass
    def shutdown(self): pass
    def clear(self): pass

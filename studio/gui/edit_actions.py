"""Edit ▸ Undo / Redo (Ctrl+Z, Ctrl+Shift+Z): they act on the `history` of the workspace that is shown.

Each workspace keeps its own studio.session.history.History (the Dataset page its settings, Explore the
explorer document's latent), so Ctrl+Z in one workspace never undoes an edit made in another.
"""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from .widgets.icons import icon


def redo_keys() -> list[QKeySequence]:
    """The platform's Redo keys plus Ctrl+Shift+Z and Ctrl+Y, each once: an action holding one sequence twice
    makes Qt call the key ambiguous and do nothing (it did, on Linux, where the platform's Redo is Ctrl+Shift+Z)."""
    keys: list[QKeySequence] = []
    for k in [*QKeySequence.keyBindings(QKeySequence.StandardKey.Redo), QKeySequence("Ctrl+Shift+Z"),
              QKeySequence("Ctrl+Y")]:
        if not k.isEmpty() and all(k != seen for seen in keys):
            keys.append(k)
    return keys


class EditActions(QObject):
    def __init__(self, parent: QObject):
        super().__init__(parent)
        K = QKeySequence.StandardKey
        self.undo_action = QAction(icon("undo"), "&Undo", parent)
        self.undo_action.setShortcut(K.Undo)
        self.redo_action = QAction(icon("redo"), "&Redo", parent)
        self.redo_action.setShortcuts(redo_keys())
        self.undo_action.triggered.connect(self.undo)
        self.redo_action.triggered.connect(self.redo)
        self.history = None
        self._unsubscribe = None
        self.sync()

    def follow(self, history) -> None:
        """Act on `history` (None: nothing to undo here)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.history = history
        if history is not None:
            self._unsubscribe = history.subscribe(self.sync)
        self.sync()

    def sync(self) -> None:
        h = self.history
        self.undo_action.setEnabled(bool(h and h.can_undo))
        self.redo_action.setEnabled(bool(h and h.can_redo))
        self.undo_action.setText(f"&Undo {h.undo_text}" if h and h.can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {h.redo_text}" if h and h.can_redo else "&Redo")

    def undo(self) -> None:
        if self.history is not None:
            self.history.undo()

    def redo(self) -> None:
        if self.history is not None:
            self.history.redo()

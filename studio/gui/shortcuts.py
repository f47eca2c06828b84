"""Workspace keys: an action whose key works while focus is anywhere inside its workspace, never in another.

    act = workspace_action(self, "+ Key", self.add_keyframe, "K")   # self: the workspace widget
    toolbar.addAction(act)                                          # may also show on a toolbar

Qt matches a WidgetWithChildrenShortcut against every widget the action is added to: adding it to the
workspace itself (not only to a toolbar inside it) is what makes K work after a click on the canvas.
Text fields keep their keys (they claim printable keys and their own undo before shortcuts see them).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def workspace_action(workspace: QWidget, text: str, slot, key: str | QKeySequence | None = None,
                     checkable: bool = False, tip: str = "") -> QAction:
    act = QAction(text, workspace, checkable=checkable)
    if key:
        seq = QKeySequence(key)
        act.setShortcut(seq)
        act.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        act.setToolTip(f"{tip or text} ({seq.toString(QKeySequence.NativeText)})")
    elif tip:
        act.setToolTip(tip)
    if checkable:
        act.toggled.connect(slot)
    else:
        act.triggered.connect(lambda _=False: slot())
    workspace.addAction(act)
    return act


def shortcut_rows(widget: QWidget) -> list[tuple[str, str]]:
    """(what, key) of a workspace's keys, for Help ▸ Keyboard Shortcuts."""
    return [(a.text().replace("&", "").strip(), a.shortcut().toString(QKeySequence.NativeText))
            for a in widget.actions() if not a.shortcut().isEmpty()]

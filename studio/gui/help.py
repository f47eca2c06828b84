"""Help ▸ Keyboard Shortcuts and Help ▸ About."""
from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from .shortcuts import shortcut_rows


def show_shortcuts(parent: QWidget, actions, workspaces: list[tuple[str, QWidget]]) -> None:
    """The window's actions with keys, then each workspace's own keys (`workspaces`: (title, widget))."""
    rows = [(a.text().replace("&", "").rstrip("…"), a.shortcut().toString(QKeySequence.NativeText))
            for a in actions]
    rows += [("Switch workspace", "Ctrl+1 … Ctrl+9")]
    for title, w in workspaces:
        rows += [(f"{title}: {what}", key) for what, key in shortcut_rows(w)]
    html = "<table cellspacing=6>" + "".join(f"<tr><td>{t}</td><td><b>{s}</b></td></tr>" for t, s in rows)
    QMessageBox.information(parent, "Keyboard shortcuts", html + "</table>")


def show_about(parent: QWidget) -> None:
    """The version, the torch build and where the resources come from (studio.core.about)."""
    from studio.core.about import about_html
    QMessageBox.about(parent, "About GAN Studio", about_html())

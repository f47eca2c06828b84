"""Undo / redo of a document's edits, Qt-free.

    history = History(apply=doc.set_state_quietly)
    history.push("Seed", old, new)                   # after the document made the change
    history.push("Truncation ψ", old, new, key=k)    # consecutive pushes with the same key merge (one drag)
    history.undo(); history.redo()                   # apply(old) / apply(new)

The window's Edit → Undo / Redo (Ctrl+Z / Ctrl+Shift+Z) act on the history of the workspace that has focus.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable


@dataclass
class Step:
    text: str
    old: Any
    new: Any
    key: Hashable | None = None


class History:
    def __init__(self, apply: Callable[[Any], None], limit: int = 500) -> None:
        self._apply = apply
        self._steps: list[Step] = []
        self._index = 0                      # steps before it are done, from it on undone
        self._limit = limit
        self.pushes = 0                      # new steps recorded so far (a merge is not a new step)
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def push(self, text: str, old: Any, new: Any, key: Hashable | None = None) -> None:
        """Record a change already made. A push with the same key as the step on top merges into it."""
        del self._steps[self._index:]
        top = self._steps[-1] if self._steps else None
        if key is not None and top is not None and top.key == key:
            top.new = new
        else:
            self._steps.append(Step(text, old, new, key))
            self.pushes += 1
            if len(self._steps) > self._limit:
                del self._steps[0]
        self._index = len(self._steps)
        self._changed()

    def undo(self) -> bool:
        if not self.can_undo:
            return False
        self._index -= 1
        step = self._steps[self._index]
        step.key = None                       # an undone-and-redone step never merges again
        self._apply(step.old)
        self._changed()
        return True

    def redo(self) -> bool:
        if not self.can_redo:
            return False
        step = self._steps[self._index]
        self._index += 1
        self._apply(step.new)
        self._changed()
        return True

    def clear(self) -> None:
        self._steps, self._index = [], 0
        self._changed()

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._steps)

    @property
    def undo_text(self) -> str:
        return self._steps[self._index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._steps[self._index].text if self.can_redo else ""

    def __len__(self) -> int:
        return len(self._steps)

    @property
    def index(self) -> int:
        return self._index

"""Keyframes and favourites: a named list of latents saved in the project after every change.

    keyframes = LatentList("keyframes", "keyframes.json", "Key", per_segment_easing=True)
    keyframes.load(project_folder, z_dim)            # → '' or what was wrong with the file
    keyframes.add(Keyframe(z, seed=3)); keyframes.move(0, 2); keyframes.set_easing(0, "linear")

The file format is studio.core.keyframes'. `on_change(error)` is called after every change ('' when saved).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from studio.core.keyframes import EASINGS, Keyframe, KeyframeError, load_keyframes, save_keyframes


class LatentList:
    def __init__(self, name: str, filename: str, label_prefix: str, per_segment_easing: bool = False,
                 on_change: Callable[[str], None] | None = None) -> None:
        self.name, self.filename, self.label_prefix = name, filename, label_prefix
        self.per_segment_easing = per_segment_easing    # a path's keyframes set the easing of their segment
        self.items: list[Keyframe] = []
        self.path: Path | None = None
        self.model_identity = ""
        self.on_change = on_change or (lambda error: None)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(list(self.items))

    def __getitem__(self, i: int) -> Keyframe:
        return self.items[i]

    def load(self, folder: Path | None, z_dim: int | None = None) -> str:
        """Show the list saved in `folder` (none: an empty list that is not saved). → '' or the problem."""
        self.items, self.model_identity, error = [], "", ""
        self.path = Path(folder) / self.filename if folder else None
        if self.path is not None and self.path.exists():
            try:
                self.items, self.model_identity = load_keyframes(self.path, z_dim)
            except KeyframeError as e:
                error = str(e)
        self.on_change(error)
        return error

    # ------------------------------------------------------------------ edits (each saved at once)
    def add(self, kf: Keyframe, model_identity: str = "") -> Keyframe:
        if not kf.label:
            kf.label = f"{self.label_prefix} {len(self.items) + 1}"
        if model_identity:
            self.model_identity = model_identity
        self.items.append(kf)
        self._save()
        return kf

    def remove(self, rows) -> None:
        rows = sorted({r for r in rows if 0 <= r < len(self.items)}, reverse=True)
        for r in rows:
            del self.items[r]
        if rows:
            self._save()

    def move(self, src: int, dst: int) -> None:
        """The item at src goes to position dst."""
        if not 0 <= src < len(self.items) or src == dst:
            return
        dst = max(0, min(dst, len(self.items) - 1))
        self.items.insert(dst, self.items.pop(src))
        self._save()

    def rename(self, row: int, label: str) -> None:
        if 0 <= row < len(self.items) and self.items[row].label != label:
            self.items[row].label = label[:200]
            self._save()

    def set_easing(self, row: int, easing: str) -> None:
        """The easing of the segment leaving keyframe `row` ('' = the animation's default)."""
        if self.per_segment_easing and 0 <= row < len(self.items) and easing in ("",) + EASINGS:
            self.items[row].easing = easing
            self._save()

    def replace(self, keyframes: list[Keyframe]) -> None:
        self.items = list(keyframes)
        self._save()

    def _save(self) -> None:
        error = ""
        if self.path is not None:
            try:
                save_keyframes(self.path, self.items, self.model_identity)
            except OSError as e:
                error = f"could not save {self.path.name}: {e.strerror or e}"
        self.on_change(error)

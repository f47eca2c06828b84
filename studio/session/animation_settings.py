"""What the artist chose in Animate that belongs to the model: the frame size (through the model's upscaler).

    settings = AnimationSettings()
    settings.load(folder)          # the model's folder (session.model_home) → '' or what was wrong with the file
    settings.set_upscale(4)        # saved at once (atomically) → '' or why it could not be written

Kept in the model's folder beside its keyframes (`animation.json`), so reopening the project brings it back.
The factor is what was chosen; whether the model can make it now is the upscaler's business
(session.upscaling.factor_choices): Animate shows the model's size while the chosen factor is unavailable.
"""
from __future__ import annotations

import json
from pathlib import Path

from studio.core.files import atomic_write_text
from studio.core.upscaler import FACTORS

ANIMATION_FILE = "animation.json"
FORMAT = "ganstudio-animation"
SIZES = (1, *FACTORS)                  # the model's size, then the upscaler's factors


class AnimationSettings:
    def __init__(self) -> None:
        self.upscale = 1
        self.path: Path | None = None

    def load(self, folder: Path | None) -> str:
        """The settings saved in `folder` (none or no file: the defaults). → '' or the problem with the file."""
        self.upscale, self.path = 1, (Path(folder) / ANIMATION_FILE if folder else None)
        if self.path is None or not self.path.is_file():
            return ""
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ValueError("it is not a GAN Studio animation settings file")
            upscale = doc.get("upscale", 1)
            if upscale not in SIZES:
                raise ValueError(f"its frame size ×{upscale} is not one of ×{', ×'.join(map(str, SIZES))}")
            self.upscale = int(upscale)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            return f"Animate's saved settings in {self.path} could not be read ({e}); using the model's size."
        return ""

    def set_upscale(self, factor: int) -> str:
        """Choose the frame size (1: the model's, 2 or 4: through the upscaler) and save it."""
        if factor not in SIZES:
            raise ValueError(f"the frame size is one of ×{', ×'.join(map(str, SIZES))}, not ×{factor}")
        if factor == self.upscale:
            return ""
        self.upscale = int(factor)
        return self._save()

    def _save(self) -> str:
        if self.path is None:
            return ""
        try:
            atomic_write_text(self.path, json.dumps({"format": FORMAT, "version": 1, "upscale": self.upscale}))
        except OSError as e:
            return f"Could not save Animate's settings in {self.path.parent}: {e.strerror or e}"
        return ""

"""Image export and PNG restore for the explorer: dialogs and workers around the ExplorerDocument's methods.

Every PNG carries the GAN Studio metadata (studio.core.pngmeta); dropping one back restores exactly its
latent, after finding and opening its model (hashing candidate files on a worker) when that model is in the
current or a recent project, beside the image, or the bundled demo model. The Export menu offers the PNG at the
model's size and ×2 / ×4: through the model's upscaler where it makes that factor, else by Lanczos, and the item
says so (with how to get an upscaler): the artist keeps the large PNG either way and is never misled about which.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QWidget

from studio.core.errors import StudioError
from studio.core.pngmeta import PngMetaError
from studio.session.errors import describe_error

from ..dialogs import export_start, folders_of, save_file
from .canvas_size import SIZES, sentence
from ..worker import Worker


class ExplorerExport(QObject):
    restored = Signal(str)                    # the PNG whose latent became the current one

    def __init__(self, parent: QWidget, doc, studio, say: Callable[[str, str], None]):
        super().__init__(parent)
        self.parent_widget, self.doc, self.studio, self.say = parent, doc, studio, say

    def default_dir(self) -> Path:
        return export_start(self.studio)

    def menu(self, parent: QWidget) -> QMenu:
        """The Export button's menu: the PNG at each size, then the contact sheets."""
        m = QMenu(parent)
        m.setToolTipsVisible(True)
        self.png_actions = {f: m.addAction(f"×{f}", lambda f=f: self.export_dialog(f)) for f in SIZES}
        m.addSeparator()
        m.addAction("Contact sheet of 16 seeds…", lambda: self.sheet_dialog(16))
        m.addAction("Contact sheet of 64 seeds…", lambda: self.sheet_dialog(64))
        m.addAction("Contact sheet of the keyframes…", lambda: self.sheet_dialog(0))
        self.offer_sizes(None, {})
        return m

    def offer_sizes(self, resolution: int | None, why_not: dict[int, str]) -> None:
        """Name each PNG size after what makes it: the model, its upscaler, or Lanczos where the upscaler lacks it."""
        for f, act in self.png_actions.items():
            px = f" ({resolution * f} px)" if resolution else ""
            if f == 1:
                act.setText(f"PNG at model size{px}…")
                act.setToolTip("The model's own pixels")
            elif not why_not.get(f):
                act.setText(f"PNG ×{f} through the upscaler{px}…")
                act.setToolTip(f"Enlarged {f}× by the model's upscaler")
            else:
                act.setText(f"PNG ×{f} by Lanczos, no ×{f} upscaler{px}…")
                act.setToolTip(f"Enlarged by Lanczos (softer than an upscaler): {sentence(why_not[f])}")

    # ------------------------------------------------------------------ export
    def export_dialog(self, scale: int = 1) -> None:
        if self.doc.model is None:
            return self.say("Open a model first.", "warning")
        name = f"seed{self.doc.state.seed:06d}{'' if scale == 1 else f'@{scale}x'}.png"
        path = save_file(self.parent_widget, folders_of(self.studio), "export", "Export Image",
                         self.default_dir() / name, "PNG (*.png)")
        if path is not None:
            self.export_png(path, scale)

    def export_png(self, path: Path, scale: int = 1) -> Worker:
        """Render the current latent and write it (with metadata) on a worker."""
        doc = self.doc
        z, state = doc.current_z(), doc.state        # this latent, whatever the hand does meanwhile
        return self._run(lambda job: doc.export_png(path, scale, z=z, state=state), f"Exported {Path(path).name}")

    def sheet_dialog(self, n: int) -> None:
        if self.doc.model is None:
            return self.say("Open a model first.", "warning")
        seed = self.doc.state.seed
        name = "keyframes-sheet.png" if n == 0 else f"seeds{seed}-{seed + n - 1}.png"
        path = save_file(self.parent_widget, folders_of(self.studio), "export", "Export Contact Sheet",
                         self.default_dir() / name, "PNG (*.png)")
        if path is not None:
            self.export_sheet(path, n)

    def export_sheet(self, path: Path, n: int) -> Worker | None:
        """A contact sheet of n seeds from the current one (with ψ and directions), or of the keyframes (n=0)."""
        try:
            zs, info = self.doc.sheet_latents(n)
        except StudioError as e:
            self.say(str(e), "warning")
            return None
        return self._run(lambda job: self.doc.export_sheet(path, zs, info), f"Exported {Path(path).name}")

    def _run(self, work, done_text: str) -> Worker:
        w = Worker(work, name="export", parent=self)
        w.returned.connect(lambda p: self.say(f"{done_text} ({Path(p).parent})", "info"))
        w.errored.connect(lambda e: self.say(f"Export failed, nothing was written: {describe_error(e)}", "error"))
        return w.start()

    # ------------------------------------------------------------------ restore from a PNG
    def restore_from_png(self, path: Path):
        """The PNG's latent becomes the current one: at once when the open model made it (→ True), after a
        search for its model on a worker otherwise (→ the Worker; `restored` says when), False when it cannot."""
        path, doc = Path(path), self.doc
        try:
            meta = doc.read_png(path)
        except PngMetaError as e:
            self.say(f"Cannot restore from {path.name}: {e}", "warning")
            return False
        if not doc.needs_other_model(meta):
            return self._restore(meta, path)
        if not meta.identity:
            return self._not_found(meta, path)
        recent = [Path(p) for p in self.studio.recent.paths()] if self.studio is not None else []
        folders, prefs = doc.model_search_folders(path.parent, recent), getattr(self.studio, "prefs", None)

        def search(job):
            found = doc.find_model(meta.identity, folders, job)
            return doc.load(found, prefs) if found is not None else None
        self.say(f"Looking for the model that made {path.name}…", "info")
        w = Worker(search, name="find-model", parent=self)
        w.returned.connect(lambda model: self._found(model, meta, path))
        w.errored.connect(lambda e: self.say(f"Cannot restore from {path.name}: {describe_error(e)}", "error"))
        return w.start()

    def _found(self, model, meta, path: Path) -> None:
        if model is None:
            self._not_found(meta, path)
            return
        self.doc.set_model(model)
        self._restore(meta, path)

    def _not_found(self, meta, path: Path) -> bool:
        made_by = meta.model_name or "another model"
        if self.doc.model is None:
            self.say(f"{path.name} was made by {made_by}, which is not in the current or recent projects nor "
                     "beside the image: open that model first (File → Open Model…), then drop the image again.",
                     "warning")
            return False
        self.say(f"{path.name} was made by {made_by}; its latent is shown with the current model.", "warning")
        return self._restore(meta, path)

    def _restore(self, meta, path: Path) -> bool:
        try:
            self.doc.restore(meta, path.name)
        except StudioError as e:
            self.say(str(e), "error")
            return False
        self.say(f"Restored the latent of {path.name}", "info")
        self.restored.emit(str(path))
        return True

"""Image export and PNG restore for the explorer (a mixin of ExplorerWorkspace).

Every PNG carries the GAN Studio metadata (studio.core.pngmeta); dropping one back restores
exactly its latent, opening its model first when that model is in a known project.
"""
from __future__ import annotations

from pathlib import Path

import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from ...core.checkpoint import file_identity, list_checkpoints
from ...core.explore import batch_latents, contact_sheet, state_from_meta, state_to_meta
from ...core.pngmeta import PngMetaError, read_png_meta, save_png


class ExportMixin:
    # ------------------------------------------------------------------ export
    def _default_dir(self) -> Path:
        return (self.project / "exports") if self.project else Path.home()

    def export_dialog(self, scale: int = 1) -> None:
        if self.model is None:
            return self.say("Open a model first.", "warning")
        name = f"seed{self.state.seed:06d}{'' if scale == 1 else f'@{scale}x'}.png"
        path, _ = QFileDialog.getSaveFileName(self, "Export Image", str(self._default_dir() / name), "PNG (*.png)")
        if path:
            self.export_png(Path(path), scale)

    def export_png(self, path: Path, scale: int = 1):
        """Render the current latent and write it (with metadata) on a worker thread → the Task."""
        model, z, st = self.model, self.current_z(), self.state
        names = self.directions.names if self.directions else None
        path = path if path.suffix.lower() == ".png" else path.with_suffix(".png")

        def work():
            img = model.render(z[None])[0]
            return save_png(path, img, state_to_meta(st, model, z, names), scale)
        return self._export_task(work, f"Exported {path.name}")

    def sheet_dialog(self, n: int) -> None:
        if self.model is None:
            return self.say("Open a model first.", "warning")
        name = "keyframes-sheet.png" if n == 0 else f"seeds{self.state.seed}-{self.state.seed + n - 1}.png"
        path, _ = QFileDialog.getSaveFileName(self, "Export Contact Sheet", str(self._default_dir() / name),
                                              "PNG (*.png)")
        if path:
            self.export_sheet(Path(path), n)

    def export_sheet(self, path: Path, n: int):
        """A contact sheet of n seeds from the current one (with ψ and directions), or of the keyframes (n=0)."""
        model, st = self.model, self.state
        dirs = self.directions.vectors if self.directions else None
        if n == 0:
            kfs = self.keyframes.keyframes()
            if not kfs:
                return self.say("There are no keyframes to put on a sheet yet (press K to add one).", "warning")
            zs = torch.stack([k.z for k in kfs])
            info = {"sheet": "keyframes", "labels": [k.label for k in kfs]}
        else:
            seeds = [st.seed + i for i in range(n)]
            zs = batch_latents([st.replace(seed=s, base=None) for s in seeds], model.z_dim, dirs)
            info = {"sheet": "seeds", "seeds": seeds}
        meta = {"model": {"identity": model.identity, "name": model.path.name, "z_dim": model.z_dim},
                "psi": float(st.psi), **info}
        return self._export_task(lambda: save_png(path, contact_sheet(model, zs), meta), f"Exported {path.name}")

    def _export_task(self, work, done_text: str):
        from .render_worker import Task
        task = Task(work, self.worker.lock if self.worker else None, self)
        task.done.connect(lambda p: self.say(f"{done_text} ({Path(p).parent})"))
        task.failed.connect(lambda msg: self.say(f"Export failed, nothing was written: {msg}", "error"))
        self._start(task)
        return task

    # ------------------------------------------------------------------ restore from a PNG
    def _find_model(self, identity: str, near: Path | None = None) -> Path | None:
        """The model file whose identity an exported PNG recorded: looked for in the current project, the open
        model's folder, the PNG's folder, the bundled demo model and the recent projects (small files first)."""
        from ...core.demo_data import demo_model_path
        recent = getattr(self.window(), "recent_projects", None)
        folders = [self.project, getattr(self.model, "path", None) and self.model.path.parent, near]
        folders += [Path(r) for r in (recent() if callable(recent) else [])]
        seen, cands = set(), [demo_model_path()]
        for folder in (Path(f) for f in folders if f):
            cands += [folder / "best.safetensors"] + [p for _, p in list_checkpoints(folder / "checkpoints")] \
                + [p for _, p in list_checkpoints(folder)]
        cands.sort(key=lambda p: p.name != "best.safetensors" and p != demo_model_path())   # stable: order kept
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            for p in cands:
                if p in seen:
                    continue
                seen.add(p)
                try:
                    if p.is_file() and file_identity(p) == identity:
                        return p
                except OSError:
                    continue
        finally:
            QApplication.restoreOverrideCursor()
        return None

    def restore_from_png(self, path: Path) -> bool:
        try:
            meta = read_png_meta(path)
        except PngMetaError as e:
            self.say(f"Cannot restore from {Path(path).name}: {e}", "warning")
            return False
        if self.model is None or (meta.identity and meta.identity != self.model.identity):
            found = self._find_model(meta.identity, Path(path).parent) if meta.identity else None
            if found is not None:
                self.open_model(found)
            elif self.model is None:
                self.say(f"{Path(path).name} was made by {meta.model_name or 'another model'}, which is not in the "
                         "current or recent projects nor beside the image: open that model first (File → Open "
                         "Model…), then drop the image again.", "warning")
                return False
            else:
                self.say(f"{Path(path).name} was made by {meta.model_name or 'another model'}; its latent is "
                         "shown with the current model.", "warning")
        if meta.z_dim != self.model.z_dim:
            self.say(f"{Path(path).name} has a {meta.z_dim}-value latent but this model takes {self.model.z_dim}.",
                     "error")
            return False
        dirs = self.directions.vectors if self.directions else None
        self.edit(state_from_meta(meta, self.model.z_dim, dirs), f"Restore {Path(path).name}")
        self.say(f"Restored the latent of {Path(path).name}")
        return True


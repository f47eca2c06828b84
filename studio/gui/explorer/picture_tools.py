"""Explore's tools for the artist's own pictures: find one in the model, restore a damaged one.

Find: a dropped picture (or File ▸ Find Image in Model…) is fitted to the model and searched on a worker; the
canvas shows the best match so far, the FindBar the picture beside it with progress and Cancel. The found latent
becomes the current one as one undoable step, and B (A/B) compares the model's picture with the artist's.

Restore: File ▸ Restore a Picture… shows the picture at its own size on the canvas with a brush (RestoreBar: size,
erase, undo stroke, clear); Restore fills the painted part on a worker with live previews (the search runs at the
model's size, the fill is enlarged by the model's upscaler), A/B shows the damaged picture, Export writes the
full-size result. The canvas shows latents again when the tool is done.
All the work is in studio.session.image_search; this object only shows and forwards.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.core.errors import StudioError
from studio.session import image_search as search
from studio.session.errors import describe_error

from ..dialogs import export_start, folders_of, open_file, save_file
from ..widgets.image_view import array_to_qimage
from ..worker import Slot, Worker
from .mask_brush import MaskBrush
from .picture_panels import FindBar, RestoreBar

YOURS = "Your picture"                 # the B view's chip over the artist's own picture
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)"


class PictureTools(QObject):
    found = Signal(object)           # the InvertResult whose latent became the current one
    restored = Signal(object)        # the RestoreResult shown on the canvas
    finished = Signal()              # the canvas is the latents' again

    def __init__(self, workspace, doc, canvas, studio, say):
        super().__init__(workspace)
        self.ws, self.doc, self.canvas, self.studio, self.say = workspace, doc, canvas, studio, say
        self.find_bar, self.restore_bar = FindBar(), RestoreBar()
        self._work = Slot()                  # the search or restore running: the newest wins
        self._said: set[str] = set()         # notes on how searches start: each said once
        self.picture: search.Picture | None = None
        self.brush: MaskBrush | None = None
        self.result = None
        self.found_result, self.found_z = None, None    # the last search's result and the latent it made current
        self.mode: str | None = None         # None | "find" | "restore": who owns the canvas
        fb, rb = self.find_bar, self.restore_bar
        fb.cancel_requested.connect(self.cancel)
        fb.close_requested.connect(self.close_find)
        fb.closer_requested.connect(lambda: self.picture is not None and self.find_picture(self.picture, full=True))
        self.quick = False                   # the last search started from the encoder's guess (Closer is offered)
        rb.restore_requested.connect(self.run_restore)
        rb.cancel_requested.connect(self.cancel)
        rb.export_requested.connect(self.export_dialog)
        rb.done_requested.connect(self.end_restore)
        rb.brush_changed.connect(self._set_brush_size)
        rb.erase_changed.connect(self._set_erase)
        rb.clear_requested.connect(self._clear_mask)
        rb.undo_requested.connect(self._undo_stroke)
        canvas.stroke_finished.connect(self._stroke_done)

    @property
    def owns_canvas(self) -> bool:
        """While searching or restoring, the canvas shows this tool's pictures, not the latent's frames."""
        return self.mode == "restore" or (self.mode == "find" and self.busy)

    @property
    def worker(self) -> Worker | None:
        return self._work.worker

    @property
    def busy(self) -> bool:
        return self._work.busy


    def _picture(self, path) -> search.Picture | None:
        try:
            return search.fit_picture(self.doc, path)
        except StudioError as e:
            self.say(str(e), "warning")
            return None

    # ------------------------------------------------------------------ find
    def find_dialog(self) -> None:
        path = open_file(self.ws, folders_of(self.studio), "picture", "Find Image in Model", IMAGE_FILTER)
        if path is not None:
            self.find(path)

    def find(self, path) -> Worker | None:
        """Search `path` in the open model on a worker (the newest request replaces a running one)."""
        pic = self._picture(path)
        return None if pic is None else self.find_picture(pic)

    def find_picture(self, pic, full: bool = False) -> Worker:
        """From the model's encoder's guess when it has one, else (or `full`: Search closer) the full search."""
        self.end_restore()
        self.cancel()
        self.picture, self.mode, self.found_z, self.quick = pic, "find", None, False
        self.find_bar.begin(pic.name, pic.image)
        self.canvas.set_before(array_to_qimage(pic.image), YOURS)
        w = Worker(lambda job: search.find_steps(self.doc, pic, full=full), name="find-image", parent=self)
        w.yielded.connect(self._find_step)
        w.returned.connect(lambda res: self._found(pic, res))
        w.errored.connect(lambda e: self._failed(f"Could not search {pic.name}: {describe_error(e)}"))
        w.cancelled.connect(lambda: self._find_cancelled(pic))
        self.say(f"Finding {pic.name} in the model…", "info")
        return self._work.start(w)

    def _note(self, step) -> None:
        """How the search started (the encoder's guess, or why the full search): said once."""
        if step.note and step.note not in self._said:
            self._said.add(step.note)
            self.say(step.note, "info")

    def _find_step(self, step) -> None:
        self._note(step)
        if step.note:
            self.quick = step.note.startswith(search.ENCODER_START)
            self.find_bar.detail.setText(f"{step.note} The canvas shows the best match so far.")
        self.find_bar.preview(step.fraction, step.preview)
        if step.preview is not None:
            self.canvas.set_image(array_to_qimage(step.preview))

    def _found(self, pic, res) -> None:
        self._work.release()
        try:
            search.apply_found(self.doc, pic, res)
        except StudioError as e:
            self._failed(str(e))
            return
        self.canvas.set_before(array_to_qimage(pic.image), YOURS)  # A/B: the artist's picture
        self.find_bar.found.set_array(res.image)
        self.found_result, self.found_z = res, self.doc.state.base
        verdict = self._say_found(pic)
        if verdict.level == "poor":
            self.say(f"{verdict.title}: the model cannot make it (Undo returns).", "warning")
        else:
            self.say(f"{verdict.title}: it is now the current latent (Undo returns).", "info")
        self.found.emit(res)

    def _say_found(self, pic) -> search.MatchVerdict:
        res = self.found_result
        verdict = search.judge_match(pic.name, res.distance, res.pixel_error, self.quick)
        self.find_bar.done(verdict.title, f"{verdict.sentence} Press B to compare with your picture; sliders, "
                           "mixing, keyframes (K) and Animate work from here; Undo (Ctrl+Z) returns to where you were.",
                           warn=verdict.level == "poor", closer=self.quick and verdict.level != "close")
        return verdict

    def latent_changed(self, state) -> None:
        """Undo, Redo or a new seed: the bar says whether the found latent is still the current one."""
        if self.mode != "find" or self.busy or self.found_z is None or self.picture is None:
            return
        if state.base is self.found_z:
            self._say_found(self.picture)
        else:
            self.find_bar.done(f"Left {self.picture.name}'s latent",
                               "The canvas shows another latent now; Undo and Redo (Ctrl+Z, Ctrl+Shift+Z) step back "
                               "to the found one. Close hides this bar.")

    def _find_cancelled(self, pic) -> None:
        self._work.release()
        self.find_bar.done(f"Search for {pic.name} cancelled", "Nothing changed.")
        self.say(f"Search for {pic.name} cancelled; nothing changed.", "info")
        self.finished.emit()

    def _failed(self, text: str) -> None:
        self._work.release()
        bar = self.find_bar if self.mode == "find" else self.restore_bar
        if self.mode == "find":
            self.find_bar.done("The search stopped", text)
        else:
            self.restore_bar.set_working(False, restored=self.result is not None)
            self.restore_bar.say("Restore stopped", text)
        bar.set_progress(None)
        self.say(text, "error")
        if self.mode == "find":
            self.finished.emit()

    def close_find(self) -> None:
        self.cancel()
        self.find_bar.hide()
        if self.mode == "find":
            self.mode = None

    def cancel(self) -> None:
        """Cancel the search or restore; its `cancelled` still arrives (the bars say so)."""
        self._work.cancel(quiet=False)

    # ------------------------------------------------------------------ restore
    def restore_dialog(self) -> None:
        path = open_file(self.ws, folders_of(self.studio), "picture", "Restore a Picture", IMAGE_FILTER)
        if path is not None:
            self.start_restore(path)

    def start_restore(self, path) -> bool:
        pic = self._picture(path)
        if pic is None:
            return False
        self.close_find()
        self.picture, self.mode, self.result = pic, "restore", None
        h, w = pic.full.shape[:2]
        self.brush = MaskBrush(w, h)
        image = array_to_qimage(pic.full)
        self.canvas.set_image(image)
        self.canvas.set_before(image, YOURS)
        self.canvas.set_brush(self.brush)
        self.canvas.fit()
        self.restore_bar.begin(pic.name, w, self.brush.size)
        if pic.fit == "crop" and w != h:                          # the model sees only the centre square
            self.restore_bar.say(f"Restore {pic.name}", "Paint over the damaged or missing part inside the centre "
                                 f"{min(w, h)} px square (this model's pictures are cropped square), then Restore.")
        self.canvas.setFocus()
        return True

    def _set_brush_size(self, size: float) -> None:
        if self.brush is not None:
            self.brush.size = size
            self.canvas.update()

    def _set_erase(self, on: bool) -> None:
        if self.brush is not None:
            self.brush.erase = on

    def _clear_mask(self) -> None:
        if self.brush is not None:
            self.brush.clear()
            self.canvas.update()

    def _undo_stroke(self) -> None:
        if self.brush is not None and self.brush.undo():
            self.canvas.update()

    def _stroke_done(self) -> None:
        if self.brush is not None and self.result is not None:      # painting again after a restore: start over
            self.result = None
            self.canvas.set_image(array_to_qimage(self.picture.full))
            self.restore_bar.set_working(False, restored=False)

    def run_restore(self) -> Worker | None:
        if self.mode != "restore" or self.brush is None or self.busy:
            return None
        mask = self.brush.to_array()
        if not mask.any():
            self.restore_bar.say(f"Restore {self.picture.name}", "Paint over the damaged or missing part first.")
            self.say("Paint over the damaged or missing part first (left button on the canvas).", "warning")
            return None
        if mask.all():
            self.say("The mask covers the whole picture: leave the undamaged part unpainted so it can guide "
                     "the model.", "warning")
            return None
        pic = self.picture
        self.canvas.set_image(array_to_qimage(pic.full))
        self.canvas.set_brush(None)                               # the result is not painted on
        self.restore_bar.set_working(True)
        self.restore_bar.say(f"Restoring {pic.name}…", "The model repaints the masked part from the rest.")
        self.restore_bar.set_progress(0.0)
        w = Worker(lambda job: search.restore_steps(self.doc, pic, mask), name="restore", parent=self)
        w.yielded.connect(self._restore_step)
        w.returned.connect(self._restored)
        w.errored.connect(lambda e: self._failed(f"Could not restore {pic.name}: {describe_error(e)}"))
        w.cancelled.connect(self._restore_cancelled)
        return self._work.start(w)

    def _restore_step(self, step) -> None:
        self._note(step)
        self.restore_bar.set_progress(step.fraction)
        if step.preview is not None:
            self.canvas.set_image(array_to_qimage(step.preview))

    def _restored(self, res) -> None:
        self._work.release()
        self.result = res
        self.canvas.set_image(array_to_qimage(res.image))
        self.canvas.set_before(array_to_qimage(self.picture.full), YOURS)
        self.restore_bar.set_working(False, restored=True)
        self.restore_bar.set_progress(None)
        h, w = res.image.shape[:2]
        self.restore_bar.say(f"Restored {self.picture.name} at {w}×{h}",
                             "B compares with the damaged picture; Export… saves it at its own size; paint again "
                             "to redo.")
        self.say(f"Restored {self.picture.name} at its own size ({w}×{h}).", "info")
        self.restored.emit(res)

    def _restore_cancelled(self) -> None:
        self._work.release()
        self.canvas.set_image(array_to_qimage(self.picture.full))
        self.canvas.set_brush(self.brush)
        self.restore_bar.set_working(False, restored=False)
        self.restore_bar.set_progress(None)
        self.restore_bar.say(f"Restore {self.picture.name}", "Cancelled: the mask is still there.")

    def export_dialog(self) -> None:
        if self.result is None:
            return
        name = f"{Path(self.picture.name).stem}-restored.png"
        path = save_file(self.ws, folders_of(self.studio), "export", "Export Restored Picture",
                         export_start(self.studio) / name, "PNG (*.png)")
        if path is not None:
            self.export(path)

    def export(self, path: Path) -> Path | None:
        try:
            written = search.save_restored(path, self.result.image)
        except OSError as e:
            self.say(f"Export failed, nothing was written: {describe_error(e)}", "error")
            return None
        self.say(f"Exported {written.name} ({written.parent})", "info")
        return written

    def end_restore(self) -> None:
        if self.mode != "restore":
            return
        self.cancel()
        self.canvas.set_brush(None)
        self.canvas.set_before(None)
        self.restore_bar.hide()
        self.mode, self.brush, self.result = None, None, None
        self.finished.emit()

    def shutdown(self) -> None:
        self.cancel()

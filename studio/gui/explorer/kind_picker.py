"""Explore's Kind picker, for a model with kinds (core/kinds.py): which kind the canvas shows — "Any kind" (each
latent its own, as a model without kinds) or one of the model's kinds, each with a typical picture of it from the
run's folder where the run keeps one — and a mix: a second kind and how much of it (0: the first kind exactly,
1: the second exactly, between: an in-between kind).

    picker = KindPicker(doc, say)        # mirrors doc.state.kind_mix; the hand's choice becomes doc.set_kind(...)
    picker.box.setFocus()                # the workspace's C key; then ↑/↓ or ←/→ step through the kinds

It shows the document's kind and never keeps one of its own; hidden for a model without kinds.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox

from studio.session.errors import describe_error
from studio.session.events import LatentChanged, ModelChanged
from studio.session.explorer_doc import ExplorerError
from studio.session.explorer_kinds import kind_pictures

from ..widgets.image_view import array_to_qimage
from ..worker import Slot, Worker
from .controls import KeepKeys, ValueSlider

ANY = "Any kind"
TIP = "The kind of picture the canvas shows: any kind (each latent its own) or one the model learnt (C; then ↑/↓)"
THUMB = 32                        # px: the pictures beside the kinds' names


class KindBox(QComboBox):
    """A choice of kinds that ←/→ step through as well as ↑/↓ (the workspace's seed keys wait while it has
    focus)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._keys = KeepKeys(self)
        self.installEventFilter(self._keys)

    def keyPressEvent(self, event) -> None:
        step = {Qt.Key_Left: -1, Qt.Key_Right: 1}.get(event.key())
        if step and not event.modifiers() & ~Qt.KeypadModifier:
            i = self.currentIndex() + step
            if 0 <= i < self.count():
                self.setCurrentIndex(i)
                self.activated.emit(i)
            return
        super().keyPressEvent(event)


class KindPicker(QGroupBox):
    dragged = Signal()                   # the mix slider was let go (the workspace ends its merged edit)

    def __init__(self, doc, say, parent=None):
        super().__init__("Kind of picture", parent)
        self.doc, self.say = doc, say
        self.setObjectName("kindPicker")
        self._drag = 0
        self._pictures = Slot()
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.box = KindBox()
        self.box.setAccessibleName("Kind")
        self.box.setIconSize(QSize(THUMB, THUMB))
        self.box.setToolTip(TIP)
        form.addRow("Kind", self.box)
        self.partner = KindBox()
        self.partner.setAccessibleName("Mix with kind")
        self.partner.setToolTip("A second kind to mix in: the slider below says how much of it")
        form.addRow("Mix with", self.partner)
        self.amount = ValueSlider(0.0, 1.0, 100, "{:.2f}")
        self.amount.setToolTip("How much of the second kind: 0 = the first kind, 1 = the second, between = an "
                               "in-between kind")
        self.amount.slider.setAccessibleName("Amount of the second kind")
        form.addRow("Amount", self.amount)
        self.box.activated.connect(lambda _: self._chosen(False))
        self.partner.activated.connect(lambda _: self._chosen(False))
        self.amount.moved.connect(lambda _, dragging: self._chosen(dragging))
        self.amount.slider.sliderReleased.connect(self._released)
        doc.subscribe(self._on_model, ModelChanged)
        doc.subscribe(lambda ev: self.show_kind(ev.state.kind_mix), LatentChanged)
        self._on_model(ModelChanged(doc.model))

    # ------------------------------------------------------------------ the document's kind, shown
    def _on_model(self, ev) -> None:
        names = tuple(ev.model.kinds) if ev.model is not None else ()
        for box, first in ((self.box, ANY), (self.partner, "No mix")):
            box.blockSignals(True)
            box.clear()
            box.addItem(first, None)
            for n in names:
                box.addItem(n, n)
            box.blockSignals(False)
        self.setVisible(bool(names))
        self.show_kind(self.doc.state.kind_mix)
        self._pictures.cancel()
        if names:
            model = ev.model
            w = Worker(lambda job: kind_pictures(model), name="kind-pictures", parent=self)
            w.returned.connect(lambda pics, m=model: self.set_pictures(pics) if m is self.doc.model else None)
            self._pictures.start(w)

    def set_pictures(self, pictures: dict) -> None:
        """A typical picture of each kind beside its name (both lists)."""
        for box in (self.box, self.partner):
            for i in range(box.count()):
                arr = pictures.get(box.itemData(i))
                if arr is not None:
                    img = array_to_qimage(arr).scaled(THUMB, THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation)
                    box.setItemIcon(i, QIcon(QPixmap.fromImage(img)))

    def show_kind(self, kind) -> None:
        """Show the document's kind (never re-emits): the first name picked, a second one mixed in by its share."""
        names = list(kind or {})
        main = names[0] if names else None
        second = names[1] if len(names) > 1 else None
        t = kind[second] / max(kind[main] + kind[second], 1e-12) if second else 0.0
        for box, value in ((self.box, main), (self.partner, second)):
            box.blockSignals(True)
            box.setCurrentIndex(max(0, box.findData(value)) if value is not None else 0)
            box.blockSignals(False)
        self.amount.set_value(t)
        self.partner.setEnabled(main is not None)
        self.amount.setEnabled(main is not None and second is not None)
        self.box.setToolTip(f"A mix of {len(names)} kinds (from a picture or keyframe): pick one to leave it"
                            if len(names) > 2 else TIP)

    # ------------------------------------------------------------------ the hand's choice → the document
    def choice(self):
        """The kind the picker's settings describe: None, {main: 1} or {main: 1 - t, second: t}."""
        main, second, t = self.box.currentData(), self.partner.currentData(), self.amount.value()
        if main is None:
            return None
        if second is None or second == main:
            return {main: 1.0}
        return {main: round(1.0 - t, 6), second: round(t, 6)}

    def _chosen(self, dragging: bool) -> None:
        key = ("kind", self._drag) if dragging else None
        try:
            self.doc.set_kind(self.choice(), key)
        except ExplorerError as e:
            self.say(describe_error(e), "warning")
        self.show_kind(self.doc.state.kind_mix)

    def _released(self) -> None:
        self._drag += 1
        self.dragged.emit()

    def shutdown(self) -> None:
        self._pictures.cancel()

"""Guard against the PySide6 6.12.0 bug that leaked a reference to True/None on every signal emit
(the interpreter aborted after a few thousand slider moves)."""
import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(int)


def test_emitting_signals_does_not_leak_singleton_references(qapp):
    e = _Emitter()
    got = []
    e.fired.connect(lambda v: got.append(v))
    before = (sys.getrefcount(True), sys.getrefcount(None))
    for i in range(2000):
        e.fired.emit(i)
    after = (sys.getrefcount(True), sys.getrefcount(None))
    assert len(got) == 2000
    assert abs(after[0] - before[0]) < 50 and abs(after[1] - before[1]) < 50, (before, after)

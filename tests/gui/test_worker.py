"""gui/worker.py: the newest worker of a Slot is the only one heard, Latest keeps the newest item, a Mailbox
carries a thread's burst to the UI thread in order and in few drains, and wait_all waits for cancelled work."""
import threading
import time

from PySide6.QtCore import QObject

from studio.core.errors import Cancelled
from studio.gui.worker import Latest, Mailbox, Slot, Worker, wait_all
from studio.session.jobs import Job


def test_a_slot_hears_only_its_newest_worker(qtbot):
    owner, slot, heard, gate = QObject(), Slot(), [], threading.Event()
    first = Worker(lambda job: gate.wait(5) and "first", parent=owner)
    first.returned.connect(heard.append)
    slot.start(first)
    second = Worker(lambda job: "second", parent=owner)
    second.returned.connect(heard.append)
    with qtbot.waitSignal(first.finished, timeout=5000):      # `finished` comes even from a superseded worker
        slot.start(second)
        assert first.job.cancelled and slot.worker is second
        gate.set()
    qtbot.waitUntil(lambda: heard == ["second"], timeout=5000)
    qtbot.wait(50)
    assert heard == ["second"] and wait_all(5000, owner=owner)


def test_a_loud_cancel_is_still_heard_and_a_quiet_one_is_not(qtbot):
    def work(job):
        while True:
            job.check()
            time.sleep(0.005)
    slot, heard = Slot(), []
    w = Worker(work)
    w.cancelled.connect(lambda: heard.append("cancelled"))
    slot.start(w)
    with qtbot.waitSignal(w.finished, timeout=5000):
        slot.cancel(quiet=False)
    assert heard == ["cancelled"] and slot.worker is w and not slot.busy
    w2 = Worker(work)
    w2.cancelled.connect(lambda: heard.append("cancelled again"))
    slot.start(w2)
    with qtbot.waitSignal(w2.finished, timeout=5000):
        slot.cancel()
    assert heard == ["cancelled"] and slot.worker is None


def test_latest_keeps_the_newest_item_and_wakes_on_cancel():
    box, job = Latest(), Job()
    assert not box.put(1) and box.put(2) and box.put(3)         # 1 and 2 were dropped
    assert box.take(job) == 3
    got = []

    def take():
        try:
            box.take(job)
        except Cancelled:
            got.append("cancelled")
    t = threading.Thread(target=take)
    t.start()
    time.sleep(0.05)
    job.cancel()
    t.join(5)
    assert got == ["cancelled"]


def test_a_mailbox_brings_a_burst_in_order_in_few_drains(qtbot):
    box, got, drains = Mailbox(lambda last, new: new < 0 and last < 0), [], []

    def drain():
        items = box.drain()
        drains.append(len(items))
        got.extend(items)
    box.arrived.connect(drain)

    def burst():
        for i in range(1000):
            box.put(i)
            if i % 100 == 99:
                time.sleep(0.01)                             # ~0.1 s in all: a few frames of the UI's clock
    t = threading.Thread(target=burst)
    t.start()
    qtbot.waitUntil(lambda: len(got) == 1000, timeout=10_000)
    t.join(5)
    assert got == list(range(1000))
    assert len(drains) <= 10, drains                         # 30 a second at most, not one per item
    for v in (-1, -2, 5, -3):
        box.put(v)                                           # a replacing item takes the last one's place
    qtbot.waitUntil(lambda: len(got) == 1003, timeout=5000)
    assert got[1000:] == [-2, 5, -3]


def test_a_mailbox_put_from_the_ui_thread_arrives_later(qtbot):
    box, got = Mailbox(), []
    box.arrived.connect(lambda: got.extend(box.drain()))
    box.put("a")
    assert got == []                                         # never inside put(): queued
    qtbot.waitUntil(lambda: got == ["a"], timeout=5000)

"""Training's thread chooser: one thread when other programs share the cores and it trains faster, all of them
again when the CPU is free; nothing changes when the threads get their time."""
from studio.core.threads import EVERY, WINDOW, ThreadChooser


class FakeCPU:
    """A 2-core machine: images per second and the CPU share the process gets, per thread count."""

    def __init__(self, rates: dict[int, tuple[float, float]]):
        self.rates, self.threads, self.cpu, self.t, self.nimg = rates, 2, 0.0, 0.0, 0.0

    def run(self, chooser: ThreadChooser, seconds: float, step: float = 1.0) -> list:
        changes = []
        for _ in range(int(seconds / step)):
            rate, share = self.rates[self.threads]
            self.t += step
            self.nimg += rate * step
            self.cpu += share * self.threads * step
            if (c := chooser.observe(self.t, int(self.nimg))) is not None:
                changes.append(c)
        return changes


def _chooser(cpu: FakeCPU) -> ThreadChooser:
    def set_(n):
        cpu.threads = n
    return ThreadChooser(2, lambda: cpu.threads, set_, cpu_clock=lambda: cpu.cpu)


def test_alone_it_keeps_every_thread():
    cpu = FakeCPU({2: (100.0, 0.97), 1: (68.0, 1.0)})
    chooser = _chooser(cpu)
    assert cpu.run(chooser, 20 * WINDOW) == [] and cpu.threads == 2


def test_shared_cores_move_it_to_one_thread_and_a_free_cpu_back():
    cpu = FakeCPU({2: (22.0, 0.5), 1: (63.0, 0.95)})
    chooser = _chooser(cpu)
    changes = cpu.run(chooser, 4 * WINDOW)
    assert cpu.threads == 1 and [c.threads for c in changes] == [1]
    assert "Training on 1 thread" in changes[0].note and "63 images/s against 22" in changes[0].note
    # still shared when it tries again: back to one thread, without a word
    changes = cpu.run(chooser, EVERY + 2 * WINDOW)
    assert cpu.threads == 1 and all(c.note == "" for c in changes)
    # the other program ends: the next trial keeps both threads, and says so
    cpu.rates = {2: (100.0, 0.97), 1: (68.0, 1.0)}
    changes = cpu.run(chooser, EVERY + 2 * WINDOW)
    assert cpu.threads == 2 and changes[-1].threads == 2 and "free again" in changes[-1].note


def test_a_trial_that_is_not_faster_goes_back_and_waits():
    cpu = FakeCPU({2: (60.0, 0.6), 1: (58.0, 1.0)})     # shared, but one thread is no faster
    chooser = _chooser(cpu)
    changes = cpu.run(chooser, 4 * WINDOW)
    assert cpu.threads == 2 and [(c.threads, c.note) for c in changes] == [(2, "")]
    assert cpu.run(chooser, EVERY / 2) == [] and cpu.threads == 2    # no new trial before EVERY seconds


def test_restore_and_off_switches(monkeypatch):
    cpu = FakeCPU({2: (22.0, 0.5), 1: (63.0, 0.95)})
    chooser = _chooser(cpu)
    cpu.run(chooser, 4 * WINDOW)
    assert cpu.threads == 1
    chooser.restore()
    assert cpu.threads == 2                               # the app's own count when training ends
    off = ThreadChooser.for_training("cpu", distributed=False, enabled=True)   # conftest: GANSTUDIO_FIXED_THREADS
    assert not off.enabled
    monkeypatch.delenv("GANSTUDIO_FIXED_THREADS")
    assert not ThreadChooser.for_training("cuda", distributed=False, enabled=True).enabled
    assert not ThreadChooser.for_training("cpu", distributed=True, enabled=True).enabled


def test_a_run_that_moves_to_one_thread_says_so_and_the_session_shows_it(tmp_path, make_image_folder, tiny_config,
                                                                          monkeypatch):
    """Through the real trainer and session: the sentence reaches subscribers, what the run trains on (the Train
    view's header) names the new count, and the app's own count is back when training ends."""
    import torch

    from studio.core import threads
    from studio.core.events import ThreadsChanged
    from studio.session.project import Project
    from studio.session.training import TrainingSession

    monkeypatch.delenv("GANSTUDIO_FIXED_THREADS")
    calls = []

    def observe(self, elapsed, nimg):
        calls.append(nimg)
        if len(calls) == 1:                       # as if the cores were shared and one thread measured faster
            torch.set_num_threads(1)
            return threads.Change(1, "Training on 1 thread: it is faster here now.")
        return None

    monkeypatch.setattr(threads.ThreadChooser, "observe", observe)
    set_calls = []
    monkeypatch.setattr(torch, "set_num_threads", set_calls.append)
    cfg = tiny_config(make_image_folder(16))
    session = TrainingSession(Project.create(tmp_path / "run", cfg), quality=False)
    seen, devices = [], []
    session.subscribe(lambda ev: (seen.append(ev), devices.append(session.started.device)), ThreadsChanged)
    # a 2-thread CPU whatever runs this; the count is what was last set (no real change: CI's own threads stay)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1 if set_calls and set_calls[-1] == 1 else 2)
    assert session.run(cfg) == "done"
    assert len(seen) == 1 and "Training on 1 thread" in seen[0].message
    assert "CPU (1 thread)" in devices[0]
    assert set_calls[0] == 1 and set_calls[-1] == 2        # restored to the run's count at the end

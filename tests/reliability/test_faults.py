"""Faults: kill -9, NaN, full or read-only disks, GPU out of memory, two windows on one project."""
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

from studio.core import checkpoint as ckpt
from studio.core.events import Failed, Notice, Samples
from studio.core.run import ProjectLocked, RunFolder
from studio.core.trainer import Trainer

TRAIN = """
import sys, torch
torch.set_num_threads(1)
from studio.core.config import TrainConfig
from studio.core.trainer import Trainer
from studio.core.run import RunFolder
run = sys.argv[1]
if RunFolder(run).exists():
    t = Trainer.open(run, device="cpu")
else:
    cfg = TrainConfig(data_dir=sys.argv[2], resolution=32, width=8, z_dim=16, batch=8, kimg=1000, log_every=2,
                      sample_every_kimg=0.016, checkpoint_every_kimg=0.016, checkpoint_min_sec=0, augment=False,
                      sample_grid=(2, 2))
    t = Trainer.create(run, cfg, device="cpu")
print("ready", t.step, flush=True)
t.run()
"""


@pytest.mark.slow
def test_kill_9_at_random_moments_never_loses_the_run(tmp_path, make_image_folder):
    data = make_image_folder(16)
    run = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    rng = random.Random(7)
    last = -1
    for attempt in range(6):
        p = subprocess.Popen([sys.executable, "-c", TRAIN, str(run), str(data)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        assert line.startswith("ready"), p.stderr.read()
        start = int(line.split()[1])
        assert start >= last, "resume went backwards"
        time.sleep(rng.uniform(0.2, 1.5))                  # checkpoints are written every 2 steps
        p.send_signal(signal.SIGKILL)
        p.wait()
        steps = ckpt.list_checkpoints(run / "checkpoints")
        assert steps, "no checkpoint survived"
        model = ckpt.load_generator(steps[0][1])           # the newest one on disk always loads
        assert model.render(torch.randn(1, model.z_dim)).shape == (1, 32, 32, 3)
        last = steps[0][0]
    t = Trainer.open(run, device="cpu")
    assert t.step == last
    assert not list((run / "checkpoints").glob(".*.part"))  # leftovers of cut writes are swept
    for rec in RunFolder(run).read_metrics():
        assert rec["step"] <= t.step


def test_nan_rolls_back_with_lower_lr_then_gives_up(tmp_path, make_image_folder, tiny_config, monkeypatch):
    events = []
    t = Trainer.create(tmp_path / "run", tiny_config(make_image_folder(16), kimg=0.5, max_nan_retries=2),
                       on_event=events.append, device="cpu")
    real_step = t.train_step

    def poisoned():
        out = real_step()
        return out * float("nan") if t.step > 12 else out
    monkeypatch.setattr(t, "train_step", poisoned)
    assert t.run() == "failed"
    notes = [e.message for e in events if isinstance(e, Notice)]
    assert sum("rolled back" in n for n in notes) == 2
    assert "halved the learning rates" in notes[0]
    fail = [e for e in events if isinstance(e, Failed)][0]
    assert "diverged" in fail.reason and "learning rate" in fail.reason
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(2e-4 / 4)


def test_disk_full_during_checkpoint_keeps_training(tmp_path, make_image_folder, tiny_config, monkeypatch):
    events = []
    t = Trainer.create(tmp_path / "run", tiny_config(make_image_folder(16)), on_event=events.append, device="cpu")
    real = ckpt.save_file
    calls = {"n": 0}

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real(*a, **k)
    monkeypatch.setattr(ckpt, "save_file", flaky)
    assert t.run() == "done"
    errors = [e.message for e in events if isinstance(e, Notice) and e.level == "error"]
    assert errors and "No space left" in errors[0] and "try again" in errors[0]
    assert ckpt.list_checkpoints(t.run_folder.checkpoints_dir)[0][0] == t.step
    assert not list(t.run_folder.path.rglob("*.part"))


def test_read_only_samples_folder(tmp_path, make_image_folder, tiny_config, monkeypatch):
    events = []
    t = Trainer.create(tmp_path / "run", tiny_config(make_image_folder(16)), on_event=events.append, device="cpu")
    import studio.core.train_report as tr                 # the sample grid's writer

    def read_only(*a, **k):
        raise OSError(30, "Read-only file system")
    monkeypatch.setattr(tr, "atomic_path", read_only)
    assert t.run() == "done"
    warn = [e.message for e in events if isinstance(e, Notice)]
    assert any("Read-only" in w and "sample grid" in w for w in warn)
    assert [e for e in events if isinstance(e, Samples)]              # the UI still gets the live grid


def test_out_of_memory_halves_the_batch(tmp_path, make_image_folder, tiny_config, monkeypatch):
    events = []
    t = Trainer.create(tmp_path / "run", tiny_config(make_image_folder(16), batch=16), on_event=events.append,
                       device="cpu")
    real_step, hits = t.train_step, {"n": 0}

    def oom_once():
        if hits["n"] < 1:
            hits["n"] += 1
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_step()
    monkeypatch.setattr(t, "train_step", oom_once)
    assert t.run() == "done" and t.batch == 8
    assert any("batch size halved to 8" in e.message for e in events if isinstance(e, Notice))

    t2 = Trainer.create(tmp_path / "run2", tiny_config(make_image_folder(4, name="b"), batch=1),
                        on_event=events.append, device="cpu")

    def always_oom():
        raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
    monkeypatch.setattr(t2, "train_step", always_oom)
    assert t2.run() == "failed"
    assert "even at batch size 1" in [e for e in events if isinstance(e, Failed)][-1].reason


def test_second_opener_is_told_the_project_is_in_use(tmp_path):
    run = RunFolder(tmp_path / "proj")
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom studio.core.run import RunFolder\n"
                               "RunFolder(sys.argv[1]).acquire_lock(); print('locked', flush=True); time.sleep(60)",
                               str(run.path)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ProjectLocked, match="open in another GAN Studio"):
            run.acquire_lock()
    finally:
        holder.kill()
        holder.wait()
    run.acquire_lock()                                     # the holder died: its stale lock is recovered
    assert json.loads(run.lock_file.read_text())["pid"] == os.getpid()
    run.release_lock()
    assert not run.lock_file.exists()

"""The Trainer: events, control from another thread, safe checkpoints and exact resume."""
import threading
import time

import pytest
import torch

from studio.core import checkpoint as ckpt
from studio.core.events import CheckpointSaved, Finished, Samples, StepMetrics
from studio.core.run import RunFolder
from studio.core.trainer import Trainer


def _weights(t: Trainer) -> dict:
    out = {}
    for name, m in (("G", t.G), ("G_ema", t.G_ema), ("D", t.D)):
        out.update({f"{name}.{k}": v.detach().clone() for k, v in m.state_dict().items()})
    return out


@pytest.mark.parametrize("arch,extra", [("dcgan", {"augment": True, "mirror": True, "r1_gamma": 1.0, "r1_every": 4}),
                                        ("fastgan", {"augment": True, "resolution": 64, "z_dim": 16, "batch": 8})])
def test_stop_and_resume_equals_one_go(tmp_path, make_image_folder, tiny_config, arch, extra):
    data = make_image_folder(20)
    cfg = tiny_config(data, arch=arch, kimg=0.16 if arch == "dcgan" else 0.048, checkpoint_every_kimg=10, **extra)
    half = cfg.kimg / 2
    one = Trainer.create(tmp_path / "one", cfg, device="cpu")
    one.run()
    two = Trainer.create(tmp_path / "two", cfg, device="cpu")
    two.run(kimg=half)                                      # first half, then a checkpoint on exit
    del two
    resumed = Trainer.open(tmp_path / "two", device="cpu")
    assert resumed.nimg == round(half * 1000)
    resumed.run()                                           # continues to the configured 0.16 kimg
    assert resumed.step == one.step
    a, b = _weights(one), _weights(resumed)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs after stop/resume"
    hist = RunFolder(tmp_path / "two").read_metrics()
    steps = [r["step"] for r in hist]
    assert steps == sorted(steps) and len(steps) == len(set(steps))


def test_events_and_files(tmp_path, make_image_folder, tiny_config):
    events = []
    t = Trainer.create(tmp_path / "run", tiny_config(make_image_folder(16), keep_checkpoints=2),
                       on_event=events.append, device="cpu")
    assert t.run() == "done"
    kinds = [type(e) for e in events]
    assert kinds[-1] is Finished and StepMetrics in kinds and Samples in kinds and CheckpointSaved in kinds
    step = next(e for e in events if isinstance(e, StepMetrics))
    assert step.images_per_sec > 0 and 0 < step.progress <= 1 and step.eta_sec is not None
    grid = next(e for e in events if isinstance(e, Samples)).grid
    assert grid.dtype.name == "uint8" and grid.ndim == 3 and grid.shape[2] == 3
    run = RunFolder(tmp_path / "run")
    assert len(ckpt.list_checkpoints(run.checkpoints_dir)) == 2          # the last N kept
    assert len(run.sample_files()) >= 2 and len(run.read_metrics()) >= 3
    assert not [p for p in run.path.rglob("*.part")]
    model = ckpt.load_generator(run.path)
    imgs = model.render(torch.randn(3, model.z_dim))
    assert imgs.shape == (3, 32, 32, 3)


def test_pause_resume_stop_from_another_thread(tmp_path, make_image_folder, tiny_config):
    events = []
    t = Trainer.create(tmp_path / "run", tiny_config(make_image_folder(16), kimg=0, minutes=0),
                       on_event=events.append, device="cpu")
    th = threading.Thread(target=t.run)
    th.start()
    time.sleep(0.5)
    t.pause()
    time.sleep(0.3)
    frozen = t.step
    time.sleep(0.4)
    assert t.step == frozen, "training advanced while paused"
    t.resume()
    time.sleep(0.4)
    assert t.step > frozen
    t0 = time.perf_counter()
    t.stop()
    th.join(5)
    assert not th.is_alive() and time.perf_counter() - t0 < 2.0
    assert isinstance(events[-1], Finished) and events[-1].reason == "stopped"
    last_step, _ = ckpt.list_checkpoints(t.run_folder.checkpoints_dir)[0]
    assert last_step == t.step                                   # stop saved a checkpoint first


def test_damaged_newest_checkpoint_falls_back(tmp_path, make_image_folder, tiny_config):
    t = Trainer.create(tmp_path / "run", tiny_config(make_image_folder(16)), device="cpu")
    t.run()
    (newest_step, newest), (older_step, _) = ckpt.list_checkpoints(t.run_folder.checkpoints_dir)[:2]
    newest.write_bytes(newest.read_bytes()[:1000])               # torn write
    notes = []
    again = Trainer.open(tmp_path / "run", on_event=notes.append, device="cpu")
    assert again.step == older_step
    assert any("could not be used" in n.message for n in notes)


def test_precision_setting(tmp_path, make_image_folder, tiny_config):
    from studio.core.device import native_bf16
    auto = "bf16" if native_bf16(torch.device("cpu")) else "fp32"
    data = make_image_folder(16)
    runs = {}
    for name in ("auto", "fp32", "bf16"):
        t = Trainer.create(tmp_path / name, tiny_config(data, precision=name, kimg=0.08), device="cpu")
        assert t.amp == (t.precision == "bf16")
        assert t.precision == {"auto": auto, "fp32": "fp32", "bf16": "bf16"}[name]
        t.run()
        runs[name] = _weights(t)
    a, f, b = runs["auto"], runs["fp32"], runs["bf16"]
    same = f if auto == "fp32" else b                       # auto = bf16 only where this CPU has it natively
    assert all(torch.equal(a[k], same[k]) for k in a)
    differ = [k for k in f if f[k].is_floating_point() and not torch.equal(f[k], b[k])]
    assert differ and all(torch.isfinite(b[k]).all() for k in b)
    half = Trainer.create(tmp_path / "half", tiny_config(data, precision="bf16", kimg=0.08), device="cpu")
    half.run(kimg=0.04)
    resumed = Trainer.open(tmp_path / "half", device="cpu")
    resumed.run()
    assert all(torch.equal(b[k], _weights(resumed)[k]) for k in b)     # bf16 resume is exact too
    # `resume --precision fp32` changes the run from now on (config.json); a device override does not stick
    again = Trainer.open(tmp_path / "half", device="cpu", config_overrides={"precision": "fp32", "device": "cpu"})
    assert again.precision == "fp32"
    saved = RunFolder(tmp_path / "half").config()
    assert saved.precision == "fp32" and saved.device == "auto"


def test_checkpoint_cadence_is_bounded_in_time(tmp_path, make_image_folder, tiny_config):
    data = make_image_folder(16)
    saved = []
    on = lambda e: saved.append(e.step) if isinstance(e, CheckpointSaved) else None  # noqa: E731
    # kimg boundaries every 2 steps, but at most one checkpoint per hour: only step 0 and the final one
    Trainer.create(tmp_path / "a", tiny_config(data, checkpoint_every_kimg=0.032, checkpoint_min_sec=3600),
                   on_event=on, device="cpu").run()
    assert saved == [0, 20]
    saved.clear()
    # no kimg boundary at all, but at least one checkpoint per 0 s: one after every step
    Trainer.create(tmp_path / "b", tiny_config(data, checkpoint_every_kimg=1000, checkpoint_max_sec=0),
                   on_event=on, device="cpu").run()
    assert saved == list(range(0, 21))
    saved.clear()
    resumed = Trainer.open(tmp_path / "a", on_event=on, device="cpu")
    resumed.run(kimg=0.32)                                  # already there: nothing is re-saved
    assert saved == []


def test_auto_precision_follows_the_hardware(monkeypatch):
    from studio.core import device as dev
    cpu, cuda, mps = torch.device("cpu"), torch.device("cuda"), torch.device("mps")
    for native in (True, False):
        monkeypatch.setattr(dev, "native_bf16", lambda d, n=native: n)
        assert dev.resolve_precision("auto", cpu) == ("bf16" if native else "fp32")
        assert dev.resolve_precision("auto", cuda) == ("bf16" if native else "fp32")
        assert dev.resolve_precision("bf16", cpu) == "bf16"            # asked for: even where it is emulated
        assert dev.resolve_precision("fp32", cuda) == "fp32"
        assert dev.resolve_precision("bf16", mps) == "fp32"            # no bf16 autocast path on MPS
    assert dev.precision_text("bf16", "auto") == "bf16 mixed precision (auto)"
    assert dev.precision_text("fp32", "fp32") == "fp32"

"""Kinds (core/kinds.py) learn: a folder of three solid-colour subfolders trains a conditional model whose samples
of each kind take that kind's colour, and a run keeps its kinds through checkpoints, files and resume."""
import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.checkpoint import load_generator
from studio.core.config import arch_defaults
from studio.core.trainer import Trainer

COLOURS = {"blue": (30, 60, 220), "green": (40, 190, 60), "red": (220, 40, 40)}


@pytest.fixture
def colour_folders(tmp_path):
    root = tmp_path / "colours"
    rng = np.random.default_rng(0)
    for name, rgb in COLOURS.items():
        (root / name).mkdir(parents=True)
        for i in range(12):
            px = np.clip(np.array(rgb) + rng.integers(-12, 13, 3), 0, 255).astype(np.uint8)
            Image.fromarray(np.broadcast_to(px, (64, 64, 3)).copy()).save(root / name / f"{i}.png")
    return root


def projected(tiny_config, data, **kw):
    return tiny_config(data, arch="projected", resolution=64, width=8, z_dim=32, batch=16, augment=False,
                       ema_kimg=0.2, log_every=20, sample_every_kimg=100, checkpoint_every_kimg=100,
                       **{k: arch_defaults("projected")[k] for k in ("lr_g", "lr_d", "beta1", "beta2")}, **kw)


def test_each_kind_takes_its_colour(tmp_path, colour_folders, tiny_config):
    t = Trainer.create(tmp_path / "run", projected(tiny_config, colour_folders, kimg=1.5), device="cpu")
    assert t.spec.classes == ("blue", "green", "red") and t.kinds.counts == [12, 12, 12]
    t.run()
    model = load_generator(tmp_path / "run")
    assert model.spec.classes == ("blue", "green", "red")
    z = torch.randn(24, 32, generator=torch.Generator().manual_seed(5))
    for k, name in enumerate(model.spec.classes):
        c = torch.nn.functional.one_hot(torch.full((24,), k), 3).float()
        with torch.no_grad():
            mean = ((model.G(z, c).float() + 1) * 127.5).mean((0, 2, 3)).numpy()
        want = np.array(COLOURS[name], float)
        others = [np.abs(mean - np.array(v, float)).sum() for n, v in COLOURS.items() if n != name]
        assert np.abs(mean - want).sum() < min(others), f"{name}: mean colour {mean.round()} is not its own"
    # the kind guide (D.classify) learnt the kinds from the real pictures, and G's pictures pass it as their kind
    real = t.images.permute(0, 3, 1, 2).float() / 127.5 - 1
    labels = torch.from_numpy(t.kinds.labels).long()
    with torch.no_grad():
        guess = t.D.classify(t.D.backbone.taps(real)[-1].float().mean((2, 3))).argmax(1)
        reds = model.G(z, torch.eye(3)[[2] * len(z)]).float()
        made = t.D.classify(t.D.backbone.taps(reds)[-1].mean((2, 3)))
    assert (guess == labels).all()
    assert (made.argmax(1) == 2).float().mean() > 0.9


def test_a_run_begun_before_the_kind_guide_resumes_without_it(tmp_path, colour_folders, tiny_config):
    from studio.core.checkpoint import read_file, save_file
    t = Trainer.create(tmp_path / "run", projected(tiny_config, colour_folders, kimg=0.1, checkpoint_min_sec=0),
                       device="cpu")
    t.run()
    newest = sorted((tmp_path / "run" / "checkpoints").glob("*.safetensors"))[-1]
    tensors, meta = read_file(newest)
    old = {k: v for k, v in tensors.items() if not k.startswith("D.classify.")}
    assert len(old) < len(tensors)
    meta["opt_d"]["param_groups"][0]["params"] = meta["opt_d"]["param_groups"][0]["params"][:-2]
    old = {k: v for k, v in old.items() if not k.startswith("opt_d.") or int(k.split(".")[1]) <
           len(meta["opt_d"]["param_groups"][0]["params"])}
    save_file(newest, old, meta)
    again = Trainer.open(tmp_path / "run", device="cpu")
    assert again.step == t.step and again.D.classify is None
    again.train_step()                               # trains on, without the guide
    assert again.step == t.step + 1


def test_kinds_survive_resume_and_refuse_a_model_without(tmp_path, colour_folders, tiny_config):
    cfg = projected(tiny_config, colour_folders, kimg=0.1, checkpoint_min_sec=0)
    t = Trainer.create(tmp_path / "run", cfg, device="cpu")
    t.run()
    again = Trainer.open(tmp_path / "run", device="cpu")
    assert again.step == t.step and again.spec.classes == t.spec.classes
    flat = tmp_path / "flat"
    flat.mkdir()
    for i, p in enumerate(sorted(colour_folders.rglob("*.png"))):
        Image.open(p).save(flat / f"{i}.png")
    from studio.core.checkpoint import CheckpointError
    with pytest.raises(CheckpointError, match="kinds"):
        Trainer.create(tmp_path / "run2", projected(tiny_config, flat, kimg=0.1, init_from=str(tmp_path / "run")),
                       device="cpu")
    assert not list((tmp_path / "run2").rglob("*.safetensors"))

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

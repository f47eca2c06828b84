"""Shared fixtures. Tests run headless (Qt offscreen) on a small CPU: keep models tiny."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


def draw_squares(n: int, size: int = 48, seed: int = 0) -> list[np.ndarray]:
    """A known law: one coloured square (red, green or blue) on white, at a random position."""
    rng = np.random.default_rng(seed)
    colours = np.array([[220, 30, 30], [30, 200, 30], [30, 30, 220]], np.uint8)
    out = []
    s = size // 3
    for i in range(n):
        a = np.full((size, size, 3), 255, np.uint8)
        x, y = rng.integers(0, size - s, 2)
        a[y:y + s, x:x + s] = colours[i % 3]
        out.append(a)
    return out


@pytest.fixture(autouse=True)
def user_data_in_tmp(tmp_path_factory, monkeypatch):
    """Per-user data (the demo model's keyframes, demo images) goes to a folder of the test's own, never the
    developer's ~/.local/share."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("user-data")))


@pytest.fixture(autouse=True)
def no_suggested_encoder_stage(monkeypatch):
    """The suggestion's encoder stage after the GAN is minutes of wall clock: off for tests that train through the
    suggestion (the window's Start, `ganstudio train`). Tests of the stage ask for it (encoder_minutes) or put
    it back (tests/test_encoder.py)."""
    from studio.session import settings
    monkeypatch.setitem(settings.ENCODER_MINUTES, "cpu", 0.0)
    monkeypatch.setitem(settings.ENCODER_MINUTES, "gpu", 0.0)


@pytest.fixture
def square_law():
    """The function that draws the synthetic 'coloured square on white' images."""
    return draw_squares


@pytest.fixture
def make_image_folder(tmp_path):
    """Factory: make_image_folder(n=48, size=48, seed=0, name='images') → Path of PNG files."""
    def make(n: int = 48, size: int = 48, seed: int = 0, name: str = "images") -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        for i, a in enumerate(draw_squares(n, size, seed)):
            Image.fromarray(a).save(folder / f"img{i:04d}.png")
        return folder
    return make


@pytest.fixture
def tiny_config():
    """Factory for a tiny, fast TrainConfig (dcgan 32 px, width 8)."""
    from studio.core.config import TrainConfig

    def make(data_dir, **kw) -> TrainConfig:
        base = dict(data_dir=str(data_dir), arch="dcgan", resolution=32, width=8, batch=16, z_dim=32,
                    kimg=0.32, log_every=5, sample_every_kimg=0.16, checkpoint_every_kimg=0.16, checkpoint_min_sec=0,
                    augment=False, sample_grid=(2, 2),
                    precision="fp32")   # tests of the maths pin fp32; test_precision_setting covers auto
        base.update(kw)
        return TrainConfig(**base).validate()
    return make


@pytest.fixture(scope="session")
def make_kinds_model(tmp_path_factory):
    """Factory: the path of a random-weight projected generator with these kinds (64 px, z 32, width 8): fast."""
    from studio.core.checkpoint import save_generator
    from studio.core.models import ModelSpec, build_generator

    def make(names: tuple[str, ...]):
        from studio.core.models.projected import KindBN
        torch.manual_seed(0)
        spec = ModelSpec("projected", 64, 3, 32, 8, tuple(names))
        G = build_generator(spec)
        for m in G.modules():              # the kinds' gains and shifts start at zero: give each kind its own look
            if isinstance(m, KindBN):
                torch.nn.init.normal_(m.gain.weight, 0.0, 0.05)
                torch.nn.init.normal_(m.shift.weight, 0.0, 0.05)
        path = tmp_path_factory.mktemp("kinds") / "g.safetensors"
        save_generator(path, G, spec)
        return path
    return make


@pytest.fixture(scope="session")
def random_model(tmp_path_factory):
    """A tiny random-weight dcgan generator (32 px, z 32), loaded: fast; use trained_run where training matters."""
    from studio.core.checkpoint import load_generator, save_generator
    from studio.core.models import ModelSpec, build_generator
    torch.manual_seed(0)
    spec = ModelSpec("dcgan", 32, 3, 32, 8)
    path = tmp_path_factory.mktemp("model") / "g.safetensors"
    save_generator(path, build_generator(spec), spec)
    return load_generator(path)


@pytest.fixture
def trained_run(tmp_path, make_image_folder, tiny_config):
    """A run folder with a few checkpoints of a tiny dcgan (trained for ~1 s)."""
    from studio.core.trainer import Trainer
    data = make_image_folder(24)
    t = Trainer.create(tmp_path / "run", tiny_config(data), device="cpu")
    t.run()
    return tmp_path / "run"

@pytest.fixture(autouse=True)
def fixed_training_threads(monkeypatch):
    """Training's thread chooser (core/threads.py) reacts to other programs on the CPU — on a busy CI machine,
    to the other tests. Tests that compare two runs bit for bit need the same thread count in both: off here;
    tests/test_threads.py drives it with its own clocks."""
    monkeypatch.setenv("GANSTUDIO_FIXED_THREADS", "1")

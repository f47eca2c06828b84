"""It really learns: generated images move most of the way from the untrained generator's to the data's.

The data follow a known law (tests/conftest.py draw_squares): one red, green or blue square at a
random place on white. The statistic is the mean distance from each generated image to its nearest
training image (8x8 average-pooled): real images drawn afresh from the same law sit near 0.5, the
untrained generator's grey noise near 6.5.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from studio.core.config import arch_defaults
from studio.core.latent import to_uint8
from studio.core.trainer import Trainer

pytestmark = pytest.mark.slow


def _pool(images) -> torch.Tensor:
    x = torch.from_numpy(np.asarray(images)).float().permute(0, 3, 1, 2) / 255
    return F.avg_pool2d(x, 4).flatten(1)


def nearest_distance(images, reference) -> float:
    return torch.cdist(_pool(images), _pool(reference)).min(dim=1).values.mean().item()


def samples(t: Trainer, n: int = 128) -> np.ndarray:
    with torch.no_grad():
        return to_uint8(t.G_ema(torch.randn(n, t.cfg.z_dim, generator=torch.Generator().manual_seed(9))))


def test_learns_coloured_squares(tmp_path, make_image_folder, tiny_config, square_law):
    cfg = tiny_config(make_image_folder(512, size=32), width=32, batch=32, kimg=25.0, log_every=50,
                      augment=True, augment_policy="translation,cutout", sample_every_kimg=100,
                      checkpoint_every_kimg=100, ema_kimg=0.5)
    t = Trainer.create(tmp_path / "run", cfg, device="cpu")
    train = np.asarray(t.dataset.images)
    real = nearest_distance(np.stack(square_law(128, 32, seed=123)), train)    # fresh draws of the law
    before = nearest_distance(samples(t), train)
    t.run()
    after = nearest_distance(samples(t), train)
    closed = (before - after) / (before - real)
    print(f"nearest-image distance: real {real:.2f}, untrained {before:.2f}, trained {after:.2f}; "
          f"{closed:.0%} of the way")
    assert closed > 0.5, f"generated images moved only {closed:.0%} of the way to the data"


def test_projected_learns_coloured_squares(tmp_path, make_image_folder, tiny_config, square_law):
    """The same law at 64 px through the projected discriminator (frozen EfficientNet eyes): it must learn it
    in fewer images than dcgan needs at 32 px."""
    cfg = tiny_config(make_image_folder(256, size=64), arch="projected", resolution=64, width=8, z_dim=64,
                      batch=16, kimg=6.0, log_every=50, augment=True, augment_policy="translation,cutout",
                      sample_every_kimg=100, checkpoint_every_kimg=100, ema_kimg=0.5,
                      **{k: arch_defaults("projected")[k] for k in ("lr_g", "lr_d", "beta1", "beta2")})
    t = Trainer.create(tmp_path / "run", cfg, device="cpu")
    train = np.asarray(t.dataset.images)
    real = nearest_distance(np.stack(square_law(128, 64, seed=123)), train)
    before = nearest_distance(samples(t), train)
    t.run()
    after = nearest_distance(samples(t), train)
    closed = (before - after) / (before - real)
    print(f"projected, nearest-image distance: real {real:.2f}, untrained {before:.2f}, trained {after:.2f}; "
          f"{closed:.0%} of the way")
    assert closed > 0.5, f"generated images moved only {closed:.0%} of the way to the data"


def test_single_image_converges(tmp_path, tiny_config):
    d = tmp_path / "one"
    d.mkdir()
    yy, xx = np.mgrid[0:32, 0:32]
    target = np.stack([xx * 8, yy * 8, np.full_like(xx, 128)], -1).astype(np.uint8)   # a colour ramp
    target[8:24, 8:24] = (250, 250, 20)                                                 # and a yellow square
    Image.fromarray(target).save(d / "only.png")
    # augmentation matters here: a batch of identical images has no variance, so without it the batch
    # norm in D tells real from fake by batch statistics alone and G gets no signal about the picture
    cfg = tiny_config(d, width=32, batch=16, kimg=8.0, log_every=50, augment=True,
                      augment_policy="translation,cutout", sample_every_kimg=100, checkpoint_every_kimg=100,
                      ema_kimg=0.2)
    t = Trainer.create(tmp_path / "run", cfg, device="cpu")
    err_before = np.abs(samples(t, 8).astype(float) - target).mean()
    t.run()
    err_after = np.abs(samples(t, 8).astype(float) - target).mean()
    print(f"mean abs error to the image: {err_before:.1f} -> {err_after:.1f}")
    assert err_after < 25 and err_after < err_before / 3

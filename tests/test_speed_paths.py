"""The trainer's speed paths (channels_last, no D weight-grads in the G step, shared image cache) change
no numbers: they match the plain eager path, and stop/resume stays exact with them on."""
import numpy as np
import pytest
import torch

from studio.core.trainer import Trainer


def _state(t: Trainer) -> dict:
    out = {}
    for name, m in (("G", t.G), ("G_ema", t.G_ema), ("D", t.D)):
        out.update({f"{name}.{k}": v.detach().clone() for k, v in m.state_dict().items()})
    return out


def _train(tmp_path, name, cfg, steps, plain, monkeypatch):
    if plain:
        monkeypatch.setenv("GANSTUDIO_PLAIN_EAGER", "1")
    else:
        monkeypatch.delenv("GANSTUDIO_PLAIN_EAGER", raising=False)
    t = Trainer.create(tmp_path / name, cfg, device="cpu")
    losses = torch.stack([t.train_step() for _ in range(steps)])
    return t, losses


@pytest.mark.parametrize("extra", [{}, {"augment": True, "mirror": True, "r1_gamma": 1.0, "r1_every": 2}])
def test_fast_path_matches_plain_eager(tmp_path, make_image_folder, tiny_config, monkeypatch, extra):
    cfg = tiny_config(make_image_folder(20), **extra)
    fast, lf = _train(tmp_path, "fast", cfg, 6, False, monkeypatch)
    plain, lp = _train(tmp_path, "plain", cfg, 6, True, monkeypatch)
    assert fast.fast_path and not plain.fast_path
    conv = fast.D.main[0].weight
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    assert plain.D.main[0].weight.is_contiguous()
    torch.testing.assert_close(lf, lp, rtol=1e-4, atol=1e-5)
    a, b = _state(fast), _state(plain)
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-4, atol=1e-5, msg=f"{k} differs between the paths")
    # D is trainable again after the step (the G step froze it only for its own backward)
    assert all(p.requires_grad for p in fast.D.parameters())


def test_fast_path_stop_resume_is_exact(tmp_path, make_image_folder, tiny_config, monkeypatch):
    monkeypatch.delenv("GANSTUDIO_PLAIN_EAGER", raising=False)
    cfg = tiny_config(make_image_folder(20), kimg=0.096, checkpoint_every_kimg=10, augment=True)
    one = Trainer.create(tmp_path / "one", cfg, device="cpu")
    one.run()
    two = Trainer.create(tmp_path / "two", cfg, device="cpu")
    two.run(kimg=0.048)
    resumed = Trainer.open(tmp_path / "two", device="cpu")
    assert resumed.G.main[0].weight.is_contiguous(memory_format=torch.channels_last)
    resumed.run()
    assert resumed.step == one.step
    a, b = _state(one), _state(resumed)
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs after stop/resume"


def test_cpu_trainer_shares_the_cached_images(tmp_path, make_image_folder, tiny_config):
    t = Trainer.create(tmp_path / "run", tiny_config(make_image_folder(12)), device="cpu")
    assert t.dataset.cache_file is not None and isinstance(t.dataset.images, np.memmap)
    assert t.images.dtype == torch.uint8
    assert t.images.data_ptr() == t.dataset.images.ctypes.data        # no private copy of the cache
    assert np.array_equal(t.images[3].numpy(), np.asarray(t.dataset.images[3]))


@pytest.mark.parametrize("kinds", [(), ("apple", "boat", "cat")])
def test_a_frozen_generator_draws_exactly_what_the_trained_one_draws(make_kinds_model, kinds):
    """load_generator bakes the spectral norm of a model opened to render (checkpoint.bake_normalisation): the same
    pictures, bit for bit, at batch 1 and at batch 4 (baked weights turned channels_last once drew wrong pixels
    at batch 1)."""
    from studio.core.checkpoint import load_generator
    path = make_kinds_model(kinds)
    frozen, trained = load_generator(path), load_generator(path, frozen=False)
    assert not any(hasattr(m, "weight_orig") for m in frozen.G.modules())
    assert any(hasattr(m, "weight_orig") for m in trained.G.modules())
    z = torch.randn(4, 32, generator=torch.Generator().manual_seed(2))
    for batch in (z[:1], z):
        assert np.array_equal(frozen.render(batch), trained.render(batch))


def test_noise_injection_keeps_the_maps_precision():
    """Under bf16 autocast a map stays bf16 through the noise (an fp32 weight once promoted G's big maps, and the
    layers after them, to fp32: twice the memory traffic); in fp32 the sum is unchanged."""
    from studio.core.models.fastgan import NoiseInjection
    layer = NoiseInjection().train()
    with torch.no_grad():
        layer.weight.fill_(0.5)
    x = torch.randn(2, 4, 8, 8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert layer(x.bfloat16()).dtype == torch.bfloat16
    torch.manual_seed(3)
    out = layer(x)
    torch.manual_seed(3)
    noise = torch.randn(2, 1, 8, 8)
    assert out.dtype == torch.float32 and torch.equal(out, x + 0.5 * noise)

"""The projected GAN: a frozen pretrained network as D's eyes, random projections, small heads.

What must hold: the frozen network is never trained, optimised or saved; stop + resume is exact; a run can
start from another model (fine-tuning) and refuses one that does not fit; and it learns.
"""
import numpy as np
import pytest
import torch

from studio.core import checkpoint as ckpt
from studio.core.backbone import get_backbone
from studio.core.events import Notice
from studio.core.models import ModelSpec, build_models
from studio.core.trainer import Trainer


def _cfg(tiny_config, data, **kw):
    base = dict(arch="projected", resolution=64, width=8, z_dim=16, batch=4, kimg=0.016, lr_g=2e-4, lr_d=2e-4,
                beta1=0.0, beta2=0.99, augment=True)
    base.update(kw)
    return tiny_config(data, **base)


def test_shapes_and_what_is_trainable():
    spec = ModelSpec("projected", 64, 3, 16, 8)
    G, D = build_models(spec)
    z = torch.randn(3, 16)
    img = G(z)
    assert img.shape == (3, 3, 64, 64) and img.min() >= -1 and img.max() <= 1
    D.eval()                  # batch statistics and spectral-norm power iterations change nothing in eval mode
    logits = D(img)
    assert logits.ndim == 2 and logits.shape[0] == 3 and logits.shape[1] >= 5   # one or more per head
    logits2, rec = D(img, with_recon=True)
    assert torch.equal(logits, logits2) and float(rec) == 0.0
    # the frozen network is not a submodule: not in parameters, not in the state dict
    frozen = {id(p) for p in D.backbone.parameters()}
    assert frozen and not frozen & {id(p) for p in D.parameters()}
    assert not any(k.startswith(("backbone", "_frozen")) for k in D.state_dict())
    assert all(not p.requires_grad for p in D.backbone.parameters())
    # the random projections are fixed buffers, identical in every D built (reproducible, and saved)
    _, D2 = build_models(spec)
    for (k, a), (_, b) in zip(D.proj.state_dict().items(), D2.proj.state_dict().items()):
        assert torch.equal(a, b), k
    assert not list(D.proj.parameters())


def test_rgba_model_sees_composited_rgb():
    G, D = build_models(ModelSpec("projected", 64, 4, 16, 8))
    img = G(torch.randn(2, 16))
    assert img.shape == (2, 4, 64, 64)
    assert D(img).shape[0] == 2


def test_frozen_features_get_no_gradient_or_optimizer_state(tmp_path, make_image_folder, tiny_config):
    t = Trainer.create(tmp_path / "run", _cfg(tiny_config, make_image_folder(16, size=64)), device="cpu")
    for _ in range(2):
        t.train_step()
    assert all(p.grad is None for p in t.D.backbone.parameters())
    opt_params = {id(p) for g in t.opt_d.param_groups for p in g["params"]}
    assert not opt_params & {id(p) for p in t.D.backbone.parameters()}
    assert len(t.opt_d.state) == len(list(t.D.parameters()))
    path = t.save_checkpoint()
    tensors, _ = ckpt.read_file(path)
    n_backbone = sum(p.numel() for p in t.D.backbone.parameters())
    n_d = sum(v.numel() for k, v in tensors.items() if k.startswith("D."))
    assert n_d == sum(v.numel() for v in t.D.state_dict().values())
    assert not any("blocks" in k or "stem" in k for k in tensors)
    # everything in the file: G and G_ema, D, Adam's two moments per trained parameter, RNG and fixed latents
    n_g = sum(v.numel() for v in t.G.state_dict().values())
    n_trained = sum(p.numel() for p in t.G.parameters()) + sum(p.numel() for p in t.D.parameters())
    n_file = sum(v.numel() for v in tensors.values())
    assert n_file <= 2 * n_g + n_d + 2 * n_trained + 50_000      # + RNG states, Adam step counts, latents
    assert n_backbone > 1_000_000                               # so a leaked frozen network could not hide


def test_stop_and_resume_equals_one_go(tmp_path, make_image_folder, tiny_config):
    data = make_image_folder(12, size=64)
    cfg = _cfg(tiny_config, data, kimg=0.024, checkpoint_every_kimg=10, mirror=True)
    one = Trainer.create(tmp_path / "one", cfg, device="cpu")
    one.run()
    two = Trainer.create(tmp_path / "two", cfg, device="cpu")
    two.run(kimg=0.012)
    del two
    resumed = Trainer.open(tmp_path / "two", device="cpu")
    resumed.run()
    assert resumed.step == one.step == 6
    for name in ("G", "G_ema", "D"):
        a, b = getattr(one, name).state_dict(), getattr(resumed, name).state_dict()
        assert a.keys() == b.keys()
        for k in a:
            assert torch.equal(a[k], b[k]), f"{name}.{k} differs after stop/resume"


def test_start_from_a_model(tmp_path, make_image_folder, tiny_config):
    data = make_image_folder(12, size=64)
    first = Trainer.create(tmp_path / "first", _cfg(tiny_config, data), device="cpu")
    first.run()
    events = []
    cfg = _cfg(tiny_config, data, init_from=str(tmp_path / "first"), seed=5)
    second = Trainer.create(tmp_path / "second", cfg, on_event=events.append, device="cpu")
    for name in ("G", "G_ema", "D"):
        a, b = getattr(first, name).state_dict(), getattr(second, name).state_dict()
        for k in a:
            assert torch.equal(a[k], b[k]), f"{name}.{k} was not taken from the first run"
    assert second.step == 0 and not second.opt_g.state          # a new run: fresh optimizer and counters
    assert any(isinstance(e, Notice) and "Starting from" in e.message and "discriminator" in e.message
               for e in events)
    # a generator file (no D) is enough for G; D starts fresh
    ckpt.save_generator(tmp_path / "g.safetensors", first.G_ema, first.spec)
    third = Trainer.create(tmp_path / "third", _cfg(tiny_config, data, init_from=str(tmp_path / "g.safetensors")),
                           device="cpu")
    assert torch.equal(next(iter(third.G.state_dict().values())), next(iter(first.G_ema.state_dict().values())))


def test_start_from_a_model_that_does_not_fit_says_what_differs(tmp_path, make_image_folder, tiny_config):
    data = make_image_folder(12, size=64)
    Trainer.create(tmp_path / "first", _cfg(tiny_config, data), device="cpu").run()
    cfg = _cfg(tiny_config, data, resolution=128, init_from=str(tmp_path / "first"))
    with pytest.raises(ckpt.CheckpointError) as e:
        Trainer.create(tmp_path / "second", cfg, device="cpu")
    msg = str(e.value)
    assert "64 px" in msg and "128 px" in msg and "projected" in msg
    assert not (tmp_path / "second").exists()                       # nothing written for a refused start
    cfg = _cfg(tiny_config, data, init_from=str(tmp_path / "nowhere"))
    with pytest.raises(ckpt.CheckpointError):
        Trainer.create(tmp_path / "third", cfg, device="cpu")


def test_backbone_is_shared_and_frozen():
    a, b = get_backbone("lite0"), get_backbone("lite0")
    assert a is b and not a.training
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    feats = a.taps(x)
    assert [f.shape[1] for f in feats] == [t.channels for t in a.stages]
    assert [f.shape[-1] for f in feats] == [64 // t.stride for t in a.stages]
    assert np.isfinite(torch.cat([f.flatten() for f in feats]).numpy()).all()

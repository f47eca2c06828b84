"""Growing a run to twice the size (--init-from a model of half the run's resolution, studio/core/growth.py).

What must hold: the old blocks' weights are taken bit for bit; at alpha 0 the grown model draws the old model's
picture enlarged; alpha goes 0 → 1 over fade_kimg and then the fade comes off, leaving an ordinary model that
loads and renders like any other; a run stopped mid-fade resumes exactly; every start that cannot work is
refused in one sentence before anything is written.
"""
import pytest
import torch
import torch.nn.functional as F

from studio.cli import main
from studio.core import checkpoint as ckpt
from studio.core.events import Notice
from studio.core.models import ModelSpec, build_generator
from studio.core.train_state import init_source
from studio.core.trainer import Trainer


def _cfg(tiny_config, data, **kw):
    base = dict(arch="projected", resolution=64, width=8, z_dim=16, batch=4, kimg=0.016, lr_g=2e-4, lr_d=2e-4,
                beta1=0.0, beta2=0.99, augment=True, checkpoint_every_kimg=10)
    base.update(kw)
    return tiny_config(data, **base)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """(a trained 64 px projected run, its image folder): 4 steps, width 8; shared, never changed."""
    from PIL import Image

    from studio.core.config import TrainConfig
    from tests.conftest import draw_squares
    root = tmp_path_factory.mktemp("growth")
    data = root / "images"
    data.mkdir()
    for i, a in enumerate(draw_squares(12, 128)):
        Image.fromarray(a).save(data / f"{i:03d}.png")
    first = Trainer.create(root / "first", _cfg(lambda d, **kw: TrainConfig(
        data_dir=str(d), **dict(dict(log_every=5, sample_grid=(2, 2), precision="fp32", checkpoint_min_sec=0),
                                **kw)).validate(), data), device="cpu")
    first.run()
    return first, data


def _grown(tiny_config, data, first, **kw):
    return _cfg(tiny_config, data, resolution=128, width=4, init_from=str(first.run_folder.path), **kw)


def test_growing_keeps_the_old_blocks_and_starts_from_their_picture(tmp_path, small_run, tiny_config):
    first, data = small_run
    events = []
    grown = Trainer.create(tmp_path / "grown", _grown(tiny_config, data, first), on_event=events.append,
                           device="cpu")
    for name in ("G", "G_ema"):
        old, new = getattr(first, name).state_dict(), getattr(grown, name).state_dict()
        kept = [k for k in old if not k.startswith("to_rgb.")]
        assert len(kept) > 20
        for k in kept:
            assert torch.equal(old[k], new[k]), f"{name}.{k} was not kept"
        for k in old:                                  # the old to-RGB fades out, as it was trained
            if k.startswith("to_rgb."):
                assert torch.equal(old[k], new["fade.rgb." + k[len("to_rgb."):]]), k
        assert "ups.128.1.weight_orig" in new and "sles.16_128.main.1.weight_orig" in new    # the new block
    old_d, new_d = first.D.state_dict(), grown.D.state_dict()
    fit = [k for k in old_d if k in new_d and old_d[k].shape == new_d[k].shape]
    assert any(k.startswith("pixel.") for k in fit) and any(k.startswith("proj.") for k in fit)
    for k in fit:
        assert torch.equal(old_d[k], new_d[k]), f"D.{k} was not kept"
    assert grown.step == 0 and not grown.opt_g.state
    trained = {id(p) for g in grown.opt_g.param_groups for p in g["params"]}
    assert not trained & {id(p) for p in grown.G.fade.parameters()}          # the old to-RGB is not trained
    notice = next(e.message for e in events if isinstance(e, Notice) and "Growing" in e.message)
    assert "64 to 128 px" in notice and "fades in over 20 thousand images" in notice
    # alpha 0: the old model's picture, enlarged (eval mode: no noise, running batch statistics)
    z = torch.randn(5, 16)
    first.G_ema.eval(), grown.G_ema.eval()
    with torch.no_grad():
        old_img, new_img = first.G_ema(z), grown.G_ema(z)
    assert new_img.shape == (5, 3, 128, 128)
    torch.testing.assert_close(new_img, F.interpolate(old_img, scale_factor=2, mode="nearest"),
                               atol=1e-5, rtol=1e-5)
    grown.G_ema.fade.alpha.fill_(1.0)                  # and alpha 1: the new block alone
    with torch.no_grad():
        alone = grown.G_ema(z)
        grown.G_ema.fade = None
        assert torch.equal(alone, grown.G_ema(z))


def test_alpha_advances_the_fade_comes_off_and_an_ordinary_model_is_left(tmp_path, small_run, tiny_config):
    first, data = small_run
    events = []
    grown = Trainer.create(tmp_path / "grown", _grown(tiny_config, data, first, fade_kimg=0.016, kimg=0.024),
                           on_event=events.append, device="cpu")
    alphas = []
    for _ in range(5):                                  # batch 4, fade over 16 images: 4 steps of fade
        grown.train_step()
        alphas.append(grown.G.fade.alpha.item() if grown.G.fade is not None else 1.0)
    assert alphas == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert grown.G.fade is None and grown.G_ema.fade is None
    assert any(isinstance(e, Notice) and "faded in" in e.message for e in events)
    path = grown.save_checkpoint()
    tensors, _ = ckpt.read_file(path)
    assert not any(".fade." in k for k in tensors)
    model = ckpt.load_generator(tmp_path / "grown")
    assert model.spec == ModelSpec("projected", 128, 3, 16, 4) and model.G.fade is None
    assert model.render(torch.randn(2, 16)).shape == (2, 128, 128, 3)
    assert main(["generate", str(tmp_path / "grown"), "--count", "2", "--out", str(tmp_path / "gen")]) == 0
    assert len(list((tmp_path / "gen").glob("*.png"))) == 2


def test_the_real_images_fade_as_the_fakes_do(tmp_path, small_run, tiny_config):
    from studio.core import growth
    first, data = small_run
    grown = Trainer.create(tmp_path / "grown", _grown(tiny_config, data, first, fade_kimg=0.016), device="cpu")
    real = torch.rand(2, 3, 128, 128) * 2 - 1
    half = F.interpolate(F.avg_pool2d(real, 2), scale_factor=2, mode="nearest")
    assert torch.equal(growth.begin_step(grown, real.clone()), half)                   # alpha 0
    grown.nimg = 8
    torch.testing.assert_close(growth.begin_step(grown, real.clone()), (half + real) / 2)
    grown.nimg = 16
    assert torch.equal(growth.begin_step(grown, real.clone()), real) and grown.G.fade is None


def test_a_run_stopped_mid_fade_resumes_exactly(tmp_path, small_run, tiny_config):
    first, data = small_run
    cfg = _grown(tiny_config, data, first, fade_kimg=0.016, kimg=0.020, mirror=True)
    one = Trainer.create(tmp_path / "one", cfg, device="cpu")
    one.run()
    two = Trainer.create(tmp_path / "two", cfg, device="cpu")
    two.run(kimg=0.008)                               # stopped at alpha 0.5
    del two
    tensors, _ = ckpt.read_file(ckpt.list_checkpoints(tmp_path / "two" / "checkpoints")[0][1])
    assert float(tensors["G.fade.alpha"]) == 0.5 and float(tensors["G_ema.fade.alpha"]) == 0.5
    mid = ckpt.load_generator(tmp_path / "two")        # a mid-fade model renders as its samples showed
    assert mid.G.fade is not None and mid.render(torch.randn(1, 16)).shape == (1, 128, 128, 3)
    resumed = Trainer.open(tmp_path / "two", device="cpu")
    assert resumed.G.fade is not None and float(resumed.G.fade.alpha) == 0.5
    resumed.run()
    assert resumed.step == one.step == 5 and resumed.G.fade is None and one.G.fade is None
    for name in ("G", "G_ema", "D"):
        a, b = getattr(one, name).state_dict(), getattr(resumed, name).state_dict()
        assert a.keys() == b.keys()
        for k in a:
            assert torch.equal(a[k], b[k]), f"{name}.{k} differs after a stop/resume mid-fade"


def _model(tmp_path, name, arch="projected", res=64, channels=3, z=16, width=8):
    path = tmp_path / f"{name}.safetensors"
    spec = ModelSpec(arch, res, channels, z, width)
    ckpt.save_generator(path, build_generator(spec), spec)
    return path


@pytest.mark.parametrize("theirs, ours, says", [
    (dict(), dict(res=256, width=2), "grows one of half its size (128 px), one doubling at a time"),
    (dict(res=128, width=4), dict(width=8), "grows one of half its size (32 px), one doubling at a time"),
    (dict(), dict(res=128, width=8), "set the width to 4"),
    (dict(width=5), dict(res=128, width=2), "an odd width cannot be halved"),
    (dict(arch="dcgan", res=32), dict(arch="dcgan"), "only projected models grow to twice their size"),
    (dict(arch="fastgan"), dict(res=128, width=4), "choose the same architecture"),
    (dict(channels=4), dict(res=128, width=4), "choose the same channels"),
    (dict(z=32), dict(res=128, width=4), "set the latent size (z_dim) to 32"),
    (dict(), dict(width=4), "set the width to 8"),
])
def test_starts_that_cannot_work_get_one_sentence_and_write_nothing(tmp_path, make_image_folder, tiny_config,
                                                                    theirs, ours, says):
    source = _model(tmp_path, "source", **theirs)
    o = dict(dict(arch="projected", res=64, channels=3, z=16, width=8), **ours)
    spec = ModelSpec(o["arch"], o["res"], o["channels"], o["z"], o["width"])
    with pytest.raises(ckpt.CheckpointError) as e:
        init_source(source, spec)
    msg = str(e.value)
    assert says in msg and msg.startswith("cannot start from source.safetensors") and msg.count(". ") == 0
    cfg = tiny_config(make_image_folder(4, size=64), arch=spec.arch, resolution=spec.resolution, width=spec.width,
                      z_dim=spec.z_dim, channels="rgba" if spec.channels == 4 else "rgb", init_from=str(source))
    with pytest.raises(ckpt.CheckpointError):
        Trainer.create(tmp_path / "run", cfg, device="cpu")
    assert not (tmp_path / "run").exists()


def test_a_model_saved_mid_fade_is_not_a_start(tmp_path, small_run, tiny_config):
    first, data = small_run
    Trainer.create(tmp_path / "grown", _grown(tiny_config, data, first), device="cpu").save_checkpoint()
    with pytest.raises(ckpt.CheckpointError, match="still fading in"):
        init_source(tmp_path / "grown", ModelSpec("projected", 128, 3, 16, 4))


def test_a_start_model_brings_its_latent_size_and_width(tmp_path):
    from studio.core.config import TrainConfig
    from studio.session.settings import fit_start_model, suggested
    source = _model(tmp_path, "source", z=16, width=8)
    cfg = TrainConfig(arch="projected", resolution=128, init_from=str(source))
    assert (fit_start_model(cfg).z_dim, fit_start_model(cfg).width) == (16, 4)            # grown: half the width
    assert fit_start_model(cfg, keep={"width"}).width == cfg.width                        # chosen: kept
    same = TrainConfig(arch="projected", resolution=64, init_from=str(source))
    assert fit_start_model(same).width == 8
    assert suggested(100, "cuda", cfg, {"resolution", "arch"}).width == 4     # the GPU suggestion alone: 32
    assert fit_start_model(TrainConfig(arch="dcgan", init_from=str(source))).width == 64   # another arch: as it was


def test_the_command_line_grows_a_run(tmp_path, small_run, capsys):
    first, data = small_run
    out = tmp_path / "grown"
    assert main(["train", str(data), "--out", str(out), "--init-from", str(first.run_folder.path), "--arch",
                 "projected", "--resolution", "128", "--batch", "4", "--kimg", "0.008", "--fade-kimg", "5",
                 "--no-quality", "--seed", "1"]) == 0
    assert "Growing" in capsys.readouterr().err
    model = ckpt.load_generator(out)
    assert model.spec == ModelSpec("projected", 128, 3, 16, 4) and model.G.fade is not None     # still fading
    assert float(model.G.fade.alpha) == pytest.approx(8 / 5000)
    assert main(["train", str(data), "--out", str(tmp_path / "no"), "--init-from", str(first.run_folder.path),
                 "--arch", "projected", "--resolution", "256", "--no-quality"]) == 2
    assert "one doubling at a time" in capsys.readouterr().err and not (tmp_path / "no").exists()

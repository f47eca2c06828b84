"""The per-run encoder (issue 29): it learns, its file is whole or absent, a model without a usable one falls back
to the full search and says why in one sentence, restore from it keeps every pixel beyond the seam, the commands."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.core.backbone import get_backbone
from studio.core.checkpoint import load_generator
from studio.core.demo_data import demo_model_path
from studio.core.encoder import EncoderSettings, EncoderSpec, EncoderTraining, LatentEncoder, load_encoder, \
    save_encoder
from studio.core.invert import InvertSettings
from studio.core.latent import seeds_to_z
from studio.core.models import ModelSpec
from studio.session.encoding import encoder_file, encoder_for
from studio.session.image_search import search_start
from studio.session.jobs import Job


def _loose_demo(tmp_path):
    """The demo model as a loose file of its own (no encoder beside it)."""
    path = tmp_path / "m.safetensors"
    shutil.copy(demo_model_path(), path)
    return load_generator(path, "cpu")


def _tiny(**kw) -> EncoderSettings:
    return EncoderSettings(**{"steps": 16, "batch": 8, "recon": 4, "real_batch": 4, "eval_every": 8, "held": 8, **kw})


def test_the_encoder_learns_the_models_pictures(tmp_path):
    model = _loose_demo(tmp_path)
    real = model.render(seeds_to_z(list(range(500, 520)), model.z_dim))     # stand-ins for the run's pictures
    out = tmp_path / "m.encoder.safetensors"
    training = EncoderTraining(model, real, _tiny(steps=32, latent=1.0), out, tmp_path / "state.safetensors")
    untrained, extra = training.validate()
    assert "real_distance" in extra
    res = training.run(None)
    assert res.reason == "finished" and res.steps == 32 and [r["step"] for r in res.curve] == [8, 16, 24, 32]
    assert res.best < 0.9 * untrained                               # its guesses got closer (measured 0.77×)
    enc = load_encoder(out)
    assert enc.meta["model_identity"] == model.identity and enc.encode(real[:2]).shape == (2, model.z_dim)


def test_a_cancelled_training_leaves_no_file_and_a_stopped_one_the_best_so_far(tmp_path):
    model = _loose_demo(tmp_path)
    out = tmp_path / "m.encoder.safetensors"
    job = Job()
    job.cancel()
    res = EncoderTraining(model, None, _tiny(), out, None).run(job)
    assert res.reason == "stopped" and res.steps == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]    # nothing, not half a file
    job = Job()
    training = EncoderTraining(model, None, _tiny(steps=0, minutes=0), out, tmp_path / "state.safetensors")
    training.on_record = lambda rec: job.cancel()                              # stop at the first evaluation
    res = training.run(job)
    assert res.reason == "stopped" and res.steps == 8 and load_encoder(out).meta["steps"] == 8
    again = EncoderTraining(model, None, _tiny(steps=8), out, tmp_path / "state.safetensors")
    assert again.step == 8 and again.run(None).steps == 16                   # it continues from the saved state


def test_a_model_without_a_usable_encoder_falls_back_and_says_why(tmp_path):
    model = _loose_demo(tmp_path)
    f = encoder_file(model)
    assert f == tmp_path / "m.encoder.safetensors"
    found = encoder_for(model)
    assert found.encoder is None and "no encoder yet" in found.note and "ganstudio encoder RUN" in found.note
    how = search_start(model)
    assert how.guess is None and how.settings.steps == InvertSettings().steps and how.note == found.note
    f.write_bytes(b"not an encoder")
    found = encoder_for(model)
    assert found.encoder is None and "cannot be used" in found.note and "full search" in found.note
    other = EncoderSpec.for_model(ModelSpec("dcgan", 32, 3, 32, 8), 8)
    save_encoder(f, LatentEncoder(other, get_backbone("lite0")), {})
    found = encoder_for(model)
    assert found.encoder is None and "another model" in found.note and "32 px" in found.note
    for note in (found.note,):
        assert note.count(". ") == 0 and note.endswith(".")                   # one sentence
    shutil.copy(demo_model_path().with_name("demo.encoder.safetensors"), f)
    how = search_start(model)                      # the demo's own encoder serves its copy (the same weights)
    assert how.guess is not None and how.settings.steps == InvertSettings.refining().steps
    assert how.note.startswith("Started from the model's encoder")
    assert search_start(model, full=True).guess is None                        # the closer, slower search


def test_restore_from_the_encoder_keeps_every_pixel_beyond_the_seam(tmp_path):
    from studio.core.restore import blend_weights
    from studio.session import image_search as search
    from studio.session.explorer_doc import ExplorerDocument
    doc = ExplorerDocument()
    doc.set_model(load_generator(demo_model_path(), "cpu"))
    face = doc.model.render(seeds_to_z([9], doc.model.z_dim))[0]
    original = np.asarray(Image.fromarray(face).resize((128, 128), Image.Resampling.LANCZOS)).copy()
    mask = np.zeros((128, 128), bool)
    mask[40:70, 50:90] = True
    original[mask] = 0                                                          # the damage
    pic = search.Picture("damaged.png", face, original=original, fit="crop")
    steps = search.restore_steps(doc, pic, mask, InvertSettings.refining(steps=8))
    first = next(steps)
    assert first.fraction == 0.0 and first.note.startswith("Started from the model's encoder")
    assert first.preview.shape == original.shape                               # the fill blended in at once
    while True:
        try:
            next(steps)
        except StopIteration as done:
            res = done.value
            break
    beyond = blend_weights(mask, 128 / 32) == 0
    assert np.array_equal(res.image[beyond], original[beyond])                 # bit for bit
    assert np.abs(res.image[mask].astype(int) - 0).mean() > 50                 # the hole is filled


def test_the_encoder_command_then_invert_starts_from_it(trained_run, tmp_path, capsys):
    assert main(["encoder", str(trained_run), "--minutes", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "learning the encoder from the model's own pictures and the run's 24" in out
    assert (trained_run / "encoder.safetensors").is_file() and (trained_run / "encoder-metrics.jsonl").is_file()
    model = load_generator(trained_run, "cpu")
    Image.fromarray(model.render(seeds_to_z([4], model.z_dim))[0]).save(tmp_path / "mine.png")
    assert main(["invert", str(trained_run), str(tmp_path / "mine.png"), "--out", str(tmp_path / "o"),
                 "--steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "3 steps from the encoder's guess" in out and (tmp_path / "o" / "mine-inverted.png").is_file()
    assert main(["invert", str(trained_run), str(tmp_path / "mine.png"), "--out", str(tmp_path / "o"),
                 "--steps", "3", "--full", "--restarts", "2"]) == 0
    assert "3 steps from 2 starting points" in capsys.readouterr().out


def test_a_new_run_learns_an_encoder_after_its_gan_and_the_page_shows_it(monkeypatch):
    from studio.session import settings
    monkeypatch.setitem(settings.ENCODER_MINUTES, "cpu", 3.0)             # conftest turns it off for other tests
    s = settings.suggestion(150, "cpu")
    assert s.config.encoder_minutes == 3.0 and "learn an encoder" in s.why
    assert "encoder_minutes" in settings.PAGE_FIELDS and "encoder_minutes" in settings.SUGGESTED_KEYS

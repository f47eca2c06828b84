"""The upscaler stage of a run (issue 27): after the GAN, on the same thread, with its own events; stop keeps the
GAN's checkpoints and the best upscaler so far; resuming continues the stage; the stage alone for a trained run."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from studio.core.events import Failed, Finished, Notice, StepMetrics
from studio.core.upscaler import UpscalerSettings
from studio.session.events import StageFinished, StageProgress, StageRecord, StageStarted, StateChanged
from studio.session.project import Project
from studio.session.training import TrainingSession, TrainingState as S
from studio.session.upscaling import upscaler_curve
from studio.session.stages import stage_file_name, stage_pending


def _big_folder(tmp_path, make_image_folder, n=8):
    """Pictures of 128 px for a 32 px model: they allow ×4."""
    return make_image_folder(n, 128, name="big")


def _tiny_up(steps=4):
    return UpscalerSettings(width=8, depth=2, batch=4, steps=steps, eval_every=2)


def _session(tmp_path, folder, tiny_config, **kw):
    cfg = tiny_config(folder, kimg=0.064, upscaler_minutes=1.0, **kw)
    session = TrainingSession(Project.create(tmp_path / "run", cfg), quality=False)
    session.stage_settings["upscaler"] = _tiny_up()
    return session, cfg


def test_the_upscaler_stage_follows_the_gan(tmp_path, make_image_folder, tiny_config):
    session, cfg = _session(tmp_path, _big_folder(tmp_path, make_image_folder), tiny_config)
    events, states = [], []
    session.subscribe(events.append)
    session.subscribe(lambda ev: states.append(ev.state), StateChanged)
    assert session.run(cfg) == "done"
    run = session.project.path
    assert (run / "upscaler.safetensors").is_file() and session.project.checkpoints()
    kinds = [type(e) for e in events]
    assert kinds.index(Finished) < kinds.index(StageStarted) < kinds.index(StageFinished)   # after the GAN
    started = next(e for e in events if isinstance(e, StageStarted))
    assert started.title == "Training the upscaler ×4" and started.name == "upscaler"
    progress = [e for e in events if isinstance(e, StageProgress)]
    assert {"pictures", "steps"} <= {e.unit for e in progress}
    records = [e.record for e in events if isinstance(e, StageRecord)]
    assert records and records == upscaler_curve(run)            # the events are the curve file's lines
    assert all(r["lanczos"] > 0 and np.isfinite(r["val"]) for r in records)
    assert states == [S.SCANNING, S.TRAINING, S.FINISHED]        # one run, two stages
    assert json.loads((run / "checkpoints" / stage_file_name("upscaler")).read_text())["finished"] is True
    assert not stage_pending(run, "upscaler")
    events.clear()                                               # a resumed run does not learn it again
    assert session.run(None) == "done" and not any(isinstance(e, StageStarted) for e in events)


def test_stop_in_the_stage_keeps_the_gan_and_the_best_so_far_and_resume_continues(tmp_path, make_image_folder,
                                                                                   tiny_config):
    session, cfg = _session(tmp_path, _big_folder(tmp_path, make_image_folder), tiny_config)
    session.subscribe(lambda ev: session.stop(), StageRecord)           # stop at the stage's first evaluation
    finished = []
    session.subscribe(finished.append, StageFinished)
    assert session.run(cfg) == "stopped" and session.state == S.FINISHED
    run = session.project.path
    checkpoints = session.project.checkpoints()
    assert checkpoints and (run / "upscaler.safetensors").is_file()
    assert finished[-1].reason == "stopped" and "Resume continues" in finished[-1].text
    assert stage_pending(run, "upscaler") and (run / "checkpoints" / "upscaler-state.safetensors").is_file()
    stopped_at = upscaler_curve(run)[-1]["step"]

    session2 = TrainingSession(Project.open(run), quality=False)         # reopened: Resume continues the stage
    session2.stage_settings["upscaler"] = _tiny_up()
    events = []
    session2.subscribe(events.append)
    assert session2.run(None) == "done"
    assert not any(isinstance(e, StepMetrics) for e in events)   # the GAN did not train again
    assert any(isinstance(e, StageStarted) for e in events)
    assert session2.project.checkpoints() == checkpoints
    resumed = [r["step"] for r in upscaler_curve(run)]
    assert resumed[-1] == stopped_at + 4 and not stage_pending(run, "upscaler")      # from the saved state, 4 more steps


def test_finish_ends_the_gan_and_learns_the_upscaler(tmp_path, make_image_folder, tiny_config):
    session, cfg = _session(tmp_path, _big_folder(tmp_path, make_image_folder), tiny_config)
    cfg.kimg = 100.0                                                    # long: only finish() ends it
    done = threading.Event()
    session.subscribe(lambda ev: done.is_set() or (done.set(), session.finish()), StepMetrics)
    assert session.run(cfg) == "done"
    assert session.last_kimg < 1.0 and (session.project.path / "upscaler.safetensors").is_file()


def test_the_stage_alone_and_pictures_too_small(tmp_path, make_image_folder, tiny_config):
    small = make_image_folder(8, 48, name="small")                     # 48 px pictures: no ×2 for a 32 px model
    session, cfg = _session(tmp_path, small, tiny_config)
    notices = []
    session.subscribe(notices.append, Notice)
    assert session.run(cfg) == "done"                                   # the GAN's result stands
    assert any(n.level == "error" and "not larger than the model's 32 px" in n.message for n in notices)
    assert not (session.project.path / "upscaler.safetensors").exists()
    failed = []
    session.subscribe(failed.append, Failed)
    assert session.run_upscaler() == "failed" and session.state == S.FAILED
    assert "\n" not in failed[0].reason and "32 px" in failed[0].reason


def test_learn_upscaler_for_a_run_trained_without_one(tmp_path, make_image_folder, tiny_config):
    folder = _big_folder(tmp_path, make_image_folder)
    cfg = tiny_config(folder, kimg=0.064)                              # upscaler_minutes 0: no stage
    session = TrainingSession(Project.create(tmp_path / "run", cfg), quality=False)
    session.stage_settings["upscaler"] = _tiny_up()
    started = []
    session.subscribe(started.append, StageStarted)
    assert session.run(cfg) == "done" and not started
    assert not (session.project.path / "upscaler.safetensors").exists()
    assert session.run_upscaler() == "done" and started
    assert (session.project.path / "upscaler.safetensors").is_file() and session.state == S.FINISHED


def test_the_command_line_upscaler_minutes(tmp_path, make_image_folder, capsys, monkeypatch):
    from studio.cli import main
    from studio.session import upscaling
    from studio.core.encoder import EncoderSettings
    from studio.session import encoding
    monkeypatch.setattr(upscaling, "UpscalerSettings", lambda: _tiny_up())  # the stages' default settings: tiny
    monkeypatch.setattr(encoding, "EncoderSettings", lambda: EncoderSettings(width=8, steps=2, batch=4, recon=2,
                                                                             eval_every=2, held=4))
    folder = _big_folder(tmp_path, make_image_folder)
    tiny = ["--resolution", "32", "--width", "8", "--batch", "8", "--no-quality", "--arch", "dcgan", "--device", "cpu"]
    assert main(["train", str(folder), "--out", str(tmp_path / "r"), "--kimg", "0.03", "--upscaler-minutes", "0.5",
                 "--encoder-minutes", "0.2", *tiny]) == 0
    out = capsys.readouterr()
    assert "then the upscaler: ×4 for 0.5 min" in out.out and "then the encoder: 0.2 min" in out.out
    assert "learning the upscaler ×4" in out.err and "The ×4 upscaler is learnt" in out.err
    assert "The encoder is learnt" in out.err
    assert (tmp_path / "r" / "upscaler.safetensors").is_file() and (tmp_path / "r" / "encoder.safetensors").is_file()
    from studio.core.config import TrainConfig
    cfg = TrainConfig.load(tmp_path / "r" / "config.json")
    assert cfg.upscaler_minutes == 0.5 and cfg.encoder_minutes == 0.2
    assert main(["train", str(folder), "--out", str(tmp_path / "r0"), "--kimg", "0.03", "--upscaler-minutes", "0",
                 *tiny]) == 0                                              # 0: no stage, whatever the suggestion
    assert not (tmp_path / "r0" / "upscaler.safetensors").exists() and "learning the upscaler" not in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", str(folder), "--out", str(tmp_path / "bad"), "--upscaler-minutes", "-1"])
    assert "must be 0 or more" in capsys.readouterr().err


def test_the_suggestion_follows_the_factor_the_pictures_allow(tmp_path, make_image_folder, tiny_config):
    from studio.cli import build_parser
    from studio.commands.train import config_from_args
    from studio.session.settings import UpscalePlan, suggestion
    from studio.session.upscaling import folder_plan
    big, small = _big_folder(tmp_path, make_image_folder), make_image_folder(8, 80, name="mid")
    assert folder_plan(tiny_config(big)) == UpscalePlan(4, "")
    mid = folder_plan(tiny_config(small))                                # 80 px: ×2 for a 32 px model, not ×4
    assert mid.factor == 2 and "too small for ×4" in mid.note and mid.text.startswith("Upscaler ×2 — ")
    none = folder_plan(tiny_config(small, resolution=64))
    assert none.factor == 0 and none.text.startswith("No upscaler: the pictures")
    assert suggestion(100, "cpu", upscale=mid).config.upscaler_minutes == 3.0
    assert "×2 upscaler" in suggestion(100, "cpu", upscale=mid).why
    assert suggestion(100, "cpu", upscale=none).config.upscaler_minutes == 0.0
    assert none.text in suggestion(100, "cpu", upscale=none).why
    assert suggestion(100, "cpu").config.upscaler_minutes == 0.0            # not known yet: no stage
    args = build_parser().parse_args(["train", str(big), "--out", "x"])
    assert config_from_args(args, 100, "cpu", mid).upscaler_minutes == 3.0
    args = build_parser().parse_args(["train", str(big), "--out", "x", "--upscaler-minutes", "1.5"])
    assert config_from_args(args, 100, "cpu", none).upscaler_minutes == 1.5   # the artist's choice is kept
    from studio.core.config import ConfigError
    with pytest.raises(ConfigError, match="upscaler's minutes must be 0"):
        tiny_config(big, upscaler_minutes=-2.0)


def test_pause_and_resume_in_the_stage(tmp_path, make_image_folder, tiny_config):
    session, cfg = _session(tmp_path, _big_folder(tmp_path, make_image_folder), tiny_config)
    session.stage_settings["upscaler"] = _tiny_up(steps=6)
    paused, states = threading.Event(), []
    session.subscribe(lambda ev: states.append(ev.state), StateChanged)

    def first_record(ev):
        if not paused.is_set():
            paused.set()
            assert session.pause() and session.paused

    session.subscribe(first_record, StageRecord)
    t = threading.Thread(target=session.run, args=(cfg,))
    t.start()
    assert paused.wait(60)
    steps = len(upscaler_curve(session.project.path))
    t.join(0.5)
    assert t.is_alive() and session.state == S.PAUSED                       # it waits, nothing learnt meanwhile
    assert len(upscaler_curve(session.project.path)) == steps
    assert session.resume() and session.state in (S.TRAINING, S.FINISHED)
    t.join(60)
    assert session.reason == "done" and states[-3:] == [S.PAUSED, S.TRAINING, S.FINISHED]
    assert upscaler_curve(session.project.path)[-1]["step"] == 6

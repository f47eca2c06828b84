"""The upscaler stage of a run (issue 27): after the GAN, on the same thread, with its own events; stop keeps the
GAN's checkpoints and the best upscaler so far; resuming continues the stage; the stage alone for a trained run."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from PIL import Image

from studio.core.events import Finished, Notice
from studio.core.upscaler import UpscalerSettings
from studio.session.events import StageFinished, StageProgress, StageRecord, StageStarted, StateChanged
from studio.session.project import Project
from studio.session.training import TrainingSession, TrainingState as S
from studio.session.upscaling import STAGE_NAME, stage_pending, upscaler_curve


def _big_folder(tmp_path, make_image_folder, n=8):
    """Pictures of 128 px for a 32 px model: they allow ×4."""
    return make_image_folder(n, 128, name="big")


def _tiny_up(steps=4):
    return UpscalerSettings(width=8, depth=2, batch=4, steps=steps, eval_every=2)


def _session(tmp_path, folder, tiny_config, **kw):
    cfg = tiny_config(folder, kimg=0.064, upscaler_minutes=1.0, **kw)
    session = TrainingSession(Project.create(tmp_path / "run", cfg), quality=False)
    session.upscaler_settings = _tiny_up()
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
    assert json.loads((run / "checkpoints" / STAGE_NAME).read_text())["finished"] is True
    assert not stage_pending(run)
    events.clear()                                               # a resumed run does not learn it again
    assert session.run(None) == "done" and not any(isinstance(e, StageStarted) for e in events)

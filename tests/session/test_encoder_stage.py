"""The encoder stage of a run (issue 29): after the GAN and the upscaler, on the same thread, with its own events
and curve; stopped in it, Resume continues it (not the GAN, not the finished upscaler)."""
from __future__ import annotations

from studio.core.encoder import EncoderSettings
from studio.core.events import StepMetrics
from studio.core.upscaler import UpscalerSettings
from studio.session.encoding import encoder_curve
from studio.session.events import StageFinished, StageRecord, StageStarted
from studio.session.project import Project
from studio.session.stages import stage_finished, stage_pending
from studio.session.training import TrainingSession


def _tiny_enc(steps=4):
    return EncoderSettings(width=8, steps=steps, batch=4, recon=2, real_batch=2, eval_every=2, held=4)


def _session(project):
    session = TrainingSession(project, quality=False)
    session.stage_settings = {"upscaler": UpscalerSettings(width=8, depth=2, batch=4, steps=2, eval_every=2),
                              "encoder": _tiny_enc()}
    return session


def test_the_encoder_follows_the_upscaler_and_resume_continues_a_stopped_one(tmp_path, make_image_folder,
                                                                             tiny_config):
    cfg = tiny_config(make_image_folder(8, 128, name="big"), kimg=0.064, upscaler_minutes=1.0, encoder_minutes=1.0)
    session = _session(Project.create(tmp_path / "run", cfg))
    started = []
    session.subscribe(lambda ev: started.append(ev.name), StageStarted)
    session.subscribe(lambda ev: ev.name == "encoder" and session.stop(), StageRecord)   # stop at its first evaluation
    assert session.run(cfg) == "stopped"
    run = session.project.path
    assert started == ["upscaler", "encoder"]                          # in this order, after the GAN
    assert stage_finished(run, "upscaler") and stage_pending(run, "encoder")
    assert (run / "encoder.safetensors").is_file() and [r["step"] for r in encoder_curve(run)] == [2]

    again = _session(Project.open(run))                                 # reopened: Resume continues the encoder
    events = []
    again.subscribe(events.append)
    assert again.run(None) == "done"
    assert not any(isinstance(e, StepMetrics) for e in events)          # the GAN did not train again
    assert [e.name for e in events if isinstance(e, StageStarted)] == ["encoder"]
    assert [r["step"] for r in encoder_curve(run)] == [2, 4, 6]         # from the saved state, 4 more steps
    assert stage_finished(run, "encoder")
    done = [e for e in events if isinstance(e, StageFinished)][-1]
    assert done.reason == "finished" and done.text.startswith("The encoder is learnt")

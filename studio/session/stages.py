"""The stages a run learns after its GAN — the upscaler (upscaling.py), the encoder (encoding.py) — as the
TrainingSession drives them: one stage at a time on the training thread, paused, stopped and resumed like the GAN.

    stage = UpscalerStage(run, minutes, emit)     # a RunStage: pause() / resume() / stop() from any thread
    stage.run()                                   # blocks; StageStarted / Progress / Record / Finished events
    stage_pending(run, "encoder")                 # stopped before its minutes: resuming the run continues it

Each stage writes `checkpoints/NAME-stage.json`: its planned minutes, the minutes it learnt so far (a pause is not
spent time) and whether it finished; a stage stopped early continues with what is left, from its saved state.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from studio.core.errors import StudioError
from studio.core.files import atomic_write_text
from studio.core.run import RunFolder

from .events import StageFinished, StageProgress, StageRecord, StageStarted
from .jobs import Job

STAGES = ("upscaler", "encoder")                 # the order they follow the GAN in


def run_folder(run) -> RunFolder:
    folder = run if isinstance(run, RunFolder) else RunFolder(Path(run))
    if not folder.exists():
        raise StudioError(f"{folder.path} is not a GAN Studio run folder (it has no config.json)")
    return folder


def stage_curve(run, name: str) -> list[dict]:
    """The stage's evaluations so far (the Train view's curve of it), oldest first."""
    folder = run_folder(run)
    return folder.read_metrics(name, folder.stage_metrics_file(name))


def curve_writer(folder: RunFolder, name: str, on_record=None):
    """on_record for a stage's training: each evaluation appended to its curve file, then passed on."""
    def record(rec: dict) -> None:
        folder.append_metrics(rec, folder.stage_metrics_file(name))
        if on_record is not None:
            on_record(rec)
    return record


def stage_file_name(name: str) -> str:
    return f"{name}-stage.json"


def stage_status(run, name: str) -> dict:
    """How far the run's stage `name` got: {"minutes": planned, "done_minutes": so far, "finished": bool};
    {} when it never started (or the record is unreadable: it starts afresh, its state file continues)."""
    try:
        st = json.loads((run_folder(run).checkpoints_dir / stage_file_name(name)).read_text(encoding="utf-8"))
        return st if isinstance(st, dict) else {}
    except (OSError, ValueError):
        return {}


def stage_pending(run, name: str) -> bool:
    """The GAN finished and this stage was stopped before its time: resuming the run continues it."""
    st = stage_status(run, name)
    return bool(st) and not st.get("finished")


def stage_finished(run, name: str) -> bool:
    return bool(stage_status(run, name).get("finished"))


def stage_names(cfg) -> list[str]:
    """The stages a run's config (TrainConfig) asks for after its GAN, in order."""
    minutes = {"upscaler": cfg.upscaler_minutes, "encoder": cfg.encoder_minutes}
    return [n for n in STAGES if minutes[n] > 0]


def stages_to_do(run, cfg) -> list[str]:
    return [n for n in stage_names(cfg) if not stage_finished(run, n)]


def stages_pending(run, cfg) -> list[str]:
    """What resuming a trained run continues: the first stage stopped before its time and those after it."""
    names = stage_names(cfg)
    first = next((i for i, n in enumerate(names) if stage_pending(run, n)), None)
    return [] if first is None else [n for n in names[first:] if not stage_finished(run, n)]


def _write_stage(folder: RunFolder, name: str, st: dict) -> None:
    folder.checkpoints_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder.checkpoints_dir / stage_file_name(name), json.dumps(st))


class RunStage:
    """One stage after the GAN, like a trainer to the session: pause() / resume() / stop() from any thread, step
    and kimg (the GAN's, which the Train view keeps showing), run() blocks. Subclasses give `name` and
    prepare(minutes_left, on_record) → (a core StageLoop ready to run, its title, a note or ''), and summary()."""
    name = ""

    def __init__(self, run, minutes: float, emit=None, step: int = 0, kimg: float = 0.0, device="cpu",
                 settings=None):
        self.folder, self.minutes, self.device, self.settings = run_folder(run), minutes, device, settings
        self.emit = emit or (lambda ev: None)
        self.step, self.kimg = step, kimg
        self.job = Job(interval=0.25)

    def pause(self) -> None:
        self.job.pause()

    def resume(self) -> None:
        self.job.resume()

    def stop(self) -> None:
        self.job.cancel()

    @property
    def paused(self) -> bool:
        return self.job.paused

    def prepare(self, minutes: float, on_record):
        raise NotImplementedError

    def summary(self, result, training) -> str:
        raise NotImplementedError

    def run(self):
        """Prepare (reading pictures: StageProgress in `first_unit`), learn; a StudioError as one sentence."""
        st = stage_status(self.folder, self.name)
        done = float(st.get("done_minutes", 0.0)) if st and not st.get("finished") else 0.0
        left = max(self.minutes - done, 0.05)
        _write_stage(self.folder, self.name, {"minutes": self.minutes, "done_minutes": done, "finished": False})
        unit = [getattr(self, "first_unit", "pictures")]
        self.job.on_progress(lambda d, t, text: self.emit(StageProgress(self.name, d, t, unit[0], text)))
        training, title, note = self.prepare(left, lambda rec: self.emit(StageRecord(self.name, rec)))
        unit[0] = "steps" if training.s.steps else "seconds"
        self.emit(StageStarted(self.name, title, left, note))
        t0, res = time.monotonic(), None
        try:
            res = training.run(self.job)
        finally:                                         # the time it learnt: a pause is not spent minutes
            done += (getattr(training, "trained_seconds", 0.0) or time.monotonic() - t0) / 60
            _write_stage(self.folder, self.name, {"minutes": self.minutes, "done_minutes": round(done, 4),
                                                  "finished": res is not None and res.reason == "finished"})
        self.emit(StageFinished(self.name, res.reason, self.summary(res, training)))
        return res

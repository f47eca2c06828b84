"""TrainingSession: one training run of a project as an explicit state machine, for the window and the CLI.

    session = TrainingSession(project, prefs)              # prefs: device, CPU threads, Inception weights
    session.subscribe(print)                               # typed events (core.events + session.events)
    session.run(cfg)            # blocks: scan + train a new run (cfg) or resume (None); returns the reason
    session.pause(); session.resume(); session.stop()      # from any thread
    session.finish()            # end the GAN now (checkpoint) and go on to its stages (upscaler, encoder)
    session.run_stage("encoder", minutes)                  # blocks: one stage alone (a finished run)

    with joined(device_choice) as (world, device):         # one of several processes (torchrun's environment)
        TrainingSession(project, …, world=world, world_device=device).run(…)   # rank 0
        Replica(world, device).run()                        # every other rank: no project, nothing written

States: idle → scanning → training ⇄ paused → stopping → finished, or failed from any working state;
finished and failed runs can run again (resume). Every change is announced with a StateChanged event.
The session alone holds the trainer: nobody else reaches into it.

A run whose config has `upscaler_minutes` / `encoder_minutes` learns its upscaler, then its encoder, after the GAN
reaches its length (or finish()), on the same thread, as stages (stages.RunStage, their news as Stage* events) that
pause and stop like the GAN; a stage stopped before its time is what resuming the run (run(None) without an amount)
continues.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from studio.core.config import TrainConfig
from studio.core.errors import Cancelled, StudioError
from studio.core.events import Failed, Finished, Notice, StepMetrics, ThreadsChanged

from .devices import resolve_device, training_processes
from .errors import describe_error
from .events import Hub, ScanProgress, StateChanged, TrainingStarted
from .preferences import Preferences, apply_threads, inception
from .project import Project
from .settings import resume_plan
from .stages import STAGES, stage_names, stages_pending, stages_to_do
from .training_state import S, TRANSITIONS, SessionError, TrainingState

if TYPE_CHECKING:
    from studio.core.distributed import World


class TrainingSession:
    def __init__(self, project: Project, prefs: Preferences | None = None, device: str | None = None,
                 quality: bool = True, config_overrides: dict | None = None, hub: Hub | None = None,
                 world: World | None = None, world_device=None) -> None:
        """device: a choice made for this session only (--device); else Preferences, else the project's.
        config_overrides: settings changed from now on when resuming (saved, e.g. precision, compile).
        world, world_device: rank 0 of several training processes and its device (joined())."""
        self.project, self.prefs, self.device_choice = project, prefs, device
        if world is None:          # studio.core.distributed imports torch: not on the way to a painted window
            from studio.core.distributed import ALONE as world
        self.world, self.world_device = world, world_device
        self.quality, self.config_overrides = quality, dict(config_overrides or {})
        self.hub = hub or Hub()
        self._lock = threading.Lock()
        self._state = TrainingState.IDLE
        self._trainer = None
        self._pause = False
        self._cancel = threading.Event()
        self._finish = False                 # finish(): the GAN ends now, its stages follow
        self.stage_settings: dict = {}       # stage name → its core settings (tests: a few steps)
        self.reason = ""                     # how the last run ended: done | stopped | cancelled | failed
        self.started: TrainingStarted | None = None
        self.last_step, self.last_kimg = 0, 0.0
        self.hub.subscribe(self._on_threads, ThreadsChanged)   # first: the views read `started` after it

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> TrainingState:
        return self._state

    def subscribe(self, handler, *types):
        return self.hub.subscribe(handler, *types)

    def _to(self, new: TrainingState, only_from: tuple = ()) -> bool:
        with self._lock:
            old = self._state
            if only_from and old not in only_from:
                return False
            if new == old:
                return False
            if new not in TRANSITIONS[old]:
                raise SessionError(f"a training session cannot go from {old.value} to {new.value}")
            self._state = new
        self.hub.emit(StateChanged(new, old))
        return True

    # ------------------------------------------------------------------ control (any thread)
    def pause(self) -> bool:
        self._pause = True
        t = self._trainer
        if t is not None:
            t.pause()
        return self._to(S.PAUSED, (S.TRAINING, S.SCANNING))

    def resume(self) -> bool:
        self._pause = False
        t = self._trainer
        if t is not None:
            t.resume()
        return self._to(S.TRAINING if t is not None else S.SCANNING, (S.PAUSED,))

    def stop(self) -> bool:
        """Stop (a checkpoint is saved first); while scanning, cancel the scan."""
        self._cancel.set()
        t = self._trainer
        if t is not None:
            t.stop()
        return self._to(S.STOPPING, (S.SCANNING, S.TRAINING, S.PAUSED))

    cancel = stop                                     # the worker pattern's name for it

    def finish(self) -> bool:
        """End the GAN at the next step (a checkpoint is saved) and go on to the run's stages; a run without
        any stops (stop()). False when there is no GAN to finish."""
        if not stage_names(self.project.config()):
            return self.stop()
        t = self._trainer
        if self._state not in (S.SCANNING, S.TRAINING, S.PAUSED) or getattr(t, "name", "") in STAGES:
            return False
        self._finish = True
        if t is not None:
            t.stop()
        if self._state == S.PAUSED:
            self.resume()
        return True

    @property
    def stopping(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        """Whether the trainer itself is paused (between two steps)."""
        t = self._trainer
        return bool(t is not None and t.paused)

    @property
    def step(self) -> int:
        t = self._trainer
        return t.step if t is not None else self.last_step

    # ------------------------------------------------------------------ the run (blocks)
    def run(self, cfg: TrainConfig | None = None, kimg: float | None = None, minutes: float | None = None) -> str:
        """Train a new run from `cfg`, or resume the project's run (cfg None): `kimg` more thousand images or
        `minutes`, else the run's own duration (settings.resume_plan). Holds the project's lock throughout.
        Returns done | stopped | cancelled | failed (the reason is also in Finished / Failed events)."""
        if self.state.working:
            raise SessionError("this training session is already running")
        self._start()
        try:
            with self.project.locked_while():
                pending = self._stages_pending() if cfg is None and kimg is None and minutes is None else []
                if pending:
                    return self._run_stages(pending, *self._last_saved(), alone=True)
                return self._run_locked(cfg, kimg, minutes)
        except Exception as e:  # noqa: BLE001 - the lock itself (another GAN Studio has the project)
            self.hub.emit(Failed(describe_error(e, "Training could not start")))
            return self._end("failed", S.FAILED)

    def run_stage(self, name: str, minutes: float | None = None) -> str:
        """One stage alone ("upscaler" / "encoder"), for a trained run (the Train view's Learn upscaler / encoder):
        `minutes`, else the run's own, else the suggestion's. Returns done | stopped | failed."""
        if self.state.working:
            raise SessionError("this training session is already running")
        self._start()
        try:
            with self.project.locked_while():
                return self._run_stages([name], *self._last_saved(), alone=True, minutes=minutes)
        except Exception as e:  # noqa: BLE001 - the lock (another GAN Studio has the project)
            self.hub.emit(Failed(describe_error(e, f"The {name} could not start")))
            return self._end("failed", S.FAILED)

    def run_upscaler(self, minutes: float | None = None) -> str:
        return self.run_stage("upscaler", minutes)

    def _start(self) -> None:
        self._cancel.clear()
        self._pause = self._finish = False
        self._trainer = None
        self.started = None
        self._to(S.SCANNING)

    def _stages_pending(self) -> list[str]:
        if not self.project.trained or self.world.active:
            return []
        return stages_pending(self.project.run, self.project.config())

    def _last_saved(self) -> tuple[int, float]:
        """(step, kimg) of the run's newest checkpoint: what the GAN reached."""
        step = max((s for s, _ in self.project.checkpoints()), default=0)
        return step, step * self.project.config().batch / 1000

    def _run_stages(self, names: list[str], step: int, kimg: float, device=None, alone: bool = False,
                    minutes: float | None = None) -> str:
        """The stages `names` in turn on this thread; after the GAN (alone False) a stage's failure is a notice and
        the next one follows, the GAN's result stands. A stopped stage ends the run (Resume continues it)."""
        self.last_step, self.last_kimg = step, kimg
        reason = "done"
        for name in names:
            reason = self._run_stage(name, minutes, step, kimg, device, alone)
            if reason != "done":
                break
        return self._end(reason, S.FAILED if reason == "failed" else S.FINISHED)

    def _run_stage(self, name: str, minutes, step: int, kimg: float, device, alone: bool) -> str:
        from .settings import STAGE_MINUTES
        try:
            cfg = self.project.config()
            device = device or resolve_device(self.device_choice, self.prefs, cfg.device)
            own = {"upscaler": cfg.upscaler_minutes, "encoder": cfg.encoder_minutes}[name]
            minutes = minutes or own or STAGE_MINUTES[name]["cpu" if device.type == "cpu" else "gpu"]
            stage = _stage_class(name)(self.project.run, minutes, self.hub.emit, step, kimg, device,
                                            self.stage_settings.get(name))
        except Exception as e:  # noqa: BLE001 - one sentence
            return self._stage_failed(name, e, alone)
        self._trainer = stage
        if self._pause:
            stage.pause()
        if self._cancel.is_set():
            stage.stop()
        elif not self._pause:
            self._to(S.TRAINING, (S.SCANNING,))
        try:
            res = stage.run()
        except Cancelled:                                    # while reading the pictures
            return "stopped"
        except Exception as e:  # noqa: BLE001 - pictures too small, the folder gone …: one sentence
            return self._stage_failed(name, e, alone)
        finally:
            self._trainer = None
        return "done" if res.reason == "finished" else "stopped"

    def _stage_failed(self, name: str, e: BaseException, alone: bool) -> str:
        text = describe_error(e, f"The {name} stage stopped")
        if alone:
            self.hub.emit(Failed(text))
            return "failed"
        self.hub.emit(Notice(f"No {name} this time: {text}", "error"))
        return "done"

    def _run_locked(self, cfg, kimg, minutes) -> str:
        processes = training_processes(self.device_choice, self.prefs,
                                       (cfg if cfg is not None else self.project.config()).device)
        if processes > 1 and not self.world.active:
            return self._run_launched(cfg, kimg, minutes, processes)
        try:
            trainer = self._make_trainer(cfg)
        except Cancelled:
            self.hub.emit(Finished(0, 0.0, "cancelled"))
            return self._end("cancelled", S.FINISHED)
        except Exception as e:  # noqa: BLE001 - every failure reaches the artist as one sentence
            self.hub.emit(Failed(describe_error(e, "Training could not start")))
            return self._end("failed", S.FAILED)
        plan = resume_plan(trainer.kimg, trainer.cfg, kimg, minutes)
        if plan.notice:
            self.hub.emit(Notice(plan.notice, "info"))
        if self.quality:
            self._watch_quality(trainer)
        self.started = TrainingStarted(trainer.step, trainer.kimg, self._device_text(trainer),
                                       plan.target_kimg, plan.minutes, trainer.batch, self.world.size)
        self._trainer = trainer
        self.hub.emit(self.started)
        if self._pause:
            trainer.pause()
        if self._cancel.is_set() or self._finish:
            trainer.stop()
        elif not self._pause:
            self._to(S.TRAINING, (S.SCANNING,))
        try:
            reason = trainer.run(kimg=plan.target_kimg or 0.0, minutes=plan.minutes or 0.0)   # 0: no limit
        except Exception as e:  # noqa: BLE001 - Trainer.run reports its own failures; this is the rest
            self.hub.emit(Failed(describe_error(e, "Training stopped")))
            return self._end("failed", S.FAILED)
        follow = self._stages_following(reason, trainer.cfg)
        if follow:
            step, kimg_done, device = trainer.step, trainer.kimg, trainer.device
            self._trainer = trainer = None                   # the GAN's memory goes before the stages' comes
            import gc
            gc.collect()
            return self._run_stages(follow, step, kimg_done, device)
        return self._end(reason, S.FAILED if reason == "failed" else S.FINISHED)

    def _stages_following(self, reason: str, cfg: TrainConfig) -> list[str]:
        """The GAN reached its length (or finish()): the run's stages still to do (rank 0 of a launched run: none,
        the window's process learns them after)."""
        ended = reason == "done" and not self._cancel.is_set() or reason == "stopped" and self._finish
        return stages_to_do(self.project.run, cfg) if ended and not self.world.active else []

    def _run_launched(self, cfg, kimg, minutes, processes: int) -> str:
        """All GPUs: `ganstudio resume` in one process per GPU through torchrun's launcher; rank 0 reports here."""
        from studio.core.distributed import launch
        from . import launched
        try:
            if cfg is not None:
                self.project.save_config(cfg)
            remote = launched.RemoteTrainer()
            remote.link = launched.Link(lambda ev: self._from_rank0(ev, remote))
        except Exception as e:  # noqa: BLE001 - one sentence
            self.hub.emit(Failed(describe_error(e, "Training could not start")))
            return self._end("failed", S.FAILED)
        self._trainer = remote
        if self._pause:
            remote.pause()
        if self._cancel.is_set():
            remote.stop()
        argv = launched.resume_argv(self.project.path, launched_device(), kimg, minutes, self.quality)
        try:
            launch(processes, argv, resume_hint="Start training again in the window", env=remote.link.env())
        except Exception as e:  # noqa: BLE001 - how the processes ended, in one sentence (unless rank 0 said it)
            if remote.reason != "failed":
                self.hub.emit(Failed(describe_error(e, "Training stopped")))
            remote.reason = "failed"
        finally:
            remote.link.close()
        reason = remote.reason or ("cancelled" if self._cancel.is_set() and self.started is None else "done")
        follow = self._stages_following(reason, self.project.config())
        if follow:
            return self._run_stages(follow, remote.step, remote.kimg)          # here, on the first GPU
        return self._end(reason, S.FAILED if reason == "failed" else S.FINISHED)

    def _device_text(self, trainer) -> str:
        """'CPU (2 threads), bf16 mixed precision (auto)' and the like: where the run trains, as it is now."""
        from studio.core.device import describe, precision_text
        return (f"{processes_text(self.world.size)}{describe(trainer.device)}, "
                f"{precision_text(trainer.precision, trainer.cfg.precision)}")

    def _on_threads(self, ev: ThreadsChanged) -> None:
        """The trainer moved to another CPU thread count: what the run trains on says so from now on."""
        if self.started is not None and self._trainer is not None and hasattr(self._trainer, "precision"):
            self.started = replace(self.started, device=self._device_text(self._trainer))

    def _from_rank0(self, ev, remote) -> None:
        """An event of the launched run's rank 0 (the link's thread): the state follows it, then it goes on."""
        if isinstance(ev, TrainingStarted):
            self.started = ev
        elif isinstance(ev, StepMetrics):
            remote.step, remote.kimg = ev.step, ev.kimg
        elif isinstance(ev, Finished):
            remote.step, remote.kimg, remote.reason = ev.step, ev.kimg, ev.reason
        elif isinstance(ev, Failed):
            remote.reason = "failed"
        self.hub.emit(ev)
        if isinstance(ev, TrainingStarted) and not self._pause and not self._cancel.is_set():
            self._to(S.TRAINING, (S.SCANNING,))

    def _make_trainer(self, cfg: TrainConfig | None):
        from studio.core.trainer import Trainer
        saved = cfg if cfg is not None else self.project.config()
        device = self.world_device or resolve_device(self.device_choice, self.prefs, saved.device)
        apply_threads(self.prefs)

        def progress(done, total, name=""):
            self.hub.emit(ScanProgress(done, total, str(name)))
        if cfg is not None:
            return Trainer.create(self.project.path, cfg, on_event=self.hub.emit, progress=progress,
                                  cancel=self._cancel, device=device, world=self.world)
        return Trainer.open(self.project.path, on_event=self.hub.emit, progress=progress, cancel=self._cancel,
                            device=device, config_overrides=self.config_overrides, world=self.world)

    def _watch_quality(self, trainer) -> None:
        """Quality measurements every so often (≤ 5 % of the time), with true FID when Preferences name an
        Inception file."""
        from studio.core.metrics import QualityMonitor
        try:
            net = inception(self.prefs, trainer.device)
        except Exception as e:  # noqa: BLE001 - FID is a bonus: say why, measure the rest
            self.hub.emit(Notice(f"True FID is off for this session: {describe_error(e)}", "warning"))
            net = None
        trainer.evaluator = QualityMonitor(inception=net)

    def _end(self, reason: str, state: TrainingState) -> str:
        self.reason = reason
        t, self._trainer = self._trainer, None        # the trainer's memory (images, models) goes with it
        if t is not None:
            self.last_step, self.last_kimg = t.step, t.kimg
        self._to(state)
        return reason


# ---------------------------------------------------------------------------- several training processes
def launched_device() -> str:
    """The --device of the processes the window starts for 'All GPUs' (tests put the CPU here)."""
    return "cuda"


def processes_text(n: int) -> str:
    """'4 processes × ' before a device's description when training runs in several processes, else ''."""
    return f"{n} processes × " if n > 1 else ""


@contextmanager
def joined(device_choice: str | None = None):
    """(world, device) of this process among torchrun's training processes, for the block; (ALONE, None) when it
    runs alone. Leaving closes the process group."""
    from studio.core import distributed
    world, device = distributed.join(device_choice or "auto")
    try:
        yield world, device
    finally:
        distributed.leave(world)


class Replica:
    """A training process of rank > 0: the settings, the weights and the goal come from rank 0, the images from the
    same folder; it reports only failures (on_event) and never writes the run folder.

        Replica(world, device).run()      # blocks; returns done | stopped | failed. stop() from a signal handler
    """

    def __init__(self, world: World, device, prefs: Preferences | None = None, on_event=None) -> None:
        self.world, self.device, self.prefs = world, device, prefs
        self.emit = on_event or (lambda ev: None)
        self.stopping = False
        self._trainer = None

    def stop(self) -> None:
        """Ask every rank to stop at the next agreed step (rank 0 saves a checkpoint)."""
        self.stopping = True
        if self._trainer is not None:
            self._trainer.stop()

    def run(self) -> str:
        from studio.core.trainer import Trainer
        apply_threads(self.prefs)
        try:
            self._trainer = Trainer.join(self.world, on_event=self.emit, device=self.device)
            if self.stopping:
                self._trainer.stop()
            return self._trainer.run()
        except Exception as e:  # noqa: BLE001 - one sentence, like every other failure
            from studio.core.distributed import lost_peer, lost_rank_message
            lost = lost_peer(e) and not isinstance(e, StudioError)                  # a collective failed
            self.emit(Failed(lost_rank_message(e) if lost else describe_error(e, "Training stopped")))
            return "failed"


def _stage_class(name: str):
    if name == "encoder":
        from .encoding import EncoderStage
        return EncoderStage
    from .upscaling import UpscalerStage
    return UpscalerStage

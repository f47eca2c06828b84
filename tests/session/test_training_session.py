"""TrainingSession: the state machine, the resume rule, typed events, the lock — without Qt."""
from __future__ import annotations

import threading

import pytest

from studio.core.events import Failed, Finished, Notice, StepMetrics
from studio.session.events import ScanProgress, StateChanged, TrainingStarted
from studio.session.project import Project
from studio.session.settings import resume_plan
from studio.session.training import TRANSITIONS, SessionError, TrainingSession, TrainingState as S


def _session(tmp_path, make_image_folder, tiny_config, **cfg):
    data = make_image_folder(16)
    cfg = tiny_config(data, **cfg)
    return TrainingSession(Project.create(tmp_path / "run", cfg), quality=False), cfg


def test_a_run_goes_scanning_training_finished_with_typed_events(tmp_path, make_image_folder, tiny_config):
    session, cfg = _session(tmp_path, make_image_folder, tiny_config)
    events, states = [], []
    session.subscribe(events.append)
    session.subscribe(lambda ev: states.append(ev.state), StateChanged)
    assert session.state == S.IDLE
    assert session.run(cfg) == "done"
    assert states == [S.SCANNING, S.TRAINING, S.FINISHED] and session.state == S.FINISHED
    kinds = {type(e) for e in events}
    assert {ScanProgress, TrainingStarted, StepMetrics, Finished} <= kinds
    assert not session.project.locked and not session.project.run.lock_file.exists()   # the run held the lock


def test_pause_resume_and_stop_from_another_thread(tmp_path, make_image_folder, tiny_config):
    session, cfg = _session(tmp_path, make_image_folder, tiny_config, kimg=100.0)
    states = []
    session.subscribe(lambda ev: states.append(ev.state), StateChanged)
    started = threading.Event()
    session.subscribe(lambda ev: started.set(), StepMetrics)
    t = threading.Thread(target=session.run, args=(cfg,))
    t.start()
    assert started.wait(60)
    assert session.pause() and session.state == S.PAUSED
    assert not session.pause()                                  # no transition from paused to paused
    assert session.resume() and session.state == S.TRAINING
    assert session.stop() and session.state == S.STOPPING
    t.join(60)
    assert session.state == S.FINISHED and session.reason == "stopped"
    assert states == [S.SCANNING, S.TRAINING, S.PAUSED, S.TRAINING, S.STOPPING, S.FINISHED]


def test_stop_while_scanning_cancels(tmp_path, make_image_folder, tiny_config):
    session, cfg = _session(tmp_path, make_image_folder, tiny_config)
    session.subscribe(lambda ev: session.stop(), ScanProgress)   # stop at the first progress report
    finished = []
    session.subscribe(finished.append, Finished)
    assert session.run(cfg) == "cancelled"
    assert session.state == S.FINISHED and finished[-1].reason == "cancelled"


def test_a_failure_is_one_sentence_and_the_state_says_failed(tmp_path, tiny_config):
    (tmp_path / "empty").mkdir()
    session = TrainingSession(Project.create(tmp_path / "run", tiny_config(tmp_path / "empty")), quality=False)
    failed = []
    session.subscribe(failed.append, Failed)
    assert session.run(session.project.config()) == "failed"
    assert session.state == S.FAILED and session.started is None
    assert failed[0].reason.startswith("No files") or failed[0].reason.startswith("No usable")
    assert "Error" not in failed[0].reason                    # a sentence, not a class name


def test_transitions_are_explicit():
    assert TRANSITIONS[S.IDLE] == {S.SCANNING}
    assert S.TRAINING not in TRANSITIONS[S.FINISHED]
    assert all(s.working for s in (S.SCANNING, S.TRAINING, S.PAUSED, S.STOPPING))
    assert not any(s.working for s in (S.IDLE, S.FINISHED, S.FAILED))
    s = TrainingSession(Project("/nowhere"))
    with pytest.raises(SessionError):
        s._to(S.TRAINING)


def test_resume_plan_is_written_once():
    from studio.core.config import TrainConfig
    cfg = TrainConfig(kimg=2.0)
    assert resume_plan(0.5, cfg).target_kimg == 2.0 and not resume_plan(0.5, cfg).notice
    done = resume_plan(2.0, cfg)
    assert done.target_kimg == 4.0 and "already reached its 2 thousand images" in done.notice
    assert resume_plan(2.0, cfg, more_kimg=1.0).target_kimg == 3.0
    assert resume_plan(2.0, cfg, minutes=5).minutes == 5 and resume_plan(2.0, cfg, minutes=5).target_kimg is None
    assert resume_plan(0.0, TrainConfig(kimg=0, minutes=3)).minutes == 3


def test_a_second_session_on_a_locked_project_fails_in_words(tmp_path, make_image_folder, tiny_config):
    import json
    import os
    import socket
    session, cfg = _session(tmp_path, make_image_folder, tiny_config)
    session.project.run.lock_file.write_text(json.dumps({"pid": os.getppid(), "host": socket.gethostname()}))
    failed = []
    session.subscribe(failed.append, Failed)
    assert session.run(cfg) == "failed"
    assert "open in another GAN Studio" in failed[0].reason


def test_notices_reach_subscribers_by_type(tmp_path, make_image_folder, tiny_config):
    session, cfg = _session(tmp_path, make_image_folder, tiny_config)
    session.run(cfg)
    notes = []
    session.subscribe(notes.append, Notice)
    session.run(None)                                           # resume a finished run: as long again
    assert any("already reached" in n.message for n in notes)
    assert session.started.target_kimg == pytest.approx(2 * cfg.kimg, rel=0.05)


def test_a_minutes_run_resumed_for_kimg_reaches_its_kimg_not_the_old_time_limit(tmp_path, make_image_folder,
                                                                                 tiny_config):
    """`ganstudio resume RUN --kimg K` on a run started with --minutes M: K more thousand images, no time limit."""
    session, cfg = _session(tmp_path, make_image_folder, tiny_config, kimg=0.0, minutes=0.005)   # 0.3 s
    assert session.run(cfg) == "done"
    done = Project.open(session.project.path).checkpoints()[0][0] * cfg.batch / 1000
    finished = []
    again = TrainingSession(Project.open(session.project.path), quality=False)
    again.subscribe(finished.append, Finished)
    assert again.run(kimg=1.6) == "done"                        # 100 steps: far longer than 0.3 s
    assert finished[-1].kimg >= done + 1.6 - 1e-6
    assert Project.open(session.project.path).config().minutes == 0.005     # the run's own setting is kept

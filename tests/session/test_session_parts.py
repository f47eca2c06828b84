"""The session layer's small parts: projects, recent projects, preferences, paths, history, lists, jobs, hub."""
from __future__ import annotations

import errno
import threading
from pathlib import Path

import pytest

from studio.core.config import ConfigError, TrainConfig
from studio.core.errors import Cancelled, StudioError
from studio.core.events import Notice, StepMetrics
from studio.core.run import ProjectError
from studio.session import paths
from studio.session.errors import describe_error
from studio.session.events import Hub, ScanProgress
from studio.session.history import History
from studio.session.jobs import Job
from studio.session.preferences import MemoryStore, PreferenceError, Preferences, export_folder
from studio.session.project import Project, RecentProjects
from studio.session.studio import Studio, TrainingRunning


def test_project_open_create_lock_and_close(tmp_path):
    with pytest.raises(ProjectError, match="not a GAN Studio project"):
        Project.open(tmp_path)
    (tmp_path / "odd" / "config.json").mkdir(parents=True)      # a folder called config.json is not a project
    with pytest.raises(ProjectError):
        Project.open(tmp_path / "odd")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ProjectError, match="is a file"):
        Project.create(tmp_path / "a-file", TrainConfig())
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text("{nope")
    with pytest.raises(ConfigError, match="nothing was changed"):
        Project.open(bad)
    p = Project.new_for_images(tmp_path, tmp_path / "projects")
    q = Project.new_for_images(tmp_path, tmp_path / "projects")
    assert p.path.name != q.path.name and p.created_here
    p.lock()
    p.lock()                                                    # twice is fine
    with p.locked_while():
        pass
    assert p.locked and p.run.lock_file.exists()
    assert not p.close() and not p.path.exists()               # made here, never trained: removed
    assert not p.locked
    kept = Project.open(q.path)
    assert kept.close() and kept.path.exists()
    r = Project.new_for_images(tmp_path, tmp_path / "projects")   # kinds renamed by the artist: theirs, kept
    cfg = r.config()
    cfg.class_rules = {"food": "snacks"}
    r.save_config(cfg)
    assert r.close() and Project.open(r.path).config().class_rules == {"food": "snacks"}


def test_recent_projects_offer_only_projects(tmp_path):
    store = MemoryStore()
    recent = RecentProjects(store, limit=2)
    runs = [Project.create(tmp_path / f"p{i}", TrainConfig()).path for i in range(3)]
    for r in runs:
        recent.add(r)
    assert recent.paths() == [runs[2], runs[1]]
    (runs[2] / "config.json").unlink()
    assert recent.paths() == [runs[1]]
    recent.forget(runs[1])
    assert recent.paths() == []


def test_studio_owns_the_project_and_its_session(tmp_path, make_image_folder):
    store = MemoryStore({"projects_dir": str(tmp_path / "projects")})
    studio = Studio(store)
    seen = []
    studio.subscribe(lambda ev: seen.append(ev.project))
    p = studio.new_project(make_image_folder(4))
    assert studio.project is p and studio.training.project is p and seen == [p]
    studio.training._state = studio.training.state.TRAINING  # as if a run were going on
    with pytest.raises(TrainingRunning):
        studio.close_project()
    studio.training._state = studio.training.state.IDLE
    studio.close_project()
    assert studio.project is None and studio.training is None and seen[-1] is None


def test_preferences_load_check_and_export_folder(tmp_path):
    store = MemoryStore({"prefs/device": "tpu", "prefs/cpu_threads": "lots"})
    p = Preferences.load(store)
    assert (p.device, p.cpu_threads, p.theme) == ("auto", 0, "dark")
    with pytest.raises(PreferenceError, match="does not exist"):
        p.replace(feature_weights=str(tmp_path / "none.pt")).save(store)
    assert store.get("prefs/feature_weights") is None          # nothing stored from a form that cannot work
    p.replace(export_dir=str(tmp_path / "out")).save(store)
    assert export_folder(Preferences.load(store), tmp_path / "proj") == tmp_path / "out"
    assert export_folder(Preferences(), tmp_path / "proj") == tmp_path / "proj" / "exports"
    assert export_folder(None).name == "GAN Studio"


def test_user_data_is_one_folder_named_after_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    d = paths.demo_images_dir()
    assert d.parent.name == "GAN Studio" and d.parent.parent.name != "GAN Studio"


def test_describe_error_is_one_sentence_without_class_names():
    assert describe_error(ConfigError("resolution must be a power of two")) == "resolution must be a power of two"
    full = OSError(errno.ENOSPC, "No space left on device")
    assert describe_error(full).startswith("The disk is full")
    exists = FileExistsError(errno.EEXIST, "File exists", "/tmp/out")
    assert describe_error(exists) == "/tmp/out already exists: choose another name or folder."
    assert "[Errno" not in describe_error(PermissionError(errno.EACCES, "Permission denied", "/x"))
    assert describe_error(ValueError("odd"), "Training could not start") == "Training could not start: ValueError: odd."


def test_history_merges_a_drag_and_undoes_in_order():
    applied = []
    h = History(applied.append)
    h.push("Seed", 0, 1)
    h.push("ψ", 1, 2, key=("psi", 0))
    h.push("ψ", 2, 3, key=("psi", 0))                          # the same drag: one step
    assert len(h) == 2 and h.pushes == 2 and h.undo_text == "ψ"
    assert h.undo() and applied == [1]
    assert h.undo() and applied == [1, 0] and not h.can_undo
    assert h.redo() and applied[-1] == 1
    h.push("Seed", 1, 5)                                        # a new edit drops the redo tail
    assert not h.can_redo and len(h) == 2


def test_job_throttles_progress_and_cancels():
    job = Job(interval=10.0)
    seen = []
    job.on_progress(lambda d, t, text: seen.append(d))
    for i in range(1, 101):
        job.progress(i, 100)
    assert seen == [1, 100]                                     # the first and always the last
    job.pause()
    t = threading.Timer(0.05, job.cancel)
    t.start()
    with pytest.raises(Cancelled):
        job.check()                                             # waits while paused, then stops


def test_hub_dispatches_by_type():
    hub, got, everything = Hub(), [], []
    off = hub.subscribe(got.append, Notice)
    hub.subscribe(everything.append)
    note = Notice("hello")
    hub.emit(note)
    hub.emit(ScanProgress(1, 2))
    off()
    hub.emit(Notice("again"))
    assert got == [note] and len(everything) == 3


def test_every_core_error_is_a_studio_error():
    import importlib
    import pkgutil

    import studio.core as core
    for m in pkgutil.walk_packages(core.__path__, "studio.core."):
        mod = importlib.import_module(m.name)
        for name, obj in vars(mod).items():
            if isinstance(obj, type) and issubclass(obj, Exception) and obj.__module__ == mod.__name__ \
                    and not name.startswith("_"):
                assert issubclass(obj, StudioError), f"{m.name}.{name} is not a StudioError"


def test_step_metrics_record_keeps_its_kind():
    ev = StepMetrics(1, 0.1, 1, 1, 0.5, 0.5, 10, None, 1e-4, 1e-4, None, 1.0)
    assert ev.to_dict()["kind"] == "step" and not hasattr(ev, "kind")


def test_project_checkpoints_use_the_one_listing(tmp_path):
    run = Project.create(tmp_path / "r", TrainConfig())
    (run.run.checkpoints_dir / "ckpt-000000010.safetensors").write_bytes(b"")
    (run.run.checkpoints_dir / "ckpt-garbage.safetensors").write_bytes(b"")
    assert [s for s, _ in run.checkpoints()] == [10] and run.trained
    assert run.model_file() == run.run.checkpoints_dir / "ckpt-000000010.safetensors"
    run.best_file.write_bytes(b"")
    assert run.model_file() == run.best_file == Path(tmp_path / "r" / "best.safetensors")

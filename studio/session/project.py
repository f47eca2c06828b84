"""A project: one run folder, and the only object that reads or writes it for the window and the commands.

    project = Project.open(path)              # one sentence (ProjectError, ConfigError) when it cannot be used
    project = Project.create(path, cfg)       # `ganstudio train --out` and the window's New Project
    project.lock(); …; project.unlock()       # one writer: a second GAN Studio is told the project is in use
    project.config(); project.save_config(cfg)
    project.checkpoints(); project.model_file(); project.sample_files(); project.metrics()
    project.pictures(record["missing"])       # (file name, picture) of training images by dataset index
    Project.of_model(path)                    # the project a checkpoint or best.safetensors belongs to

The folder's layout itself lives in studio.core.run (RunFolder), which the engine writes.
"""
from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from studio.core.config import ConfigError, TrainConfig
from studio.core.run import ProjectError, ProjectLocked, RunFolder, is_project, run_of

__all__ = ["Project", "RecentProjects", "ProjectError", "ProjectLocked", "is_project"]

from .preferences import Store
from .settings import SettingsDraft

MAX_RECENT = 10


class Project:
    def __init__(self, path: Path | str) -> None:
        self.run = RunFolder(path)
        self.created_here = False          # made by this session and never trained: closing it removes it
        self.settings_draft = SettingsDraft()   # a new project's suggestion inputs and hand-edited fields
        self._locked = False

    # ------------------------------------------------------------------ finding and making projects
    @classmethod
    def open(cls, path: Path | str) -> "Project":
        path = Path(path)
        if not is_project(path):
            raise ProjectError(f"{path} is not a GAN Studio project (it has no config.json). Choose the project "
                               "folder itself, or start a new project from a folder of images.")
        project = cls(path)
        try:
            project.config()
        except ConfigError as e:
            raise ConfigError(f"{e}. The file may be damaged; nothing was changed.") from None
        return project

    @classmethod
    def create(cls, path: Path | str, cfg: TrainConfig) -> "Project":
        project = cls(path)
        project.run.create(cfg.validate())
        project.created_here = True
        return project

    @classmethod
    def new_for_images(cls, image_dir: Path | str, projects_dir: Path | str) -> "Project":
        """A new project under `projects_dir`, named after the image folder ("flowers", "flowers 2" …)."""
        image_dir = Path(image_dir)
        if not image_dir.is_dir():
            raise ProjectError(f"{image_dir} is not a folder. Choose a folder that contains your images.")
        base = re.sub(r"[^\w\- ]+", "_", image_dir.name).strip() or "project"
        cand, n = Path(projects_dir) / base, 2
        while cand.exists():
            cand, n = Path(projects_dir) / f"{base} {n}", n + 1
        try:
            return cls.create(cand, TrainConfig(data_dir=str(image_dir)))
        except OSError as e:
            raise ProjectError(f"GAN Studio could not create {cand} ({e.strerror or e}). Check that the disk has "
                               "free space and that you may write there, or change the projects folder.") from None

    @classmethod
    def of_model(cls, model_path: Path | str) -> "Project | None":
        run = run_of(model_path)
        return cls(run.path) if run is not None else None

    # ------------------------------------------------------------------ identity
    @property
    def path(self) -> Path:
        return self.run.path

    @property
    def name(self) -> str:
        return self.run.path.name

    def __eq__(self, other) -> bool:
        return isinstance(other, Project) and self.path.resolve() == other.path.resolve()

    def __hash__(self) -> int:
        return hash(self.path.resolve())

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r})"

    # ------------------------------------------------------------------ settings
    def config(self) -> TrainConfig:
        return self.run.config()

    def save_config(self, cfg: TrainConfig) -> None:
        """Save the training settings (validated); refused once the project has trained."""
        if self.trained:
            raise ProjectError("the settings are fixed once training has started: start a new project to "
                               "change them")
        cfg.validate().save(self.run.config_file)

    # ------------------------------------------------------------------ one writer
    def lock(self) -> None:
        """Take the project's lock (ProjectLocked when another GAN Studio has it); taking it twice is fine."""
        if not self._locked:
            self.run.acquire_lock()
            self._locked = True

    def unlock(self) -> None:
        if self._locked:
            self.run.release_lock()
            self._locked = False

    @property
    def locked(self) -> bool:
        return self._locked

    @contextmanager
    def locked_while(self):
        """Hold the lock for a block; a lock held before stays held after."""
        had = self._locked
        self.lock()
        try:
            yield self
        finally:
            if not had:
                self.unlock()

    # ------------------------------------------------------------------ what it holds
    def checkpoints(self) -> list[tuple[int, Path]]:
        return self.run.checkpoints()

    @property
    def trained(self) -> bool:
        """Whether training has saved a checkpoint (from then on the settings are fixed)."""
        return self.run.has_checkpoint()

    @property
    def best_file(self) -> Path:
        return self.run.best_file

    def model_file(self) -> Path | None:
        return self.run.model_file()

    def sample_files(self) -> list[tuple[int, Path]]:
        return self.run.sample_files()

    @property
    def has_upscaler(self) -> bool:
        return self.run.upscaler_file.is_file()

    @property
    def has_encoder(self) -> bool:
        return self.run.encoder_file.is_file()

    def upscaler_curve(self) -> list[dict]:
        """The upscaler stage's evaluations so far (session.upscaling.upscaler_curve, without loading PyTorch)."""
        return self.stage_curve("upscaler")

    def stage_curve(self, name: str) -> list[dict]:
        """A stage's evaluations so far ("upscaler", "encoder"), oldest first."""
        return self.run.read_metrics(name, self.run.stage_metrics_file(name))

    def metrics(self, kind: str | None = None) -> list[dict]:
        return self.run.read_metrics(kind)

    def pictures(self, indices) -> list[tuple[str, object] | None]:
        """(file name, uint8 picture or None) of the training images at these dataset indices, e.g. a quality
        record's `missing` (studio.core.dataset.run_pictures: scan.json's names, the cached pixels); None for an
        index the run's list does not have."""
        from studio.core.dataset import run_pictures
        return run_pictures(self.run.cache_dir, self.run.scan_file, indices)

    def has_history(self) -> bool:
        return self.trained or bool(self.run.read_metrics("step"))

    def is_empty(self) -> bool:
        """Never trained: no checkpoint and no metrics."""
        return not self.trained and not self.run.metrics_file.exists()

    def scan(self, cfg: TrainConfig, job=None):
        """Scan and cache cfg.data_dir with cfg's preprocessing into the project's cache (a hit is instant)."""
        from studio.core.dataset import build_dataset
        return build_dataset(cfg.validate(), self.run.cache_dir, job.progress if job else None,
                             job.cancel_event if job else None)

    def chosen(self) -> bool:
        """The artist chose something here: a setting by hand, kinds renamed, merged or ignored, or another way to
        make kinds. Such a project is theirs even before it trains."""
        if self.settings_draft.edited:
            return True
        try:
            cfg = self.run.config()
        except (OSError, ValueError):
            return False
        return bool(cfg.class_rules) or cfg.classes != "auto"

    def close(self) -> bool:
        """Release the project; a project made here that never trained and holds no choice of the artist's (chosen)
        is removed. True when it was kept."""
        if self.created_here and self.is_empty() and not self.chosen():
            self.unlock()
            shutil.rmtree(self.path, ignore_errors=True)
            return False
        self.unlock()
        return True


class RecentProjects:
    """The recently used projects (newest first), kept in a store; folders that are no longer projects are
    never offered."""
    KEY = "recent"

    def __init__(self, store: Store, limit: int = MAX_RECENT) -> None:
        self.store, self.limit = store, limit

    def _raw(self) -> list[str]:
        v = self.store.get(self.KEY, []) or []
        return [v] if isinstance(v, str) else [str(x) for x in v]

    def paths(self) -> list[Path]:
        return [Path(p) for p in self._raw() if is_project(p)]

    def add(self, path: Path | str) -> None:
        p = str(Path(path))
        self.store.set(self.KEY, ([p] + [r for r in self._raw() if r != p])[:self.limit])

    def forget(self, path: Path | str) -> None:
        self.store.set(self.KEY, [r for r in self._raw() if r != str(Path(path))])

    def clear(self) -> None:
        self.store.set(self.KEY, [])

"""A run folder (= a project): config.json, metrics.jsonl, scan.json, samples/, checkpoints/, cache/, best.safetensors,
upscaler.safetensors and upscaler-metrics.jsonl (the upscaler stage's file and curve), encoder.safetensors and
encoder-metrics.jsonl (the encoder stage's).

The folder's layout is written here once (torch-free, so the window can read it before PyTorch loads):
`RunFolder.exists()` is what makes a folder a project, `checkpoints()` lists its training checkpoints and
`best_file` / `model_file()` name the model it opens with. studio.session.Project builds on it.
"""
from __future__ import annotations

import json
import os
import re
import socket
import time
from pathlib import Path

from .config import TrainConfig
from .files import atomic_write_text
from .errors import StudioError


BEST_NAME = "best.safetensors"                  # the EMA generator with the best quality so far
UPSCALER_NAME = "upscaler.safetensors"          # the run's ×2/×4 upscaler (the best so far)
ENCODER_NAME = "encoder.safetensors"            # the run's encoder: picture → latent (the best so far)
CKPT_RE = re.compile(r"^ckpt-(\d{9})\.safetensors$")


class ProjectLocked(StudioError, RuntimeError):
    """Another GAN Studio process has this project open."""


class ProjectError(StudioError, ValueError):
    """A folder that is not, or cannot become, a project; the message says why and what to do."""


def checkpoint_name(step: int) -> str:
    return f"ckpt-{step:09d}.safetensors"


def list_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """(step, path) for every checkpoint in folder, newest first."""
    out = []
    try:
        for name in os.listdir(folder):
            m = CKPT_RE.match(name)
            if m:
                out.append((int(m.group(1)), Path(folder) / name))
    except OSError:
        return []
    return sorted(out, reverse=True)


class RunFolder:
    def __init__(self, path: Path | str):
        self.path = Path(path)

    # layout
    config_file = property(lambda self: self.path / "config.json")
    metrics_file = property(lambda self: self.path / "metrics.jsonl")
    scan_file = property(lambda self: self.path / "scan.json")
    samples_dir = property(lambda self: self.path / "samples")
    checkpoints_dir = property(lambda self: self.path / "checkpoints")
    cache_dir = property(lambda self: self.path / "cache")
    lock_file = property(lambda self: self.path / ".lock")
    best_file = property(lambda self: self.path / BEST_NAME)
    upscaler_file = property(lambda self: self.path / UPSCALER_NAME)
    encoder_file = property(lambda self: self.path / ENCODER_NAME)

    def exists(self) -> bool:
        """Whether this folder is a GAN Studio project (the one test: it has a config.json)."""
        return self.config_file.is_file()

    def checkpoints(self) -> list[tuple[int, Path]]:
        """(step, path) of the training checkpoints, newest first."""
        return list_checkpoints(self.checkpoints_dir)

    def has_checkpoint(self) -> bool:
        return bool(self.checkpoints())

    def model_file(self) -> Path | None:
        """The model the folder opens with: best.safetensors, else the newest checkpoint; None before any."""
        if self.best_file.is_file():
            return self.best_file
        found = self.checkpoints()
        return found[0][1] if found else None

    def create(self, cfg: TrainConfig) -> "RunFolder":
        if self.path.exists() and not self.path.is_dir():
            raise ProjectError(f"{self.path} is a file, not a folder: choose a new folder for the project")
        for d in (self.path, self.samples_dir, self.checkpoints_dir, self.cache_dir):
            d.mkdir(parents=True, exist_ok=True)
        cfg.save(self.config_file)
        return self

    def config(self) -> TrainConfig:
        return TrainConfig.load(self.config_file)

    def stage_metrics_file(self, stage: str) -> Path:
        """A stage's curve after the GAN ("upscaler", "encoder"): one line per evaluation."""
        return self.path / f"{stage}-metrics.jsonl"

    # metrics history
    def append_metrics(self, record: dict, path: Path | None = None) -> None:
        with open(path or self.metrics_file, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def read_metrics(self, kind: str | None = None, path: Path | None = None) -> list[dict]:
        """Every well-formed line of metrics.jsonl (or `path`: a stage's); a torn last line from a
        crash is ignored."""
        out = []
        try:
            with open(path or self.metrics_file, encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(rec, dict) and (kind is None or rec.get("kind", "step") == kind):
                        out.append(rec)
        except FileNotFoundError:
            pass
        return out

    def truncate_metrics(self, after_step: int) -> None:
        """Drop history past a checkpoint we resume from, so the curves stay one consistent story."""
        if not self.metrics_file.exists():
            return
        keep = [r for r in self.read_metrics() if int(r.get("step", 0)) <= after_step]
        atomic_write_text(self.metrics_file, "".join(json.dumps(r) + "\n" for r in keep))

    def sample_files(self) -> list[tuple[int, Path]]:
        """(step, path) of saved sample grids, oldest first."""
        out = []
        if self.samples_dir.is_dir():
            for p in self.samples_dir.glob("step-*.png"):
                try:
                    out.append((int(p.stem.split("-")[1]), p))
                except (IndexError, ValueError):
                    continue
        return sorted(out)

    # single-writer lock with stale-lock recovery
    def acquire_lock(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "time": time.time()}
        for _ in range(2):
            try:
                fd = os.open(self.lock_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._lock_holder()
                if holder is not None and holder.get("pid") == os.getppid() and "TORCHELASTIC_RUN_ID" in os.environ \
                        and holder.get("host") == socket.gethostname():
                    return       # a training process torchrun's agent started in the holder (the window: All GPUs)
                if holder is not None and self._alive(holder):
                    raise ProjectLocked(f"The project {self.path.name} is open in another GAN Studio "
                                        f"(process {holder.get('pid')}); close it there first.") from None
                try:
                    self.lock_file.unlink()       # stale: its process is gone
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w") as f:
                json.dump(me, f)
            return
        raise ProjectLocked(f"Could not lock the project {self.path.name}; try again.")

    def release_lock(self) -> None:
        holder = self._lock_holder()
        if holder is not None and holder.get("pid") == os.getpid():
            try:
                self.lock_file.unlink()
            except FileNotFoundError:
                pass

    def _lock_holder(self) -> dict | None:
        try:
            return json.loads(self.lock_file.read_text())
        except (OSError, json.JSONDecodeError):
            return None

    @staticmethod
    def _alive(holder: dict) -> bool:
        if holder.get("host") != socket.gethostname():
            return True                           # cannot check another machine: assume in use
        pid = holder.get("pid")
        if not isinstance(pid, int) or pid <= 0:
            return False
        if pid == os.getpid():
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def is_project(path: Path | str) -> bool:
    return RunFolder(path).exists()


def run_of(path: Path | str) -> RunFolder | None:
    """The run folder a model belongs to: the folder itself, or the run around checkpoints/ckpt-….safetensors
    or best.safetensors. None for a file that lives anywhere else (an exported or bundled model)."""
    path = Path(path).resolve()
    for cand in (path, path.parent, path.parent.parent):
        run = RunFolder(cand)
        if run.exists() and (cand == path or path.parent in (run.path, run.checkpoints_dir)):
            return run
    return None


def companion_file(model_or_path, file_name: str) -> Path:
    """Where a model's companion file (the upscaler's, the encoder's: `file_name`) is or would be written: in the
    run folder the model belongs to (or that is given), else beside a loose NAME.safetensors as NAME.`file_name`
    (the bundled demo model's `demo.upscaler.safetensors`)."""
    path = Path(getattr(model_or_path, "path", model_or_path))
    run = run_of(path) if path.exists() else None
    if run is not None:
        return run.path / file_name
    if path.is_dir():
        return path / file_name
    return path.with_name(f"{path.stem}.{file_name}")


def find_config(path: Path | str, model=None) -> TrainConfig | None:
    """The training settings behind a model: its run's config.json, else those recorded in the file."""
    run = run_of(path)
    if run is not None:
        try:
            return run.config()
        except ValueError:
            pass
    recorded = getattr(model, "meta", {}).get("config") if model is not None else None
    if isinstance(recorded, dict):
        try:
            return TrainConfig.from_dict(recorded)
        except (ValueError, TypeError):
            return None
    return None

"""Where the explorer keeps what an artist makes on a model — keyframes, favourites, directions and their names,
and the explorer's position — so that it belongs to the model, not to whatever project the window has open.

    folder = model_home(model.path, model.identity)

- a model of a run (its best.safetensors, a checkpoint, the run folder): the run folder, so it travels with the
  project and every checkpoint of the run shares it;
- the bundled demo model, or a loose model in a folder GAN Studio may not write to: a folder per model under the
  user's data folder (…/GAN Studio/models/<identity>), never inside the installed package;
- any other loose model file: a folder beside it, `<name>.ganstudio/`, so copying the two keeps them together.

The window and `ganstudio animate --keyframes` both ask here, so they find the same keyframes.
"""
from __future__ import annotations

import os
from pathlib import Path

from studio.core.demo_data import demo_model_path
from studio.core.run import run_of

from .paths import user_data_dir

SIDECAR_SUFFIX = ".ganstudio"


def _is_demo(path: Path) -> bool:
    demo = demo_model_path()
    if demo is None:
        return False
    try:
        return path.resolve() == Path(demo).resolve()
    except OSError:
        return False


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def per_user_home(identity: str) -> Path:
    """The folder for a model GAN Studio keeps nothing beside (the demo model, a read-only location)."""
    safe = "".join(ch for ch in identity if ch.isalnum() or ch in "-_")[:64] or "unknown"
    return user_data_dir() / "models" / safe


def model_home(model_path: Path | str, identity: str) -> Path:
    """The folder that holds the explorer's keyframes, favourites, directions and position for this model."""
    path = Path(model_path)
    run = run_of(path)
    if run is not None:
        return run.path
    if _is_demo(path) or not _writable(path.parent):
        return per_user_home(identity)
    return path.parent / f"{path.stem}{SIDECAR_SUFFIX}"

"""Which device a training run or a model uses: written once for the window and every command.

The first choice that is not 'auto' wins: the one made for this task (a command's --device), then
Preferences → Training device (the window), then the project's own setting; 'auto' everywhere means
CUDA, then Apple MPS, then the CPU (core.device.pick_device).
"""
from __future__ import annotations

from pathlib import Path

from .preferences import Preferences


def device_choice(explicit: str | None = None, prefs: Preferences | None = None, project: str | None = None) -> str:
    for choice in (explicit, prefs.device if prefs is not None else None, project):
        if choice and choice != "auto":
            return choice
    return "auto"


def resolve_device(explicit: str | None = None, prefs: Preferences | None = None, project: str | None = None):
    """→ torch.device (raises core.device.DeviceError, one sentence, for a device that is not there)."""
    from studio.core.device import pick_device
    return pick_device(device_choice(explicit, prefs, project))


def device_type(explicit: str | None = None, prefs: Preferences | None = None, project: str | None = None) -> str:
    """'cpu', 'cuda' or 'mps': the kind of device a run will use, for the settings suggestion. A device that
    was chosen counts even when it is missing here (starting the run then says so)."""
    choice = device_choice(explicit, prefs, project)
    return choice.split(":")[0] if choice != "auto" else resolve_device("auto").type


def load_model(path: Path | str, explicit: str | None = None, prefs: Preferences | None = None):
    """A generator (run folder, checkpoint or exported model; `demo` = the bundled demo model) loaded on the
    resolved device. Slow (reads and hashes the file): call it on a worker, never on a UI thread."""
    from studio.core.checkpoint import load_generator
    return load_generator(model_source(path), resolve_device(explicit, prefs))


def model_source(path: Path | str) -> Path:
    """Where a model named on the command line or in a dialog is: `demo` is the bundled demo model (unless a file
    or folder of that name exists here), anything else is a path."""
    if str(path) == "demo" and not Path(path).exists():
        from studio.core.checkpoint import CheckpointError
        from studio.core.demo_data import demo_model_path
        found = demo_model_path()
        if found is None:
            raise CheckpointError("the bundled demo model is missing from this installation (see ganstudio --version)")
        return Path(found)
    return Path(path)

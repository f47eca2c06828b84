"""Which device a training run or a model uses: written once for the window and every command.

The first choice that is not 'auto' wins: the one made for this task (a command's --device), then
Preferences → Training device (the window), then the project's own setting; 'auto' everywhere means
CUDA, then Apple MPS, then the CPU (core.device.pick_device). On a machine with more than one GPU there is one
more choice, 'cuda:all' ("All GPUs (N)"): training then runs in one process per GPU (studio/core/distributed.py,
session/launched.py); anything else that needs one device (the explorer, exports) uses the first GPU.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .preferences import Preferences


ALL_GPUS = "cuda:all"
LABELS = {"auto": "Automatic (GPU when there is one)", "cpu": "CPU", "cuda": "NVIDIA GPU (CUDA)",
          "mps": "Apple GPU (MPS)"}


def gpu_count() -> int:
    """CUDA GPUs PyTorch sees, once PyTorch is loaded (the window probes the device on a thread at start); 0
    before, so asking never loads PyTorch on a UI thread."""
    torch = sys.modules.get("torch")
    try:
        return int(torch.cuda.device_count()) if torch is not None and torch.cuda.is_available() else 0
    except Exception:  # noqa: BLE001 - a broken driver is no GPU
        return 0


def device_options(gpus: int | None = None, current: str = "auto") -> list[tuple[str, str]]:
    """(choice, label) for a device picker: "All GPUs (N)" is there with more than one GPU (or when chosen before)."""
    gpus = gpu_count() if gpus is None else gpus
    out = list(LABELS.items())
    if gpus > 1 or current == ALL_GPUS:
        out.append((ALL_GPUS, f"All GPUs ({gpus})" if gpus > 1 else "All GPUs"))
    return out


def training_processes(explicit: str | None = None, prefs: Preferences | None = None, project: str | None = None,
                       gpus: int | None = None) -> int:
    """How many training processes the choice means here: one per GPU for 'All GPUs' with more than one GPU, else
    one (a choice made on a bigger machine trains on the one GPU here, as 'cuda')."""
    if device_choice(explicit, prefs, project) != ALL_GPUS:
        return 1
    gpus = gpu_count() if gpus is None else gpus
    return gpus if gpus > 1 else 1


def device_choice(explicit: str | None = None, prefs: Preferences | None = None, project: str | None = None) -> str:
    for choice in (explicit, prefs.device if prefs is not None else None, project):
        if choice and choice != "auto":
            return choice
    return "auto"


def resolve_device(explicit: str | None = None, prefs: Preferences | None = None, project: str | None = None):
    """→ torch.device (raises core.device.DeviceError, one sentence, for a device that is not there). 'All GPUs' is
    the first GPU here: the training processes each take their own (studio/core/distributed.py)."""
    from studio.core.device import pick_device
    choice = device_choice(explicit, prefs, project)
    return pick_device("cuda" if choice == ALL_GPUS else choice)


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

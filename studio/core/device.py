"""Picking the compute device: auto = CUDA, then Apple MPS, then CPU."""
from __future__ import annotations

import torch


class DeviceError(RuntimeError):
    pass


def pick_device(name: str = "auto") -> torch.device:
    name = (name or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("CUDA was asked for but this PyTorch build sees no CUDA GPU: choose the CPU "
                          "(Preferences → Device, or --device cpu), or install a CUDA build of PyTorch (see README)")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise DeviceError("Apple MPS was asked for but is not available; use --device cpu")
    if name not in ("cpu", "mps") and not name.startswith("cuda"):
        raise DeviceError(f"unknown device '{name}': use auto, cpu, cuda or mps")
    return torch.device(name)


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        i = device.index or 0
        return f"CUDA: {torch.cuda.get_device_name(i)}"
    if device.type == "mps":
        return "Apple MPS"
    return f"CPU ({torch.get_num_threads()} threads)"

"""Picking the compute device: auto = CUDA, then Apple MPS, then CPU."""
from __future__ import annotations

import torch
from .errors import StudioError


class DeviceError(StudioError, RuntimeError):
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
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'s' if n != 1 else ''})"


def native_bf16(device: torch.device) -> bool:
    """Whether this device does bf16 maths in hardware, so bf16 mixed precision is a real speed-up.

    CUDA: Ampere or newer. CPU: AVX512-BF16 or AMX (about 1.7-2x faster convolutions than fp32; elsewhere
    bf16 is emulated and slower than fp32)."""
    if device.type == "cuda":
        try:
            return bool(torch.cuda.is_bf16_supported(including_emulation=False))
        except TypeError:                                   # older torch: no emulation argument
            return bool(torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
            check = getattr(torch.cpu, probe, None)          # private probes; absent means "don't assume"
            try:
                if check is not None and check():
                    return True
            except Exception:  # noqa: BLE001 - a probe that fails means no
                pass
    return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """What a run's precision setting means here: 'bf16' (mixed precision autocast) or 'fp32'.

    auto = bf16 where the hardware does bf16 natively, fp32 elsewhere; bf16 = on CUDA and the CPU whatever
    the hardware (MPS: fp32); fp32 = always fp32. The choice is shown to the artist, never made silently."""
    if precision == "fp32" or device.type not in ("cuda", "cpu"):
        return "fp32"
    if precision == "bf16":
        return "bf16"
    return "bf16" if native_bf16(device) else "fp32"


def precision_text(precision: str, setting: str = "auto") -> str:
    """'bf16 mixed precision (auto: native bf16 here)' and the like, for read-outs and the CLI."""
    text = "bf16 mixed precision" if precision == "bf16" else "fp32"
    return f"{text} (auto)" if setting == "auto" else text

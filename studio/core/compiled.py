"""The optional torch.compile path of the training step (`TrainConfig.compile`, `ganstudio train --compile`).

G's and D's forward passes (and, through AOTAutograd, their backward passes) are compiled by TorchInductor;
the modules themselves stay plain, so checkpoints, G_ema and the explorer never see a compiled wrapper.
Compiled maths fuses and reorders floating-point operations, so the numbers match the eager path to
rounding, not bit for bit (tests/test_compiled.py checks it on the CPU). When compiling fails (no C++
compiler for the CPU backend, an unsupported platform, a backend bug) the Trainer goes back to eager with a
notice and to its newest checkpoint, so nothing half-computed by a failed step is kept.
"""
from __future__ import annotations

import torch
import torch.nn as nn


def compile_module(module: nn.Module) -> nn.Module:
    """A compiled view of `module` sharing its parameters and buffers (compilation itself happens at first call).

    Static shapes (dynamic=False): a batch-size change (out-of-memory halving) compiles once more."""
    return torch.compile(module, dynamic=False)


def is_compile_error(e: BaseException) -> bool:
    """Whether `e` came from the compiler stack (Dynamo, AOTAutograd, Inductor, a C++ compiler it ran)."""
    try:
        from torch._dynamo.exc import TorchDynamoException
        if isinstance(e, TorchDynamoException):
            return True
    except ImportError:                                   # a torch without Dynamo cannot have compiled anything
        return False
    name = f"{type(e).__module__}.{type(e).__name__}"
    return name.startswith(("torch._dynamo", "torch._inductor", "torch._functorch"))


def compile_error_message(e: BaseException) -> str:
    first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
    hint = (" On the CPU, torch.compile needs a C++ compiler (gcc or clang; MSVC on Windows)."
            if "compiler" in str(e).lower() or "cpp" in str(e).lower() else "")
    return (f"Compiling the training step failed ({type(e).__name__}: {first}).{hint} Training continues "
            "without compilation (same maths, eager PyTorch), from the newest checkpoint.")


def reset() -> None:
    """Drop compiled code (after a failure, so nothing half-built is reused)."""
    try:
        torch._dynamo.reset()
    except Exception:  # noqa: BLE001 - best effort
        pass

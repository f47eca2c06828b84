"""What this installation is: GAN Studio's version, the torch build, and where its resources come from.

    version_lines()     # for `ganstudio --version`, one fact per line
    about_html()        # the About box: the same facts
    torch_build()       # "2.13.0+cpu, CPU build" / "2.4.1+cu124, CUDA 12.4 build"

Importing torch takes a second or two, so it happens only when asked (never at module import).
"""
from __future__ import annotations

import platform
import sys
from html import escape

from .. import __version__, resources


def torch_build() -> str:
    """torch's version and what it was built for (CPU, CUDA x.y, ROCm x.y), without touching a GPU."""
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - a broken install: say so instead of a traceback
        return f"not importable ({type(e).__name__}: {e})"
    if getattr(torch.version, "cuda", None):
        kind = f"CUDA {torch.version.cuda} build"
    elif getattr(torch.version, "hip", None):
        kind = f"ROCm {torch.version.hip} build"
    else:
        kind = "CPU build"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_built():
            kind = "CPU build with Apple MPS"
    return f"{torch.__version__}, {kind}"


def resources_line() -> str:
    try:
        return resources.describe()
    except resources.ResourceError as e:
        return str(e)


def version_lines() -> list[str]:
    return [f"GAN Studio {__version__}",
            f"torch {torch_build()}",
            f"resources: {resources_line()}",
            f"Python {platform.python_version()} on {platform.system()} {platform.machine()}"
            + (" (frozen app)" if getattr(sys, "frozen", False) else "")]


def version_text() -> str:
    return "\n".join(version_lines())


def about_html() -> str:
    """The About box's text (Qt rich text): what GAN Studio is, then version_lines()."""
    name, *facts = version_lines()
    return (f"<h3>{escape(name)}</h3><p>Train a generative adversarial network on your own images, watch it "
            "learn, explore what it has learned and export images and animations.</p>"
            + "".join(f"<p>{escape(line)}</p>" for line in facts))

"""`ganstudio` — the window with no arguments, or a headless command.

Each command lives in studio/commands/<name>.py (add_parser(subparsers), a run function) and is a thin
adapter over studio.session and studio.core: parse, call, print. Errors reach the user as one sentence
(studio.session.errors.describe_error) and exit status 2; Ctrl-C while training stops cleanly.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .commands.common import CliError, ProgressPrinter, positive, scan_progress  # noqa: F401  (for commands)

# Command modules under studio/commands/, in the order `ganstudio --help` lists them.
COMMAND_MODULES: tuple[str, ...] = ("train", "generate", "demo_data", "animate", "evaluate", "invert", "upscaler", "encoder")
_positive = positive                      # older command modules import these names from here


class _VersionAction(argparse.Action):
    """--version: GAN Studio's version, the torch build and the resources' location (torch is imported only here)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .core.about import version_text
        print(version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ganstudio", description="GAN Studio: train, explore and animate GANs on "
                                "your own images. With no command, opens the studio window.")
    p.add_argument("--version", action=_VersionAction,
                   help="show the version, the torch build (CPU/CUDA) and where the resources come from")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"studio.commands.{name}").add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from .core.allocator import one_arena
    one_arena()                           # before Qt or torch start a thread (see studio/core/allocator.py)
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        from .gui.app import main as gui_main
        return gui_main()
    args = build_parser().parse_args(argv)
    args.argv = list(argv)                # --nproc: the training processes run the same command
    if not getattr(args, "func", None):
        build_parser().print_help()
        return 0
    if os.environ.get("GANSTUDIO_DEBUG"):
        return args.func(args) or 0
    from .core.errors import Cancelled, StudioError
    from .session.errors import describe_error
    try:
        return args.func(args) or 0
    except Cancelled:
        print("cancelled", file=sys.stderr)
        return 130
    except (StudioError, OSError, MemoryError) as e:
        print(f"error: {describe_error(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\naborted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    from studio.cli import main as _main     # one module object for `python -m studio.cli` and the entry point
    sys.exit(_main())

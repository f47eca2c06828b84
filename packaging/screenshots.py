"""Render README screenshots of the main window offscreen into docs/.

    .venv/bin/python packaging/screenshots.py                       # welcome + explorer (demo model)
    .venv/bin/python packaging/screenshots.py --run runs/flowers    # + the Train workspace of that project

Uses the public window API only (MainWindow, show_workspace, open_model, open_project), an isolated
settings file (your own preferences and recent projects are neither read nor changed) and the
dark theme. Each PNG is written atomically.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait_until(app, cond, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.02)
    app.processEvents()
    return cond()


def save(window, path: Path) -> None:
    from studio.core.files import atomic_path
    with atomic_path(path, ".png") as tmp:
        if not window.grab().save(str(tmp), "PNG"):
            raise OSError(f"could not write {path}")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNGs (default docs/)")
    ap.add_argument("--run", help="a project (run folder) with training history, for the Train screenshot")
    ap.add_argument("--size", default="1440x900", help="window size WxH (default 1440x900)")
    ap.add_argument("--theme", default="dark", choices=["dark", "light"])
    ap.add_argument("--seed", type=int, default=23, help="demo-model seed shown in the explorer (default 23)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    w, h = (int(v) for v in args.size.lower().split("x"))

    from PySide6.QtCore import QSettings

    from studio.core.demo_data import demo_model_path
    from studio.gui import theme
    from studio.gui.app import make_app
    from studio.gui.main_window import MainWindow

    app = make_app(["ganstudio"])
    theme.apply_theme(app, args.theme)
    with tempfile.TemporaryDirectory(prefix="ganstudio-shots-") as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.IniFormat)
        settings.setValue("projects_dir", str(Path(tmp) / "projects"))
        settings.setValue("theme", args.theme)
        if args.run:
            settings.setValue("recent", [str(Path(args.run).resolve())])
        win = MainWindow(settings)
        win.resize(w, h)
        win.show()
        wait_until(app, lambda: False, 0.5)                   # first paint, device probe

        if win.workspace("welcome") is not None:
            win.show_workspace("welcome")
            wait_until(app, lambda: False, 0.3)
            save(win, out / "screenshot-welcome.png")

        explore = win.workspace("explore")
        model = demo_model_path()
        if explore is None:
            print("skipped the explorer: this build has no 'explore' workspace", file=sys.stderr)
        elif model is None:
            print("skipped the explorer: studio/resources/models/demo.safetensors is missing", file=sys.stderr)
        else:
            shown = []
            explore.frame_shown.connect(shown.append)
            win.open_model(model)
            if not wait_until(app, lambda: bool(shown), 60):
                print("warning: the explorer showed no frame within 60 s", file=sys.stderr)
            if hasattr(explore, "edit") and hasattr(explore, "state"):        # a good-looking seed
                shown.clear()
                explore.edit(explore.state.replace(seed=args.seed, base=None, label=""), "Seed")
                wait_until(app, lambda: bool(shown), 30)
            wait_until(app, lambda: False, 1.0)               # thumbnails, directions, status
            save(win, out / "screenshot-explore.png")

        if args.run:
            if win.open_project(Path(args.run)):
                win.show_workspace("train")
                wait_until(app, lambda: False, 2.0)           # curves and the sample grid load
                save(win, out / "screenshot-train.png")
                win.close_project(ask=False)
            else:
                print(f"skipped the Train screenshot: {args.run} could not be opened", file=sys.stderr)
        for key in ("explore",):
            ws = win.workspace(key)
            if ws is not None and hasattr(ws, "shutdown"):
                ws.shutdown()
        win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

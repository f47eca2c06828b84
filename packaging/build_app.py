"""Build GAN Studio as a desktop app for this machine with PyInstaller (`make package`), and say what it cost.

    .venv/bin/python packaging/build_app.py               # dist/ganstudio/ (Linux), dist/GAN Studio/ (Windows),
                                                          # dist/GAN Studio.app (macOS)
    .venv/bin/python packaging/build_app.py --archive     # also a .tar.gz (Linux, macOS) or .zip (Windows) to hand out

On Linux the folder also gets the .desktop entry, the icon and install-desktop-entry.sh, and an AppImage is made
when `appimagetool` is on PATH (it is not on PyPI or in Debian, so an offline machine skips it and says so).
Build time and size go to build/package-build.json; packaging/README.md records the measured figures.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from studio import __version__, resources  # noqa: E402

DIST, WORK = ROOT / "dist", ROOT / "build" / "pyinstaller"
LINUX = sys.platform.startswith("linux")


def app_folder() -> Path:
    if sys.platform == "darwin":
        return DIST / "GAN Studio.app"
    return DIST / ("ganstudio" if LINUX else "GAN Studio")


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def freeze(clean: bool) -> float:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise SystemExit("error: PyInstaller is not installed here: run `make package`, which installs .[package]")
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", str(DIST),
           "--workpath", str(WORK), str(ROOT / "packaging" / "ganstudio.spec")]
    if clean:
        cmd.insert(3, "--clean")
    t0 = time.perf_counter()
    if subprocess.run(cmd, cwd=ROOT).returncode != 0:
        raise SystemExit("error: PyInstaller failed (its messages are above)")
    return time.perf_counter() - t0


def linux_extras(folder: Path) -> None:
    """The menu entry, its icon and the script that installs both for the user, beside the launcher."""
    shutil.copy2(ROOT / "packaging" / "linux" / "ganstudio.desktop", folder / "ganstudio.desktop")
    shutil.copy2(ROOT / "packaging" / "linux" / "install-desktop-entry.sh", folder / "install-desktop-entry.sh")
    shutil.copy2(resources.path("icons", "ganstudio.png"), folder / "ganstudio.png")


def appimage(folder: Path) -> Path | None:
    """An AppImage of the folder, when appimagetool is installed (it needs nothing from the network then)."""
    tool = shutil.which("appimagetool")
    if tool is None:
        print("AppImage skipped: appimagetool is not installed (get it from github.com/AppImage/appimagetool "
              "and run make package again)")
        return None
    appdir = ROOT / "build" / "GANStudio.AppDir"
    shutil.rmtree(appdir, ignore_errors=True)
    shutil.copytree(folder, appdir / "usr" / "lib" / "ganstudio", symlinks=True)
    shutil.copy2(folder / "ganstudio.desktop", appdir / "ganstudio.desktop")
    shutil.copy2(folder / "ganstudio.png", appdir / "ganstudio.png")
    (appdir / ".DirIcon").symlink_to("ganstudio.png")
    apprun = appdir / "AppRun"
    apprun.write_text('#!/bin/sh\nHERE=$(dirname "$(readlink -f "$0")")\n'
                      'exec "$HERE/usr/lib/ganstudio/ganstudio" "$@"\n')
    apprun.chmod(0o755)
    out = DIST / f"GAN_Studio-{__version__}-{platform.machine()}.AppImage"
    env = dict(os.environ, ARCH=platform.machine())
    if subprocess.run([tool, "--no-appstream", str(appdir), str(out)], env=env).returncode != 0:
        raise SystemExit("error: appimagetool failed (its messages are above)")
    return out


def archive(folder: Path) -> Path:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    base = DIST / f"ganstudio-{__version__}-{system}-{platform.machine().lower()}"
    fmt = "zip" if sys.platform == "win32" else "gztar"
    return Path(shutil.make_archive(str(base), fmt, root_dir=folder.parent, base_dir=folder.name))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", action="store_true", help="also pack the app into one file to hand out")
    ap.add_argument("--no-clean", dest="clean", action="store_false",
                    help="reuse PyInstaller's cache in build/pyinstaller (faster rebuilds)")
    args = ap.parse_args(argv)
    seconds = freeze(args.clean)
    folder = app_folder()
    if LINUX:
        linux_extras(folder)
    facts = {"folder": str(folder.relative_to(ROOT)), "build_s": round(seconds, 1), "size_mb": round(size_mb(folder), 1),
             "python": platform.python_version(), "system": f"{platform.system()} {platform.machine()}"}
    if LINUX and (image := appimage(folder)):
        facts["appimage"], facts["appimage_mb"] = str(image.relative_to(ROOT)), round(image.stat().st_size / 1e6, 1)
    if args.archive:
        packed = archive(folder)
        facts["archive"], facts["archive_mb"] = str(packed.relative_to(ROOT)), round(packed.stat().st_size / 1e6, 1)
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "package-build.json").write_text(json.dumps(facts, indent=2) + "\n")
    for k, v in facts.items():
        print(f"{k:>12}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

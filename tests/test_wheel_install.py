"""The wheel is complete: built from the sources, installed (not editable) into a fresh venv, run from outside
the checkout, it finds its theme, icons and demo model, says what it is, generates images and opens its window.

Fast enough for every CI run (about half a minute): the wheel is built offline (--no-build-isolation, --no-index),
and the fresh venv sees the dependencies already installed in the test environment through a .pth file instead
of downloading them again (torch alone is 750 MB). `pip check` proves the wheel's declared dependencies are met
by them. packaging/README.md has the figures and the full-download variant.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import studio

ROOT = Path(__file__).resolve().parents[1]
BIN = "Scripts" if os.name == "nt" else "bin"
RESOURCES = ("studio/resources/theme/base.qss", "studio/resources/icons/chevron-down.svg",
             "studio/resources/icons/ganstudio.png", "studio/resources/models/demo.safetensors",
             "studio/resources/models/demo-samples.png")


def _run(cmd, cwd, env=None, timeout=300) -> subprocess.CompletedProcess:
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p


def _dependency_dirs() -> list[str]:
    """The test environment's site-packages: the fresh venv reuses the dependencies installed there."""
    dirs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    dirs |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    return sorted(d for d in dirs if Path(d).is_dir())


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel path, venv folder, environment for its commands, a working folder outside the checkout)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"                       # a copy, so the build leaves no build/ or egg-info in the checkout
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "studio", src / "studio", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
          "-w", tmp / "dist", src], cwd=tmp)
    wheel, = (tmp / "dist").glob("ganstudio-*.whl")

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    py = venv / BIN / ("python.exe" if os.name == "nt" else "python")
    purelib = _run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp).stdout.strip()
    Path(purelib, "_ganstudio_test_deps.pth").write_text("\n".join(_dependency_dirs()) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", py]
    _run([*pip, "install", "--no-deps", "--no-index", "--quiet", wheel], cwd=tmp)
    _run([*pip, "check"], cwd=tmp)          # every Requires-Dist of the wheel is satisfied

    work = tmp / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "GANSTUDIO_DEMO_MODEL")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp / "config"), OMP_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1")
    return wheel, venv, env, work, Path(purelib)


def test_wheel_carries_resources_licence_and_metadata(installed):
    wheel = installed[0]
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert not [r for r in RESOURCES if r not in names], "resources missing from the wheel"
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "packaging/"))]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in meta and "Project-URL: Homepage, https://" in meta
    assert "Classifier: Environment :: X11 Applications :: Qt" in meta
    assert wheel.stat().st_size < 10 * 2**20, "the wheel should stay small (the demo model is 3.8 MB)"


def test_installed_version_names_torch_build_and_resources(installed):
    _, venv, env, work, purelib = installed
    out = _run([venv / BIN / "ganstudio", "--version"], cwd=work, env=env).stdout
    assert f"GAN Studio {studio.__version__}" in out
    assert re.search(r"^torch \d+\.\d+\S*, (CPU|CUDA \S+|ROCm \S+) build", out, re.M), out
    resources = re.search(r"^resources: (.+) \((.+)\)$", out, re.M)
    assert resources, out
    assert Path(resources[1]) == purelib / "studio" / "resources", "the installed copy, not the checkout"
    assert resources[2] == "installed package"


def test_installed_generate_with_the_demo_model(installed):
    _, venv, env, work, _ = installed
    out = work / "images"
    p = _run([venv / BIN / "ganstudio", "generate", "demo", "--count", "2", "--seed", "5", "--out", out],
             cwd=work, env=env)
    assert "wrote 2 images" in p.stdout
    files = sorted(out.glob("seed*.png"))
    assert [f.name for f in files] == ["seed000005.png", "seed000006.png"]
    for f in files:
        with Image.open(f) as im:
            im.load()
            px = np.asarray(im.convert("RGB"), np.float32)
        assert im.size == (64, 64) and px.std() > 10, "a decodable picture, not a flat colour"


PROBE = r"""
import json, sys
from PySide6.QtCore import QSettings
import studio
from studio import resources
from studio.gui import theme
from studio.gui.app import make_app
from studio.gui.welcome import WelcomeScreen
app = make_app()
theme.apply_theme(app, "dark")
w = WelcomeScreen(QSettings(sys.argv[1], QSettings.IniFormat))
print(json.dumps(dict(package=studio.__file__, qss=len(app.styleSheet()),
                      icondir=resources.path("icons").as_posix() in app.styleSheet(),
                      demo_enabled=w.explore_button.isEnabled(), app_icon=not app.windowIcon().isNull())))
"""


def test_installed_window_is_themed_and_offers_the_demo(installed):
    _, venv, env, work, purelib = installed
    py = venv / BIN / ("python.exe" if os.name == "nt" else "python")
    got = json.loads(_run([py, "-c", PROBE, work / "probe.ini"], cwd=work, env=env).stdout.strip().splitlines()[-1])
    assert Path(got["package"]).is_relative_to(purelib), got
    assert got["qss"] > 1000 and got["icondir"], "the theme's stylesheet (with its icon folder) is applied"
    assert got["demo_enabled"], "the welcome screen's demo card is enabled"
    assert got["app_icon"], "the window has the app icon"
    shown = _run([venv / BIN / "ganstudio"], cwd=work, env=dict(env, GANSTUDIO_QUIT_AFTER_SHOW="1"))
    assert "GANSTUDIO_SHOWN" in shown.stderr        # the window opened, painted and closed with status 0

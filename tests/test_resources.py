"""Bundled files are found in one place (studio/resources), and the version report says what this install is."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import studio
from studio import resources
from studio.cli import main
from studio.core import about
from studio.core.demo_data import demo_model_path

ROOT = Path(__file__).resolve().parents[1]


def test_resource_files_are_inside_the_package():
    assert resources.root() == ROOT / "studio" / "resources"
    for parts in (("theme", "base.qss"), ("icons", "ganstudio.png"), ("icons", "ganstudio.svg"),
                  ("models", "demo.safetensors"), ("models", "demo-samples.png")):
        assert resources.path(*parts).is_file(), parts
    assert resources.origin() == "source checkout"
    assert demo_model_path() == resources.path("models", "demo.safetensors")


def test_every_icon_the_stylesheet_names_exists():
    qss = resources.path("theme", "base.qss").read_text(encoding="utf-8")
    names = re.findall(r"@icondir/([\w.-]+)", qss)
    assert names and not [n for n in names if not resources.path("icons", n).is_file()]


def test_only_the_resources_module_locates_resource_files():
    """No module builds a path to the resources by walking up from its own file (that broke installed wheels)."""
    offenders = []
    for p in (ROOT / "studio").rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        if p.parent.name != "resources" and re.search(r"parents\[\d\][^\n]*[\"']resources[\"']", text):
            offenders.append(str(p.relative_to(ROOT)))
    assert not offenders, offenders


def test_version_names_torch_build_and_resource_location(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    import torch
    build = f"CUDA {torch.version.cuda}" if torch.version.cuda else ("ROCm" if torch.version.hip else "CPU")
    assert out.splitlines()[0] == f"GAN Studio {studio.__version__}"
    assert f"torch {torch.__version__}, {build}" in out
    assert f"resources: {ROOT / 'studio' / 'resources'} (source checkout)" in out


def test_version_does_not_import_the_gui():
    code = ("import sys\nfrom studio.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "assert not [m for m in sys.modules if m.startswith(('PySide6', 'studio.gui'))]\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True)


def test_about_text_has_the_same_facts():
    html = about.about_html()
    assert f"GAN Studio {studio.__version__}" in html and "torch " in html and "source checkout" in html


def test_generate_demo_names_the_bundled_model(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "demo", "--count", "1", "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "seed000000.png").is_file()
    monkeypatch.setattr("studio.core.demo_data.demo_model_path", lambda: None)
    assert main(["generate", "demo", "--count", "1", "--out", str(tmp_path / "p")]) == 2
    assert "demo model is missing" in capsys.readouterr().err

"""Project rules that must never regress."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "superqt", "qtpy")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_core_never_imports_qt():
    offenders = [f"{p.relative_to(ROOT)} imports {m}" for p in (ROOT / "studio" / "core").rglob("*.py")
                 for m in _imports(p) if m.split(".")[0] in QT]
    assert not offenders, "studio/core must stay Qt-free:\n" + "\n".join(offenders)


def test_core_imports_without_qt_loaded():
    code = ("import sys, pkgutil, importlib, studio.core as c\n"
            "for m in pkgutil.walk_packages(c.__path__, 'studio.core.'): importlib.import_module(m.name)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_layout_exists():
    for d in ("studio/core", "studio/gui", "studio/resources", "tests", "benchmarks", "packaging"):
        assert (ROOT / d).is_dir(), d
    assert (ROOT / "studio" / "cli.py").is_file()
    assert "make test" in (ROOT / "README.md").read_text() and "make test" in (ROOT / ".ci" / "run").read_text()


def test_no_pickled_weights_tracked():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in files if f.endswith((".pt", ".pth", ".pkl", ".ckpt"))]

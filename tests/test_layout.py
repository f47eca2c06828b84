"""Project rules that must never regress: the layers (gui → session → core) and no import cycles (import-linter
contracts in pyproject.toml), one thread pattern in the window, every shared rule written once, no private
attributes used from outside."""
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUDIO = ROOT / "studio"


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(STUDIO.rglob("*.py")):
        parts = p.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


MODULES = _modules()


LINT = """import importlib.util, inspect, pathlib, sys
root, config, contracts = sys.argv[1], sys.argv[2], tuple(sys.argv[3:])
origin = pathlib.Path(importlib.util.find_spec("studio").origin).resolve()
if not origin.is_relative_to(root):                     # this tree's studio, never the editable install's
    sys.exit(f"would lint {origin}")
from importlinter.cli import lint_imports              # the same call in import-linter 2.6 to 2.17
quiet = {"no_logo": True} if "no_logo" in inspect.signature(lint_imports).parameters else {}
sys.exit(lint_imports(config_filename=config, limit_to_contracts=contracts, no_cache=True, **quiet))
"""


def _lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess:
    """import-linter on the `studio` package under `root`, with this project's contracts (pyproject.toml)."""
    root = root.resolve()
    env = {**os.environ, "COLUMNS": "200",                # the report's lines unwrapped
           "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", LINT, str(root), str(ROOT / "pyproject.toml"), *contracts],
                          cwd=root, env=env, capture_output=True, text=True)


def test_import_contracts_are_kept():
    """The layers (cli → gui | commands → session → core), no Qt below the window, the window's short list of
    core modules, the independent pages, commands and engine uses, and no cycles: pyproject.toml's
    [tool.importlinter] contracts, every import counted (function-level ones included)."""
    r = _lint_imports(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout, r.stdout


# One violation per contract, added to a copy of the package's sources: each contract must catch it.
VIOLATIONS = [
    ("layers", "studio/core/files.py", "import studio.session.paths"),
    ("layers", "studio/session/paths.py", "from studio.gui import theme"),
    ("layers", "studio/commands/common.py", "import studio.gui.worker"),
    ("layers", "studio/gui/help.py", "import studio.cli"),
    ("layers", "studio/gui/welcome.py", "from studio.commands import common"),
    ("cli-opens-the-window-only", "studio/cli.py", "from studio.gui import main_window"),
    ("no-qt-below-the-window", "studio/core/latent.py", "import pyqtgraph"),
    ("no-qt-below-the-window", "studio/session/jobs.py", "from PySide6.QtCore import QObject"),
    ("no-qt-below-the-window", "studio/commands/common.py", "import shiboken6"),
    ("no-qt-below-the-window", "studio/cli.py", "import PySide6"),
    ("gui-uses-listed-core-modules", "studio/gui/projects.py", "from studio.core import run"),
    ("gui-uses-listed-core-modules", "studio/gui/explorer/canvas.py", "from studio.core.metrics import scores"),
    ("pages-independent", "studio/gui/training_view.py", "import studio.gui.explorer.canvas"),
    ("commands-independent", "studio/commands/generate.py", "from studio.commands import train"),
    ("engine-uses-independent", "studio/core/invert.py", "import studio.core.trainer"),
    ("no-cycles", "studio/core/latent.py", "from studio.core import explore"),
    ("no-cycles", "studio/gui/explorer/strip.py", "from . import workspace"),
]


def test_every_contract_has_a_violation_above():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    ids = re.findall(r'^id = "([^"]+)"', text[text.index("[tool.importlinter]"):], flags=re.M)
    assert ids and sorted(ids) == sorted({c for c, _, _ in VIOLATIONS})


def _copy_sources(dest: Path) -> Path:
    for src in STUDIO.rglob("*.py"):
        out = dest / src.relative_to(ROOT)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    return dest


def test_contracts_are_kept_by_a_copy_of_the_sources(tmp_path):
    """The baseline of the test below: the copy alone breaks nothing."""
    r = _lint_imports(_copy_sources(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("contract,path,line", VIOLATIONS, ids=[f"{c}:{p}" for c, p, _ in VIOLATIONS])
def test_each_contract_catches_a_violation(tmp_path, contract, path, line):
    target = _copy_sources(tmp_path) / path
    target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _violation():\n    {line}\n",
                      encoding="utf-8")                     # inside a function: those imports count too
    r = _lint_imports(tmp_path, contract)
    assert r.returncode != 0 and "BROKEN" in r.stdout, r.stdout + r.stderr


def test_core_and_session_import_without_qt_loaded():
    code = ("import sys, pkgutil, importlib, studio.core as c, studio.session as s\n"
            "for pkg, pre in ((c, 'studio.core.'), (s, 'studio.session.')):\n"
            "    for m in pkgutil.walk_packages(pkg.__path__, pre): importlib.import_module(m.name)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


GUI_THREAD_WORDS = ("QThread", "moveToThread", "QThreadPool", "QRunnable", "concurrent.futures", "Inbox",
                    "import _thread")
LOCKS = {"Lock", "RLock"}                           # a lock is no thread (the document's render lock)
SESSION_THREADS = {"studio/session/launched.py"}     # the launched run's link: its news goes out as Hub events


def _threading_uses(text: str) -> list[str]:
    """`threading.X` and `from threading import X` for every X but a lock (Thread, Condition, Event, Timer …)."""
    names = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "threading":
            names.append(node.attr)
        elif isinstance(node, ast.ImportFrom) and node.module == "threading":
            names += [a.name for a in node.names]
    return [f"threading.{n}" for n in names if n not in LOCKS]


def _words(text: str, words) -> list[str]:
    return [w for w in words if w in text]


def _window_thread_uses(text: str) -> list[str]:
    return _threading_uses(text) + _words(text, GUI_THREAD_WORDS)


def _session_thread_uses(text: str) -> list[str]:
    return ([u for u in _threading_uses(text) if u != "threading.Event"]      # the controls of work run elsewhere
            + _words(text, ("Thread(", "concurrent.futures", "QThread", "import _thread", "Inbox")))


def test_the_window_runs_long_work_one_way():
    """Threads in the window only through gui/worker.py (Worker, Slot, Latest, Mailbox) and news back only as its
    queued signals: no QThread, moveToThread, bare threads, conditions, events or hand-drained inboxes elsewhere."""
    bad = [f"{p.relative_to(ROOT)}: {u}" for p in (STUDIO / "gui").rglob("*.py") if p.name != "worker.py"
           for u in _window_thread_uses(p.read_text(encoding="utf-8"))]
    assert not bad, bad


def test_the_session_starts_threads_only_where_it_does_now():
    """The Qt-free session layer hands news back only as Hub events; it starts threads in launched.py alone."""
    bad = [f"{p.relative_to(ROOT)}: {u}" for p in (STUDIO / "session").rglob("*.py")
           if str(p.relative_to(ROOT)) not in SESSION_THREADS for u in _session_thread_uses(p.read_text("utf-8"))]
    assert not bad, bad


def test_the_thread_rules_catch_violations():
    window = ("import threading\nfrom threading import Condition\nlock = threading.Lock()\n"
              "t = threading.Thread(target=print)\ne = threading.Event()\nfrom PySide6.QtCore import QThread\n"
              "from studio.session.events import Inbox\n")
    assert _window_thread_uses(window) == ["threading.Condition", "threading.Thread", "threading.Event",
                                           "QThread", "Inbox"]
    assert _window_thread_uses("import threading\nlock = threading.Lock()\n") == []
    assert _session_thread_uses(window) == ["threading.Condition", "threading.Thread", "Thread(", "QThread",
                                            "Inbox"]
    assert _session_thread_uses("import threading\nstop = threading.Event()\n") == []


def _string_constants(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_each_shared_rule_is_written_once():
    """The run folder's layout lives in core/run.py and the architectures' losses in core/models/registry.py (the
    loss names themselves in core/config.py's validation and core/losses.py)."""
    homes = {"best.safetensors": "studio/core/run.py", "config.json": "studio/core/run.py",
             "ckpt-": "studio/core/run.py", "checkpoints/": "studio/core/run.py"}
    bad = []
    for name, path in MODULES.items():
        rel = str(path.relative_to(ROOT))
        docs = {n.body[0].value.lineno for n in ast.walk(ast.parse(path.read_text()))
                if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body
                and isinstance(n.body[0], ast.Expr) and isinstance(getattr(n.body[0], "value", None), ast.Constant)}
        for line, text in _string_constants(path):
            if line in docs or " " in text.strip():
                continue                                    # docstrings and sentences may name things
            bad += [f"{rel}:{line} '{text}'" for key, home in homes.items() if key in text and rel != home]
            if text == "hinge" and rel not in ("studio/core/config.py", "studio/core/losses.py",
                                               "studio/core/models/registry.py"):
                bad.append(f"{rel}:{line} 'hinge'")
    assert not bad, "written outside their one home:\n" + "\n".join(bad)


def test_no_private_attributes_from_outside():
    """`other._x` is used only by the module that defines `_x` (its class), and torch's own private API."""
    allowed_owners = {"self", "cls", "torch", "np", "sys", "os"}
    bad = []
    for name, path in MODULES.items():
        if name == "studio.core.backbone":                   # folds a third-party network's private layers
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))} | \
              {t.attr for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign))
               for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Attribute)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = node.value
                if node.attr in own or isinstance(owner, ast.Name) and owner.id in allowed_owners:
                    continue
                if isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id == "torch":
                    continue
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert not bad, "\n".join(bad)


def test_events_and_errors_are_matched_by_type():
    """No `ev.kind` strings and no `type(e).__name__` comparisons: handlers are chosen by class."""
    bad = []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "kind":
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} .kind")
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) \
                    and node.left.attr == "__name__" and not isinstance(node.left.value, ast.Name):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} type name compared")
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and any(
                    isinstance(c, (ast.Tuple, ast.List, ast.Set)) and any(
                        isinstance(e, ast.Constant) and str(e.value).endswith("Error") for e in c.elts)
                    for c in node.comparators):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} class names compared")
    assert not bad, bad


def test_layout_exists():
    for d in ("studio/core", "studio/session", "studio/gui", "studio/resources", "tests", "benchmarks", "packaging"):
        assert (ROOT / d).is_dir(), d
    assert (ROOT / "studio" / "cli.py").is_file()
    assert "make test" in (ROOT / "README.md").read_text() and "make test" in (ROOT / ".ci" / "run").read_text()


def test_modules_stay_small():
    big = [f"{p.relative_to(ROOT)}: {n} lines" for p in MODULES.values()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450]
    assert not big, big


def test_no_pickled_weights_tracked():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in files if f.endswith((".pt", ".pth", ".pkl", ".ckpt"))]

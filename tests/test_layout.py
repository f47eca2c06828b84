"""Project rules that must never regress: the layers (gui → session → core), no import cycles, one thread
pattern in the window, every shared rule written once, no private attributes used from outside."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDIO = ROOT / "studio"
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "superqt", "qtpy")


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(STUDIO.rglob("*.py")):
        parts = p.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


MODULES = _modules()


def _imports(name: str, path: Path):
    """(line, imported module) for every import in the file, function-level ones included."""
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[:len(pkg.split(".")) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            subs = [f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in MODULES]
            for m in subs or [mod]:
                yield node.lineno, m


def _offenders(package: str, forbidden, allow=()) -> list[str]:
    out = []
    for name, path in MODULES.items():
        if name == package or name.startswith(package + "."):
            for line, mod in _imports(name, path):
                if any(mod == f or mod.startswith(f + ".") for f in forbidden) and (name, mod) not in allow:
                    out.append(f"{path.relative_to(ROOT)}:{line} imports {mod}")
    return out


def test_layers_gui_session_core():
    assert not _offenders("studio.core", QT + ("studio.session", "studio.gui", "studio.cli", "studio.commands"))
    assert not _offenders("studio.session", QT + ("studio.gui", "studio.cli", "studio.commands"))
    assert not _offenders("studio.commands", QT + ("studio.gui", "studio.cli"))
    assert not _offenders("studio.cli", QT + ("studio.gui",), allow={("studio.cli", "studio.gui.app")})
    # the window asks the session about projects, runs and models; it never opens them itself
    assert not _offenders("studio.gui", ("studio.core.run", "studio.core.trainer", "studio.core.checkpoint",
                                         "studio.core.train_state", "studio.core.metrics", "studio.cli",
                                         "studio.commands"))


def test_no_import_cycles():
    graph = {n: {m for _, m in _imports(n, p) if m in MODULES and m != n} for n, p in MODULES.items()}
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))
    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_core_and_session_import_without_qt_loaded():
    code = ("import sys, pkgutil, importlib, studio.core as c, studio.session as s\n"
            "for pkg, pre in ((c, 'studio.core.'), (s, 'studio.session.')):\n"
            "    for m in pkgutil.walk_packages(pkg.__path__, pre): importlib.import_module(m.name)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_window_runs_long_work_one_way():
    """Threads in the window only through gui/worker.py (Worker); no QThread, moveToThread or bare threads."""
    bad = []
    for path in (STUDIO / "gui").rglob("*.py"):
        if path.name == "worker.py":
            continue
        text = path.read_text(encoding="utf-8")
        bad += [f"{path.relative_to(ROOT)}: {w}" for w in ("QThread", "moveToThread", "threading.Thread",
                                                          "QThreadPool", "concurrent.futures") if w in text]
    assert not bad, bad


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

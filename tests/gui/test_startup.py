"""Fast start-up: the app builds Explore/Animate (PyTorch) after the window is up, on a background import."""
import os
import subprocess
import sys

from studio.core.demo_data import demo_model_path


def test_deferred_workspaces_arrive_in_order_and_a_early_open_is_kept(make_main_window, qtbot):
    win = make_main_window(defer_heavy=True)
    win.open_model(demo_model_path())                   # clicked before the explorer exists
    qtbot.waitUntil(lambda: win.workspace("animate") is not None, timeout=60_000)
    tabs = [win._tabs.tabData(i) for i in range(win._tabs.count())]
    assert tabs == ["welcome", "dataset", "train", "explore", "animate"]
    ex = win.workspace("explore")
    qtbot.waitUntil(lambda: ex.model is not None, timeout=30_000)
    assert win.current_workspace() == "explore"
    ex.shutdown()


def test_window_paints_without_importing_torch(tmp_path):
    """With the background import switched off, building and painting the window never imports torch."""
    code = ("import os, sys\n"
            "from studio.gui.app import make_app\n"
            "from PySide6.QtCore import QSettings\n"
            "from studio.gui.main_window import MainWindow\n"
            "MainWindow._import_heavy = lambda self: None\n"
            "app = make_app([])\n"
            "w = MainWindow(QSettings(sys.argv[1], QSettings.IniFormat), defer_heavy=True)\n"
            "w.show(); app.processEvents(); w.grab()\n"
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('studio.gui.explorer')))\n"
            "os._exit(0)\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.ini")], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]", f"imported on the way to the window: {r.stdout.strip()}"


def test_garbage_is_collected_on_the_gui_thread_only(qapp, qtbot):
    """Automatic collection is off (a worker thread would otherwise destroy Qt objects it never owned); the GUI
    thread's timer collects cyclic garbage, Qt objects included."""
    import gc
    import threading
    import weakref

    from PySide6.QtCore import QObject

    assert not gc.isenabled()
    collected_on = []

    class Node(QObject):
        def __del__(self):
            collected_on.append(threading.current_thread().name)

    a, b = Node(), Node()
    a.other, b.other = b, a                      # a cycle: only the collector frees it
    ref = weakref.ref(a)
    del a, b
    keep = []
    t = threading.Thread(target=lambda: keep.extend([] for _ in range(5000)))   # a worker allocates a lot …
    t.start()
    t.join()
    assert ref() is not None                     # … and does not collect (it would have, with gc enabled)
    qtbot.waitUntil(lambda: ref() is None, timeout=5000)
    assert collected_on and set(collected_on) == {threading.main_thread().name}

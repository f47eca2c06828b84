"""`ganstudio` with no arguments: the QApplication, the theme and the main window.

Start-up stays fast: torch and the engine are imported after the window is painted
(the device probe runs on a thread; training imports torch when it starts).
"""
from __future__ import annotations

import os
import sys


def make_app(argv=None):
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        QCoreApplication.setOrganizationName("GAN Studio")
        QCoreApplication.setApplicationName("GAN Studio")
        app = QApplication(list(argv or sys.argv[:1]))
        _set_app_icon(app)
    collect_garbage_on_main_thread(app)
    return app


def collect_garbage_on_main_thread(app, interval_ms: int = 500):
    """Python's cyclic garbage collector runs on whichever thread happens to allocate: on a worker it may destroy a
    Qt object (a closed dialog, an old view) away from the GUI thread, and PySide's destructor then waits for a
    lock the GUI thread holds — the training thread hung like that in a test. So automatic collection is off and
    a timer on the GUI thread collects, generation by generation as Python's own thresholds would (the approach
    of pyqtgraph's GarbageCollector). Idempotent; returns the timer (stop it and gc.enable() to undo)."""
    import gc

    from PySide6.QtCore import QTimer

    if getattr(app, "_studio_gc_timer", None) is not None:
        return app._studio_gc_timer
    gc.disable()
    thresholds = gc.get_threshold()

    def collect() -> None:
        counts = gc.get_count()
        for gen in (2, 1, 0):
            if counts[gen] > thresholds[gen]:
                gc.collect(gen)
                return

    timer = QTimer(app)
    timer.setInterval(interval_ms)
    timer.timeout.connect(collect)
    timer.start()
    app._studio_gc_timer = timer
    return timer


def _set_app_icon(app) -> None:
    """The window/taskbar icon, and the .desktop entry's name so Wayland docks match the window to it."""
    from PySide6.QtGui import QGuiApplication, QIcon

    from .. import resources
    try:
        icon = resources.path("icons", "ganstudio.png")
    except resources.ResourceError:
        return
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    QGuiApplication.setDesktopFileName("ganstudio")


def main(argv=None) -> int:
    from ..core.allocator import one_arena
    one_arena()                                          # before Qt starts its threads (studio/core/allocator.py)
    app = make_app(argv)
    from PySide6.QtCore import QSettings

    from studio.session.preferences import Preferences

    from . import theme
    from .main_window import MainWindow
    from .preferences import QSettingsStore

    settings = QSettings()
    theme.apply_theme(app, Preferences.load(QSettingsStore(settings)).theme)   # before the first paint
    win = MainWindow(settings, defer_heavy=True)
    win.show()
    if os.environ.get("GANSTUDIO_QUIT_AFTER_SHOW"):      # start-up timing: paint once, then quit
        from PySide6.QtCore import QTimer
        print("GANSTUDIO_SHOWN", file=sys.stderr, flush=True)    # benchmarks/startup.py: imports before this
        QTimer.singleShot(0, app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())

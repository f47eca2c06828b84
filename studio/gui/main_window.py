"""The GAN Studio main window: workspaces, panels, menus, projects.

Integration contract (for features built by other engineers)
-------------------------------------------------------------
``MainWindow(settings: QSettings | None = None)``

- ``add_workspace(key: str, title: str, widget: QWidget)`` — a central workspace, shown as a tab in the
  workspace bar (like Blender's workspaces). Ctrl+1..9 switch to them in order.
- ``show_workspace(key)`` / ``workspace(key) -> QWidget | None`` / ``current_workspace() -> str | None``.
- ``add_panel(dock: QDockWidget, area=Qt.RightDockWidgetArea)`` — a dockable, closable panel; it is
  listed under View → Panels. Give the dock an objectName so its place is remembered.
- ``_install_workspaces()`` — the ONE place where features register their workspaces and panels
  (Explore workspace, Animate panel, Welcome screen …); add your lines there.
- ``project`` — the current project (run folder) as a Path, or None; ``run`` — its RunFolder.
- ``project_changed`` — Signal(object): the new project Path, or None when it is closed.
- ``open_model(path)`` — open a generator/checkpoint file or run folder for exploring: calls
  ``open_model(path)`` on the 'explore' workspace widget and shows it, else says so in the status bar.
- ``show_message(text, level="info")`` — status bar + the Messages panel (level info|warning|error).
- ``undo_stack`` — the QUndoStack behind Edit → Undo/Redo; push QUndoCommands onto it.
- Export… (Ctrl+E) calls ``export()`` on the current workspace widget when it has one.
- ``settings`` — the QSettings the window uses (tests pass an isolated one).
"""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (QDockWidget, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QStackedWidget,
                               QTabBar, QVBoxLayout, QWidget)

from . import theme
from .projects import ProjectsMixin
from .widgets.icons import icon
from .widgets.memory_label import MemoryLabel
from .widgets.message_log import MessageLog

APP_NAME = "GAN Studio"


class MainWindow(ProjectsMixin, QMainWindow):
    project_changed = Signal(object)
    device_found = Signal(str)
    heavy_imported = Signal(str)         # "" when the Explore/Animate modules are imported, else the error

    def __init__(self, settings: QSettings | None = None, defer_heavy: bool = False):
        """defer_heavy: build Explore/Animate (which need PyTorch) after the window is up, importing them on
        a background thread, so the window paints fast (the app does this; tests build everything at once)."""
        super().__init__()
        self._heavy_pending = defer_heavy
        self._heavy_started = False
        self._pending_model = None
        self.settings = settings or QSettings()
        self.project: Path | None = None
        self.run = None
        self._workspaces: dict[str, QWidget] = {}
        self._panels: list[QDockWidget] = []
        self.undo_stack = QUndoStack(self)
        self.device_name = ""
        self.setWindowTitle(APP_NAME)
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.resize(1360, 860)
        self._build_central()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_statusbar()
        self.log = MessageLog()
        log_dock = QDockWidget("Messages", self)
        log_dock.setObjectName("MessagesPanel")
        log_dock.setWidget(self.log)
        self.add_panel(log_dock, Qt.BottomDockWidgetArea)
        self._install_workspaces()
        self.resizeDocks([log_dock], [130], Qt.Vertical)
        self.act_close.setEnabled(False)
        self._restore_layout()
        welcome = getattr(self, "welcome_screen", None)
        if welcome is not None and welcome.shows_at_start() and self.project is None:
            self.show_workspace("welcome")
        elif self.current_workspace() == "welcome":
            self.show_workspace("dataset")          # the first tab, but the artist turned it off
        self.device_found.connect(self._on_device)
        QTimer.singleShot(150, self._detect_device)

    # ------------------------------------------------------------------ contract
    def _install_workspaces(self) -> None:
        """Register workspaces and panels here (one line per feature), in tab order."""
        from .project_page import ProjectPage
        from .training_view import TrainingView
        from .welcome import install as install_welcome
        install_welcome(self)                    # the 'welcome' workspace, shown on first launch
        self.project_page = ProjectPage(self)
        self.training_view = TrainingView(self)
        self.add_workspace("dataset", "Dataset", self.project_page)
        self.add_workspace("train", "Train", self.training_view)
        self.project_page.train_requested.connect(self._start_training)
        self.training_view.notice.connect(self.show_message)
        self.training_view.start_requested.connect(self.project_page.request_start)
        if self._heavy_pending:
            self.heavy_imported.connect(self._install_heavy_workspaces)   # import started once shown
        else:
            self._install_heavy_workspaces()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._heavy_pending and not self._heavy_started:
            self._heavy_started = True        # just after the first paint: the import does not compete with it
            QTimer.singleShot(100, lambda: threading.Thread(target=self._import_heavy, name="import-explore",
                                                          daemon=True).start())

    def _import_heavy(self) -> None:
        """Background thread: import the PyTorch-based workspaces' modules (no widgets are made here)."""
        try:
            from . import animation_panel, explorer  # noqa: F401
            error = ""
        except Exception as e:  # noqa: BLE001 - reported in the window
            error = f"{type(e).__name__}: {e}"
        try:
            self.heavy_imported.emit(error)
        except RuntimeError:
            pass                                 # the window was closed meanwhile

    def _install_heavy_workspaces(self, error: str = "") -> None:
        self._heavy_pending = False
        if error:
            self.show_message(f"The Explore and Animate workspaces could not start ({error}).", "error")
            return
        from .animation_panel import AnimationPanel
        from .explorer import install as install_explorer
        self.explorer = install_explorer(self)   # the 'explore' workspace (latent explorer)
        self.add_workspace("animate", "Animate", AnimationPanel(parent=self))
        if self._pending_model is not None:
            path, self._pending_model = self._pending_model, None
            self.open_model(path)

    def add_workspace(self, key: str, title: str, widget: QWidget) -> None:
        if key in self._workspaces:
            raise ValueError(f"workspace '{key}' is already registered")
        self._workspaces[key] = widget
        self._stack.addWidget(widget)
        i = self._tabs.addTab(title)
        self._tabs.setTabData(i, key)
        n = len(self._workspaces)
        if n <= 9:
            act = QAction(f"{title} workspace", self, shortcut=QKeySequence(f"Ctrl+{n}"))
            act.triggered.connect(lambda _=False, k=key: self.show_workspace(k))
            self.addAction(act)
            self._workspace_menu.addAction(act)

    def show_workspace(self, key: str) -> None:
        for i in range(self._tabs.count()):
            if self._tabs.tabData(i) == key:
                self._tabs.setCurrentIndex(i)
                return
        raise KeyError(f"no workspace '{key}'")

    def workspace(self, key: str) -> QWidget | None:
        return self._workspaces.get(key)

    def current_workspace(self) -> str | None:
        i = self._tabs.currentIndex()
        return self._tabs.tabData(i) if i >= 0 else None

    def add_panel(self, dock: QDockWidget, area=Qt.RightDockWidgetArea) -> None:
        if not dock.objectName():
            dock.setObjectName(dock.windowTitle().replace(" ", "") + "Panel")
        dock.setFeatures(QDockWidget.DockWidgetClosable | QDockWidget.DockWidgetMovable
                         | QDockWidget.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        self._panels.append(dock)
        self._panels_menu.addAction(dock.toggleViewAction())

    def choose_model(self) -> None:
        from PySide6.QtWidgets import QFileDialog
        start = str(self.project or Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open Model", start, "GAN Studio models (*.safetensors)")
        if path:
            self.open_model(path)

    def open_model(self, path) -> None:
        if self._heavy_pending:                  # the explorer is still loading: open it when ready
            self._pending_model = path
            self.show_message("Starting the explorer…")
            return
        w = self._workspaces.get("explore")
        if w is None or not hasattr(w, "open_model"):
            self.show_message("The Explore workspace is not available in this build.", "warning")
            return
        w.open_model(Path(path))
        self.show_workspace("explore")

    def show_message(self, text: str, level: str = "info") -> None:
        self.log.add(text, level)
        self.statusBar().showMessage(text, 8000 if level == "info" else 15000)

    # ------------------------------------------------------------------ building
    def _build_central(self) -> None:
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        header = QWidget(objectName="WorkspaceHeader")
        hl = QHBoxLayout(header)
        hl.setContentsMargins(10, 5, 10, 5)
        self._tabs = QTabBar(objectName="WorkspaceBar")
        self._tabs.setDrawBase(False)
        self._tabs.setExpanding(False)
        self._tabs.currentChanged.connect(self._on_tab)
        self._project_label = QLabel("No project", objectName="ProjectLabel")
        self._project_label.setProperty("role", "subtitle")
        hl.addWidget(self._tabs)
        hl.addStretch(1)
        hl.addWidget(self._project_label)
        self._stack = QStackedWidget()
        lay.addWidget(header)
        lay.addWidget(self._stack, 1)
        self.setCentralWidget(central)

    def _on_tab(self, i: int) -> None:
        key = self._tabs.tabData(i)
        if key in self._workspaces:
            self._stack.setCurrentWidget(self._workspaces[key])
        if key == "animate":
            self._feed_animate()

    def _feed_animate(self) -> None:
        """Animate what the explorer has open: its model, keyframes and GANSpace directions."""
        ex, anim = self._workspaces.get("explore"), self._workspaces.get("animate")
        if ex is None or anim is None or ex.model is None:
            return
        if anim.model is None or anim.model.path != ex.model.path:
            anim.set_model(ex.model)
        anim.set_keyframes(ex.keyframes.keyframes())
        if ex.directions is not None:
            anim.set_directions(list(ex.directions.vectors))

    def _act(self, text, slot, shortcut=None, icon_name=None, tip=None) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if icon_name:
            a.setIcon(icon(icon_name))
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(lambda _=False: slot())
        return a

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.act_new = self._act("&New Project…", self.new_project, K.New, "new",
                                 "Start a project from a folder of images (Ctrl+N)")
        self.act_open = self._act("&Open Project…", self.open_project, K.Open, "open",
                                  "Open a project folder (Ctrl+O)")
        self.act_close = self._act("&Close Project", self.close_project, K.Close, None)
        self.act_export = self._act("&Export…", self.export, "Ctrl+E", "export",
                                    "Export from the current workspace (Ctrl+E)")
        self.act_open_model = self._act("Open &Model…", self.choose_model, "Ctrl+Shift+O", None,
                                        "Explore a checkpoint or exported model (.safetensors)")
        self.act_quit = self._act("&Quit", self.close, K.Quit)
        if self.act_quit.shortcut().isEmpty():
            self.act_quit.setShortcut(QKeySequence("Ctrl+Q"))
        self.act_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(K.Undo)
        self.act_undo.setIcon(icon("undo"))
        self.act_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence(K.Redo), QKeySequence("Ctrl+Shift+Z")])
        self.act_redo.setIcon(icon("redo"))
        self.act_full = self._act("&Full Screen", self._toggle_full, K.FullScreen)
        self.act_shortcuts = self._act("&Keyboard Shortcuts", self.show_shortcuts, "F1", "keyboard")
        self.act_about = self._act("&About GAN Studio", self.show_about, None, "info")

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([self.act_new, self.act_open, self.act_open_model])
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addSeparator()
        m.addActions([self.act_export, self.act_close])
        m.addSeparator()
        m.addAction(self.act_quit)
        m = mb.addMenu("&Edit")
        m.addActions([self.act_undo, self.act_redo])
        m = mb.addMenu("&View")
        self._panels_menu = m.addMenu("&Panels")
        self._workspace_menu = m.addMenu("&Workspaces")
        tm = m.addMenu("&Theme")
        for name in theme.THEMES:
            a = tm.addAction(name.capitalize())
            a.setCheckable(True)
            a.setChecked(name == theme.current())
            a.triggered.connect(lambda _=False, n=name: self.set_theme(n))
        self._theme_actions = tm.actions()
        m.addSeparator()
        m.addAction(self.act_full)
        m = mb.addMenu("&Help")
        m.addActions([self.act_shortcuts, self.act_about])

    def _build_toolbar(self) -> None:
        tb = self.addToolBar("Main")
        tb.setObjectName("MainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        tb.addActions([self.act_new, self.act_open, self.act_export])
        tb.addSeparator()
        tb.addActions([self.act_undo, self.act_redo])
        for a in (self.act_undo, self.act_redo):
            tb.widgetForAction(a).setToolButtonStyle(Qt.ToolButtonIconOnly)
        self.toolbar = tb

    def _build_statusbar(self) -> None:
        sb = self.statusBar()
        self._device_label = QLabel("Device: …", objectName="DeviceLabel")
        self._memory_label = MemoryLabel(lambda: self.device_name)
        sb.addPermanentWidget(self._memory_label)
        sb.addPermanentWidget(self._device_label)
        sb.showMessage("Ready — drop a folder of images on the window to start a project", 10000)

    # ------------------------------------------------------------------ status
    def _detect_device(self) -> None:
        def work():
            try:
                from studio.core.device import describe, pick_device
                name = describe(pick_device("auto"))
            except Exception as e:  # noqa: BLE001 - shown to the user
                name = f"unknown ({e})"
            self.device_found.emit(name)
        threading.Thread(target=work, name="device-probe", daemon=True).start()

    def _on_device(self, name: str) -> None:
        self.device_name = name
        self._device_label.setText(name)
        self._device_label.setToolTip("Training runs on this device")

    # ------------------------------------------------------------------ view
    def set_theme(self, name: str) -> None:
        from PySide6.QtWidgets import QApplication

        from .widgets import icons
        theme.apply_theme(QApplication.instance(), name)
        icons.clear_cache()
        for a in self._theme_actions:
            a.setChecked(a.text().lower() == name)
        self.settings.setValue("theme", name)
        for w in self._workspaces.values():
            if hasattr(w, "theme_changed"):
                w.theme_changed()

    def _toggle_full(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def export(self) -> None:
        w = self._workspaces.get(self.current_workspace() or "")
        if w is not None and hasattr(w, "export"):
            w.export()
        else:
            self.show_message("Nothing to export here: open the Train or Explore workspace.", "info")

    def show_shortcuts(self) -> None:
        rows = [(a.text().replace("&", "").rstrip("…"), a.shortcut().toString(QKeySequence.NativeText))
                for a in (self.act_new, self.act_open, self.act_close, self.act_export, self.act_undo,
                          self.act_redo, self.act_full, self.act_shortcuts, self.act_quit)]
        rows += [("Start / pause training", "Space"), ("Switch workspace", "Ctrl+1 … Ctrl+9")]
        html = "<table cellspacing=6>" + "".join(
            f"<tr><td>{t}</td><td><b>{s}</b></td></tr>" for t, s in rows) + "</table>"
        QMessageBox.information(self, "Keyboard shortcuts", html)

    def show_about(self) -> None:
        from ..core.about import about_html
        QMessageBox.about(self, "About GAN Studio", about_html())

    # ------------------------------------------------------------------ layout persistence
    def _restore_layout(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        ws = self.settings.value("window/workspace")
        if ws in self._workspaces:
            self.show_workspace(ws)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        if self.current_workspace():
            self.settings.setValue("window/workspace", self.current_workspace())
        self.settings.sync()

    def closeEvent(self, event) -> None:
        if not self.close_project(ask=True):
            event.ignore()
            return
        self.save_layout()
        self._memory_label.timer.stop()
        super().closeEvent(event)


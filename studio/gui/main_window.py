"""The GAN Studio main window: workspaces, panels, menus and the status bar over one studio.session.Studio.

Integration contract (for features built by other engineers):
- ``studio``: the Qt-free application state (preferences, ``studio.project``, ``studio.training``,
  ``studio.explorer``); views read it, nothing keeps a copy. ``project`` / ``project_changed``: its folder.
- ``add_workspace(key, title, widget)``: a tab (Ctrl+1..9). Its keys are ``gui.shortcuts.workspace_action``s
  (active while focus is inside it); its ``history`` (session.history.History) gets Edit ▸ Undo/Redo while
  shown; its focus proxy takes focus when shown. ``show_workspace`` / ``workspace`` / ``current_workspace``.
- ``add_panel(dock, area)``: a dockable panel listed under View ▸ Panels (give it an objectName).
- ``_install_workspaces()``: the ONE place where features register their workspaces and panels.
- ``new_project`` / ``open_project`` / ``close_project`` / ``recent_projects`` (gui.projects.ProjectActions),
  ``open_model(path)`` (Explore), ``show_message(text, level)``, ``export()`` (Ctrl+E: the workspace's export),
  ``settings`` (the QSettings; tests pass an isolated one).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QHBoxLayout, QLabel, QMainWindow, QStackedWidget, QTabBar,
                               QVBoxLayout, QWidget)

from studio.session.events import PreferencesChanged, ProjectChanged
from studio.session.preferences import apply_threads
from studio.session.paths import APP_NAME
from studio.session.studio import Studio

from . import theme
from .edit_actions import EditActions
from .help import show_about, show_shortcuts
from .preferences import QSettingsStore
from .projects import ProjectActions
from .widgets.device_label import DeviceLabel
from .widgets.icons import icon
from .widgets.memory_label import MemoryLabel
from .widgets.message_log import MessageLog
from .worker import Worker


class MainWindow(QMainWindow):
    project_changed = Signal(object)
    heavy_imported = Signal(str)         # "" when the Explore/Animate modules are imported, else the error

    def __init__(self, settings: QSettings | None = None, defer_heavy: bool = False):
        """defer_heavy: build Explore/Animate (which need PyTorch) after the window is up, importing them on
        a worker, so the window paints fast (the app does this; tests build everything at once)."""
        super().__init__()
        self._heavy_pending = defer_heavy
        self._heavy_started = False
        self._pending_model = None
        self.settings = settings or QSettings()
        self.studio = Studio(QSettingsStore(self.settings))
        self.studio.subscribe(self._on_project, ProjectChanged)
        self.studio.subscribe(self._on_prefs, PreferencesChanged)
        self._workspaces: dict[str, QWidget] = {}
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
        self.projects = ProjectActions(self, self.studio, self.training_view.shutdown, self.show_workspace,
                                       self.show_message)
        self.resizeDocks([log_dock], [130], Qt.Vertical)
        self.act_close.setEnabled(False)
        self._restore_layout()
        if self.welcome_screen.shows_at_start() and self.studio.project is None:
            self.show_workspace("welcome")
        elif self.current_workspace() == "welcome":
            self.show_workspace("dataset")          # the first tab, but the artist turned it off
        QTimer.singleShot(150, self.detect_device)

    # ------------------------------------------------------------------ contract
    def _install_workspaces(self) -> None:
        """Register workspaces and panels here (one line per feature), in tab order."""
        from .project_page import ProjectPage
        from .training_view import TrainingView
        from .welcome import install as install_welcome
        self.welcome_screen = install_welcome(self)      # the 'welcome' workspace, shown on first launch
        self.project_page = ProjectPage(self.studio)
        self.training_view = TrainingView(self.studio)
        self.add_workspace("dataset", "Dataset", self.project_page)
        self.add_workspace("train", "Train", self.training_view)
        self.project_page.train_requested.connect(self._start_training)
        self.project_page.notice.connect(self.show_message)
        self.training_view.notice.connect(self.show_message)
        self.training_view.start_requested.connect(self.project_page.request_start)
        self.training_view.explore_requested.connect(lambda path, show: self.open_model(path, show=show))
        if self._heavy_pending:
            self.heavy_imported.connect(self._install_heavy_workspaces)   # import started once shown
        else:
            self._install_heavy_workspaces()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._heavy_pending and not self._heavy_started:
            self._heavy_started = True        # just after the first paint: the import does not compete with it
            QTimer.singleShot(100, self._import_heavy)

    def _import_heavy(self) -> None:
        """Import the PyTorch-based workspaces' modules on a worker (no widgets are made there)."""
        def work(job):
            from . import animation_panel, explorer  # noqa: F401
        w = Worker(work, name="import-explore", parent=self)
        w.returned.connect(lambda _: self.heavy_imported.emit(""))
        w.errored.connect(lambda e: self.heavy_imported.emit(f"{type(e).__name__}: {e}"))
        w.start()

    def _install_heavy_workspaces(self, error: str = "") -> None:
        self._heavy_pending = False
        if error:
            self.show_message(f"The Explore and Animate workspaces could not start ({error}).", "error")
            return
        from .animation_panel import AnimationPanel
        from .explorer import install as install_explorer
        self.explorer = install_explorer(self)   # the 'explore' workspace (latent explorer)
        self.add_workspace("animate", "Animate", AnimationPanel(self.studio.explorer, self.studio))
        if self._pending_model is not None:
            (path, show), self._pending_model = self._pending_model, None
            self.open_model(path, show)

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
        self._panels_menu.addAction(dock.toggleViewAction())

    @property
    def project(self) -> Path | None:
        return self.studio.project.path if self.studio.project is not None else None

    def new_project(self, image_dir=None) -> bool:
        return self.projects.new_project(image_dir)

    def open_project(self, path=None) -> bool:
        return self.projects.open_project(path)

    def close_project(self, ask: bool = True) -> bool:
        return self.projects.close_project(ask)

    def recent_projects(self) -> list[str]:
        return [str(p) for p in self.studio.recent.paths()]

    def choose_model(self) -> None:
        from .dialogs import open_file
        path = open_file(self, self.studio.folders, "model", "Open Model", "GAN Studio models (*.safetensors)",
                         self.project)
        if path is not None:
            self.open_model(path)

    def open_model(self, path, show: bool = True) -> None:
        """Explore the model at `path` (on a worker); `show`: switch to the Explore workspace too."""
        if self._heavy_pending:                  # the explorer is still loading: open it when ready
            self._pending_model = (path, show)
            if show:
                self.show_message("Starting the explorer…")
            return
        w = self._workspaces.get("explore")
        if w is None:
            self.show_message("The Explore workspace is not available in this build.", "warning")
            return
        w.open_model(Path(path), quiet=not show)
        if show:
            self.show_workspace("explore")

    def _picture_tool(self, name: str) -> None:
        """File ▸ Find Image in Model… / Restore a Picture…: Explore's picture tools, on its model."""
        w = self._workspaces.get("explore")
        if w is None:
            self.show_message("The explorer is still starting; try again in a moment.", "info")
            return
        self.show_workspace("explore")
        if w.model is None:
            self.show_message("Open a model in Explore first (File ▸ Open Model…, or the demo model on the "
                              "welcome screen): pictures are found in and restored with that model.", "warning")
            return
        getattr(w.pictures, name)()

    def show_message(self, text: str, level: str = "info") -> None:
        self.log.add(text, level)
        self.statusBar().showMessage(text, 8000 if level == "info" else 15000)

    def _on_project(self, ev: ProjectChanged) -> None:
        p = ev.project
        self._project_label.setText(p.name if p else "No project")
        self._project_label.setToolTip(str(p.path) if p else "")
        self.setWindowTitle(f"{p.name} — {APP_NAME}" if p else APP_NAME)
        self.act_close.setEnabled(p is not None)
        self.project_changed.emit(p.path if p else None)

    def _start_training(self, cfg) -> None:
        if self.studio.project is not None:
            self.show_workspace("train")
            self.training_view.start(cfg)

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
        self._tabs.setFocusPolicy(Qt.NoFocus)          # keys belong to the workspace below, not the tab bar
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
        w = self._workspaces.get(self._tabs.tabData(i))
        if w is None:
            return
        self._stack.setCurrentWidget(w)
        w.setFocus(Qt.TabFocusReason)                  # its keys work at once (focus proxy: e.g. the canvas)
        self.edit.follow(getattr(w, "history", None))

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
        self.act_find_image = self._act("&Find Image in Model…", lambda: self._picture_tool("find_dialog"),
                                        "Ctrl+Shift+F", None, "Find one of your own pictures in the model shown in "
                                        "Explore, and explore from it (or drop the picture on the canvas)")
        self.act_restore = self._act("&Restore a Picture…", lambda: self._picture_tool("restore_dialog"), None,
                                     None, "Repair the damaged or missing part of a picture with the model")
        self.act_quit = self._act("&Quit", self.close, K.Quit)
        if self.act_quit.shortcut().isEmpty():
            self.act_quit.setShortcut(QKeySequence("Ctrl+Q"))
        self.edit = EditActions(self)                  # Undo / Redo of the shown workspace's history
        self.act_undo, self.act_redo = self.edit.undo_action, self.edit.redo_action
        self.act_full = self._act("&Full Screen", self._toggle_full, K.FullScreen)
        self.act_shortcuts = self._act("&Keyboard Shortcuts", self.show_shortcuts, "F1", "keyboard")
        self.act_about = self._act("&About GAN Studio", lambda: show_about(self), None, "info")

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([self.act_new, self.act_open, self.act_open_model])
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(lambda: self.projects.fill_recent(self.recent_menu))
        m.addSeparator()
        m.addActions([self.act_find_image, self.act_restore])
        m.addSeparator()
        m.addActions([self.act_export, self.act_close])
        m.addSeparator()
        m.addAction(self.act_quit)
        self.edit_menu = mb.addMenu("&Edit")
        self.edit_menu.addActions([self.act_undo, self.act_redo])
        m = mb.addMenu("&View")
        self._panels_menu = m.addMenu("&Panels")
        self._workspace_menu = m.addMenu("&Workspaces")
        tm = m.addMenu("&Theme")
        for name in theme.THEMES:
            a = tm.addAction(name.capitalize())
            a.setCheckable(True)
            a.setData(name)
            a.triggered.connect(lambda _=False, n=name: self.set_theme(n))
        self._theme_actions = tm.actions()
        self._show_theme(self.studio.prefs.theme)
        m.addSeparator()
        m.addAction(self.act_full)
        self.help_menu = mb.addMenu("&Help")
        self.help_menu.addActions([self.act_shortcuts, self.act_about])

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
        self._device_label = DeviceLabel()
        self._memory_label = MemoryLabel(lambda: self.device_name)
        sb.addPermanentWidget(self._memory_label)
        sb.addPermanentWidget(self._device_label)
        sb.showMessage("Ready — drop a folder of images on the window to start a project", 10000)

    # ------------------------------------------------------------------ status
    def detect_device(self) -> None:
        self._device_label.detect(self.studio.prefs)

    @property
    def device_name(self) -> str:
        return self._device_label.device_name

    # ------------------------------------------------------------------ view
    def set_theme(self, name: str) -> None:
        """View ▸ Theme: the theme preference (Preferences shows the same one value)."""
        self.studio.set_preference(theme=name)

    def _on_prefs(self, ev: PreferencesChanged) -> None:
        """Every view of a preference follows the one copy in the session."""
        if "theme" in ev.changed:
            self._show_theme(ev.prefs.theme)
        if "cpu_threads" in ev.changed:
            apply_threads(ev.prefs)
        if "device" in ev.changed:
            self.detect_device()

    def _show_theme(self, name: str) -> None:
        from PySide6.QtWidgets import QApplication
        if theme.current() != name:
            theme.apply_theme(QApplication.instance(), name)    # icons draw in the theme's colours when painted
        for a in self._theme_actions:
            a.setChecked(a.data() == name)
        for w in self._workspaces.values():
            if hasattr(w, "theme_changed"):
                w.theme_changed()
        self.update()

    def _toggle_full(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def export(self) -> None:
        w = self._workspaces.get(self.current_workspace() or "")
        if w is not None and hasattr(w, "export"):
            w.export()
        else:
            self.show_message("Nothing to export here: open the Train, Explore or Animate workspace.", "info")

    def show_shortcuts(self) -> None:
        show_shortcuts(self, [self.act_new, self.act_open, self.act_close, self.act_export, self.act_undo,
                              self.act_redo, self.act_full, self.act_shortcuts, self.act_quit],
                       [(self._tabs.tabText(i), self._workspaces[self._tabs.tabData(i)])
                        for i in range(self._tabs.count())])

    # ------------------------------------------------------------------ layout persistence, drops, closing
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

    def dragEnterEvent(self, event) -> None:
        if ProjectActions.dropped_folder(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        folder = ProjectActions.dropped_folder(event)
        if folder is not None:
            event.acceptProposedAction()
            self.projects.drop(folder)

    def closeEvent(self, event) -> None:
        if not self.close_project(ask=True):
            event.ignore()
            return
        self.studio.shutdown()                  # the explorer writes its position; nothing the artist made is lost
        self.save_layout()
        self._memory_label.timer.stop()
        super().closeEvent(event)

"""The welcome screen: what a new user sees first, and Help → Welcome Screen later.

`WelcomeScreen` works standalone and only emits requests; `install(window)` registers it as the
'welcome' workspace of a MainWindow, wires the requests to the window (open_model, new_project,
open_project) and shows it on first launch (until "Show at start-up" is unticked).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QPixmap
from PySide6.QtWidgets import (QCheckBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QProgressBar, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget)

from studio.core.demo_data import demo_model_path
from studio.session import paths
from studio.session.errors import describe_error
from studio.session.project import Project, is_project

from .worker import Worker

SHOW_KEY = "welcome/show_at_start"
DEMO_IMAGES = 600
DEMO_SIZE = 64


def demo_images_dir() -> Path:
    """Where "Try training on demo images" paints its images (per user, outside any project)."""
    return paths.demo_images_dir()


def project_thumbnail(path: Path, size: int = 96) -> QPixmap | None:
    """The newest sample grid of a run folder, scaled and centre-cropped to a square; None when it has none."""
    try:
        samples = Project(path).sample_files()
    except OSError:
        return None
    if not samples:
        return None
    pm = QPixmap(str(samples[-1][1]))
    if pm.isNull():
        return None
    side = min(pm.width(), pm.height()) // 2 or min(pm.width(), pm.height())     # the first quarter of the grid
    pm = pm.copy(0, 0, side, side)
    return pm.scaled(size, size, Qt.KeepAspectRatio, Qt.SmoothTransformation)


class ActionCard(QPushButton):
    """A large button: title, one line of explanation, an optional picture on top."""

    def __init__(self, title: str, text: str, picture: QPixmap | None = None, primary: bool = False, parent=None):
        super().__init__(parent)
        self.setObjectName("WelcomeCard")
        self.setCursor(Qt.PointingHandCursor)
        self.setProperty("primary", primary)
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Minimum)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 14)
        lay.setSpacing(4)
        if picture is not None and not picture.isNull():
            pic = QLabel()
            pic.setPixmap(picture)
            pic.setAlignment(Qt.AlignCenter)
            pic.setAttribute(Qt.WA_TransparentForMouseEvents)
            lay.addWidget(pic)
            lay.addSpacing(6)
        self.title = QLabel(title)
        self.title.setObjectName("WelcomeCardTitle")
        self.text = QLabel(text)
        self.text.setObjectName("WelcomeCardText")
        self.text.setWordWrap(True)
        for w in (self.title, self.text):
            w.setAttribute(Qt.WA_TransparentForMouseEvents)
            lay.addWidget(w)
        lay.addStretch(1)
        self.setMinimumHeight(lay.sizeHint().height())

    def sizeHint(self) -> QSize:
        return self.layout().sizeHint()


def _demo_strip(n: int = 6, cell: int = 64) -> QPixmap | None:
    """A row of the demo model's samples (studio/resources/models/demo-samples.png) for the card."""
    model = demo_model_path()
    if model is None:
        return None
    sheet = QPixmap(str(model.with_name("demo-samples.png")))
    if sheet.isNull():
        return None
    # the sheet is an 8x8 make_grid with 2 px padding: take the first n cells of the first two rows
    step = (sheet.width() - 2) // 8
    src = sheet.copy(2, 2, step * n - 2, step * 2 - 2)
    return src.scaledToHeight(2 * cell, Qt.SmoothTransformation)


class WelcomeScreen(QWidget):
    explore_demo_requested = Signal(object)      # Path of the demo model
    new_project_requested = Signal()             # "Train on my images…"
    open_project_requested = Signal()            # "Open project…"
    open_recent_requested = Signal(str)          # a recent project folder
    demo_training_requested = Signal(object)     # Path of a folder of freshly painted demo images
    preferences_requested = Signal()

    def __init__(self, settings: QSettings | None = None, recent=None, parent=None):
        super().__init__(parent)
        self.setObjectName("WelcomeScreen")
        self.settings = settings if settings is not None else QSettings()
        self._recent_source = recent          # callable → list[str], else the settings' "recent" list
        self._worker: Worker | None = None
        self._build()
        self.refresh()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        page = QWidget(objectName="WelcomePage")
        scroll.setWidget(page)
        row = QHBoxLayout(page)
        row.addStretch(1)
        col = QWidget()
        col.setMaximumWidth(1040)
        col.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        row.addWidget(col, 12)
        row.addStretch(1)
        lay = QVBoxLayout(col)
        lay.setContentsMargins(24, 36, 24, 24)
        lay.setSpacing(18)

        title = QLabel("Welcome to GAN Studio", objectName="WelcomeTitle")
        sub = QLabel("Train a generative network on your own images, watch it learn, then explore what it "
                     "learned with sliders and export images and animations.")
        sub.setProperty("role", "subtitle")
        sub.setWordWrap(True)
        lay.addWidget(title)
        lay.addWidget(sub)

        body = QHBoxLayout()
        body.setSpacing(20)
        lay.addLayout(body, 1)
        body.addLayout(self._build_actions(), 3)
        body.addWidget(self._build_recent(), 2)
        foot = QHBoxLayout()
        self.show_at_start = QCheckBox("Show this screen at start-up")
        self.show_at_start.setChecked(self.shows_at_start())
        self.show_at_start.toggled.connect(lambda on: self.settings.setValue(SHOW_KEY, bool(on)))
        prefs = QPushButton("Preferences…")
        prefs.setFlat(True)
        prefs.clicked.connect(self.preferences_requested)
        foot.addWidget(self.show_at_start)
        foot.addStretch(1)
        foot.addWidget(prefs)
        lay.addLayout(foot)
        self.theme_changed()

    def _build_actions(self) -> QVBoxLayout:
        """The left column: explore the demo model, train on my images, open a project, demo images."""
        left = QVBoxLayout()
        left.setSpacing(12)
        model = demo_model_path()
        self.explore_button = ActionCard(
            "Explore the demo model",
            "Emoji faces that GAN Studio learned on a laptop CPU in half an hour. Drag the sliders, mix "
            "smiles and frowns, export pictures: no GPU or images needed.", _demo_strip(), primary=True)
        self.explore_button.setEnabled(model is not None)
        if model is None:
            self.explore_button.setToolTip("The demo model (studio/resources/models/demo.safetensors) is missing "
                                           "from this installation.")
        self.explore_button.clicked.connect(self._explore)
        left.addWidget(self.explore_button)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.train_button = ActionCard("Train on my images…",
                                       "Choose a folder of pictures. GAN Studio checks them and suggests "
                                       "settings for your computer.")
        self.open_button = ActionCard("Open project…", "Continue training or explore a project you made before.")
        self.train_button.clicked.connect(self.new_project_requested)
        self.open_button.clicked.connect(self.open_project_requested)
        grid.addWidget(self.train_button, 0, 0)
        grid.addWidget(self.open_button, 0, 1)
        left.addLayout(grid)
        left.addWidget(self._build_demo_card())
        left.addStretch(1)
        return left

    def _build_demo_card(self) -> QFrame:
        demo = QFrame()
        demo.setProperty("role", "card")
        dl = QHBoxLayout(demo)
        dl.setContentsMargins(14, 10, 10, 10)
        text = QVBoxLayout()
        t1 = QLabel("No images at hand?")
        t1.setProperty("role", "heading")
        self.demo_text = QLabel(f"Paint {DEMO_IMAGES} abstract pictures (shapes, gradients, textures) and "
                                "train on them to see how it works.")
        self.demo_text.setWordWrap(True)
        self.demo_text.setProperty("role", "subtitle")
        text.addWidget(t1)
        text.addWidget(self.demo_text)
        self.demo_progress = QProgressBar(maximum=DEMO_IMAGES, textVisible=False)
        self.demo_progress.setFixedHeight(6)
        self.demo_progress.hide()
        text.addWidget(self.demo_progress)
        dl.addLayout(text, 1)
        self.demo_train_button = QPushButton("Try training on demo images")
        self.demo_train_button.clicked.connect(lambda: self.start_demo_training())
        dl.addWidget(self.demo_train_button, 0, Qt.AlignVCenter)
        return demo

    def _build_recent(self) -> QFrame:
        right = QFrame()
        right.setProperty("role", "card")
        rl = QVBoxLayout(right)
        rl.setContentsMargins(14, 12, 14, 12)
        head = QLabel("Recent projects")
        head.setProperty("role", "heading")
        rl.addWidget(head)
        self.recent_list = QListWidget(objectName="WelcomeRecent")
        self.recent_list.setIconSize(QSize(56, 56))
        self.recent_list.setFrameShape(QFrame.NoFrame)
        self.recent_list.setSpacing(3)
        self.recent_list.itemActivated.connect(self._open_item)
        self.recent_list.itemClicked.connect(self._open_item)
        rl.addWidget(self.recent_list, 1)
        self.recent_empty = QLabel("Projects you train appear here, with their latest samples.")
        self.recent_empty.setWordWrap(True)
        self.recent_empty.setAlignment(Qt.AlignCenter)
        self.recent_empty.setProperty("role", "subtitle")
        rl.addWidget(self.recent_empty, 1)
        return right

    # ------------------------------------------------------------------ state
    def shows_at_start(self) -> bool:
        v = self.settings.value(SHOW_KEY, True)
        return v not in (False, "false", "0", 0)

    def recent_projects(self) -> list[str]:
        if self._recent_source is not None:
            items = list(self._recent_source())
        else:
            v = self.settings.value("recent", []) or []
            items = [v] if isinstance(v, str) else list(v)
        return [r for r in items if is_project(r)]

    def refresh(self) -> None:
        """Re-read the recent projects (call when the screen is shown again)."""
        self.recent_list.clear()
        for r in self.recent_projects()[:8]:
            p = Path(r)
            item = QListWidgetItem(f"{p.name}\n{p.parent}")
            item.setData(Qt.UserRole, str(p))
            item.setToolTip(str(p))
            thumb = project_thumbnail(p, 112)
            if thumb is not None:
                item.setIcon(QPixmap(thumb))
            self.recent_list.addItem(item)
        has = self.recent_list.count() > 0
        self.recent_list.setVisible(has)
        self.recent_empty.setVisible(not has)

    def theme_changed(self) -> None:
        from . import theme
        c = theme.colours()
        self.setStyleSheet(_STYLE.replace("@accent", c["accent"]).replace("@border", c["border"])
                           .replace("@panel", c["panel"]).replace("@raised", c["raised"]).replace("@dim", c["dim"]))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    # ------------------------------------------------------------------ actions
    def _explore(self) -> None:
        path = demo_model_path()
        if path is not None:
            self.explore_demo_requested.emit(path)

    def _open_item(self, item: QListWidgetItem) -> None:
        self.open_recent_requested.emit(item.data(Qt.UserRole))

    def start_demo_training(self, folder: Path | None = None, count: int = DEMO_IMAGES) -> None:
        """Paint the demo images on a worker, then emit demo_training_requested(folder)."""
        if self._worker is not None:
            return
        from studio.core.demo_data import write_demo_images
        folder = Path(folder) if folder is not None else demo_images_dir()
        self.demo_train_button.setEnabled(False)
        self.demo_progress.setMaximum(count)
        self.demo_progress.setValue(0)
        self.demo_progress.show()
        self.demo_text.setText("Painting the demo images…")
        w = Worker(lambda job: write_demo_images(folder, count, DEMO_SIZE, seed=0, progress=job.progress,
                                                 cancel=job.cancel_event), name="paint-demo", parent=self)
        w.progress.connect(lambda done, total, _: self.demo_progress.setValue(done))
        w.returned.connect(lambda _: self._painted(folder, count))
        w.errored.connect(lambda e: self._paint_ended(describe_error(e, "The demo images could not be painted")))
        w.cancelled.connect(lambda: self._paint_ended("Cancelled."))
        self._worker = w
        w.start()

    def _paint_ended(self, message: str = "") -> None:
        self._worker = None
        self.demo_train_button.setEnabled(True)
        self.demo_progress.hide()
        if message:
            self.demo_text.setText(message)

    def _painted(self, folder: Path, count: int) -> None:
        self._paint_ended()
        self.demo_text.setText(f"{count} demo images are in {folder}.")
        self.demo_training_requested.emit(folder)

    def shutdown(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker.wait(5000)


_STYLE = """
#WelcomeTitle { font-size: 22pt; font-weight: 600; }
QPushButton#WelcomeCard { text-align: left; padding: 0; border-radius: 10px; background: @panel;
                          border: 1px solid @border; }
QPushButton#WelcomeCard:hover { border-color: @accent; background: @raised; }
QPushButton#WelcomeCard[primary="true"] { border: 2px solid @accent; color: palette(text); font-weight: normal; }
QPushButton#WelcomeCard:disabled { border-color: @border; }
#WelcomeCardTitle { font-size: 12.5pt; font-weight: 600; background: transparent; }
QPushButton#WelcomeCard[primary="true"] #WelcomeCardTitle { color: @accent; }
#WelcomeCardText { background: transparent; color: @dim; }
QListWidget#WelcomeRecent { background: transparent; border: none; }
QListWidget#WelcomeRecent::item { padding: 6px; border-radius: 6px; }
QListWidget#WelcomeRecent::item:hover { background: @raised; }
"""


# ---------------------------------------------------------------------- main window integration
def install(window) -> WelcomeScreen:
    """Register the welcome screen in a MainWindow; show it on first launch. Returns the screen."""
    w = WelcomeScreen(window.settings, window.recent_projects)
    window.add_workspace("welcome", "Welcome", w)
    w.explore_demo_requested.connect(window.open_model)
    w.new_project_requested.connect(lambda: window.new_project())
    w.open_project_requested.connect(lambda: window.open_project())
    w.open_recent_requested.connect(lambda p: window.open_project(p))
    w.demo_training_requested.connect(lambda folder: window.new_project(folder))

    def preferences():
        from .preferences import show_preferences        # imported on first use: not on the start-up path
        return show_preferences(window)
    w.preferences_requested.connect(preferences)

    show = QAction("&Welcome Screen", window)
    show.triggered.connect(lambda: window.show_workspace("welcome"))
    prefs = QAction("&Preferences…", window, shortcut=QKeySequence(QKeySequence.StandardKey.Preferences))
    if prefs.shortcut().isEmpty():
        prefs.setShortcut(QKeySequence("Ctrl+,"))
    prefs.triggered.connect(preferences)
    window.help_menu.insertAction(next(iter(window.help_menu.actions()), None), show)
    window.edit_menu.addSeparator()
    window.edit_menu.addAction(prefs)
    return w          # MainWindow shows it at start-up (after restoring its layout) when shows_at_start()


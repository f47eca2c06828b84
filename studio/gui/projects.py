"""File ▸ New / Open / Close Project, Open Recent and folder drops: the dialogs around studio.session.Studio.

`ProjectActions` is given everything it uses (no mixin): the window it puts dialogs on, the Studio, and the
window's calls to stop training, show a workspace and post a message.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from studio.core.errors import StudioError
from studio.session.errors import describe_error
from studio.session.project import Project, ProjectError, ProjectLocked, is_project
from studio.session.studio import Studio

from .dialogs import open_folder


class ProjectActions(QObject):
    def __init__(self, window: QWidget, studio: Studio, stop_training: Callable[[], None],
                 show_workspace: Callable[[str], None], show_message: Callable[[str, str], None]):
        super().__init__(window)
        self.window, self.studio = window, studio
        self.stop_training, self.show_workspace, self.show_message = stop_training, show_workspace, show_message
        self.last_dialog: QMessageBox | None = None

    # ------------------------------------------------------------------ commands
    def new_project(self, image_dir=None) -> bool:
        if image_dir is None:
            image_dir = open_folder(self.window, self.studio.folders, "images", "Choose a folder of images")
            if image_dir is None:
                return False
        image_dir = Path(image_dir)
        if not image_dir.is_dir():
            self.error("Not a folder", f"{image_dir} is not a folder. Choose a folder that contains your images.")
            return False
        if not self.close_project(ask=True):
            return False
        self.studio.folders.remember("images", image_dir)          # a dropped folder counts too
        try:
            project = self.studio.new_project(image_dir)
        except (StudioError, OSError) as e:
            self.error("Cannot create the project", describe_error(e))
            return False
        self.show_workspace("dataset")
        self.show_message(f"New project {project.name}: scanning {image_dir} …", "info")
        return True

    def open_project(self, path=None) -> bool:
        if path is None:
            path = open_folder(self.window, self.studio.folders, "project", "Open a GAN Studio project",
                               self.studio.projects_dir())
            if path is None:
                return False
        path = Path(path)
        current = self.studio.project
        if current is not None and current.path.resolve() == path.resolve():
            return True
        try:
            Project.open(path)                       # checked before anything is closed
        except (StudioError, OSError) as e:
            self.studio.recent.forget(path)
            self.error("Not a project" if isinstance(e, ProjectError) else "Cannot open the project",
                       describe_error(e))
            return False
        if not self.close_project(ask=True):
            return False
        try:
            project = self.studio.open_project(path)
        except ProjectLocked as e:
            self.error("Project in use", str(e), QMessageBox.Warning)
            return False
        except (StudioError, OSError) as e:
            self.error("Cannot open the project", describe_error(e))
            return False
        self.show_workspace("train" if project.has_history() else "dataset")
        self.show_message(f"Opened project {project.name}", "info")
        return True

    def close_project(self, ask: bool = True) -> bool:
        """Stop training (asking first when `ask`) and close the project. False when the artist says no."""
        studio = self.studio
        if studio.project is None:
            return True
        if studio.training is not None and studio.training.state.working:
            if ask:
                r = QMessageBox.question(self.window, "Training is running",
                                         "Training is still running. Stop it (a checkpoint is saved) and close "
                                         "the project?", QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
                if r != QMessageBox.Yes:
                    return False
            self.stop_training()
        studio.close_project()
        return True

    def error(self, title: str, text: str, icon=QMessageBox.Critical) -> None:
        self.show_message(text, "error" if icon == QMessageBox.Critical else "warning")
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self.window)
        box.setObjectName("ErrorDialog")
        box.open()      # window-modal, never blocks the event loop (tests can see and close it)
        self.last_dialog = box

    # ------------------------------------------------------------------ recent
    def fill_recent(self, menu: QMenu) -> None:
        menu.clear()
        items = self.studio.recent.paths()
        for p in items:
            a = menu.addAction(f"{p.name}    —  {p.parent}")
            a.triggered.connect(lambda _=False, p=p: self.open_project(p))
        if not items:
            menu.addAction("No recent projects").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear Recent").triggered.connect(self.studio.recent.clear)

    # ------------------------------------------------------------------ drops
    @staticmethod
    def dropped_folder(event) -> Path | None:
        for u in event.mimeData().urls():
            if u.isLocalFile() and Path(u.toLocalFile()).is_dir():
                return Path(u.toLocalFile())
        return None

    def drop(self, folder: Path) -> None:
        """A folder dropped on the window: a project opens, a folder of images starts one."""
        self.open_project(folder) if is_project(folder) else self.new_project(folder)

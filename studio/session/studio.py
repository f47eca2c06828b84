"""Studio: what one window works on — preferences, recent projects, the current project, its training
session and the explorer document — each held once.

    studio = Studio(store)                    # store: the window's QSettings adapter (MemoryStore in tests)
    studio.subscribe(on_project, ProjectChanged)
    studio.set_preference(theme="light")      # every view of a preference follows (PreferencesChanged)
    studio.new_project(image_dir) / studio.open_project(path) / studio.close_project()
    studio.training                           # the TrainingSession of the current project (None without one)
    studio.explorer                           # the ExplorerDocument (made on first use: it needs PyTorch)
    studio.folders                            # where each kind of file dialog starts (session.folders)
"""
from __future__ import annotations

from pathlib import Path

from studio.core.errors import StudioError
from studio.core.run import ProjectError

from .events import Hub, PreferencesChanged, ProjectChanged
from .folders import LastFolders
from .paths import default_projects_dir
from .preferences import MemoryStore, Preferences, Store
from .project import Project, RecentProjects
from .training import TrainingSession


class TrainingRunning(StudioError, RuntimeError):
    pass


class Studio:
    PROJECTS_DIR_KEY = "projects_dir"

    def __init__(self, store: Store | None = None) -> None:
        self.store = store if store is not None else MemoryStore()
        self.hub = Hub()
        self.prefs = Preferences.load(self.store)
        self.recent = RecentProjects(self.store)
        self.folders = LastFolders(self.store)          # where each kind of file dialog starts
        self.project: Project | None = None
        self.training: TrainingSession | None = None
        self._explorer = None

    def subscribe(self, handler, *types):
        return self.hub.subscribe(handler, *types)

    # ------------------------------------------------------------------ preferences
    def set_prefs(self, prefs: Preferences) -> None:
        """Check, save and announce the preferences (PreferencesChanged names the fields that changed): the menu,
        the Preferences dialog and every other view of a preference read and write this one copy."""
        prefs.save(self.store)
        old, self.prefs = self.prefs, prefs
        if self.training is not None:
            self.training.prefs = prefs
        if self._explorer is not None:
            self._explorer.prefs = prefs
        changed = tuple(k for k in vars(prefs) if getattr(prefs, k) != getattr(old, k))
        if changed:
            self.hub.emit(PreferencesChanged(prefs, changed))

    def set_preference(self, **values) -> None:
        """Change some preferences, keep the others (e.g. the View menu's theme)."""
        self.set_prefs(self.prefs.replace(**values))

    def projects_dir(self) -> Path:
        return Path(self.store.get(self.PROJECTS_DIR_KEY, "") or default_projects_dir())

    # ------------------------------------------------------------------ the explorer document
    @property
    def explorer(self):
        if self._explorer is None:
            from .explorer_doc import ExplorerDocument
            self._explorer = ExplorerDocument(self.prefs)
            self._explorer.set_home(self.project.path if self.project else None)
        return self._explorer

    # ------------------------------------------------------------------ projects
    def new_project(self, image_dir: Path | str) -> Project:
        """A new project for a folder of images, under the projects folder (the current one is closed)."""
        if not Path(image_dir).is_dir():
            raise ProjectError(f"{image_dir} is not a folder. Choose a folder that contains your images.")
        self.close_project()
        project = Project.new_for_images(image_dir, self.projects_dir())
        project.lock()
        self._set(project)
        self.recent.add(project.path)
        return project

    def open_project(self, path: Path | str) -> Project:
        if self.project is not None and Path(path).resolve() == self.project.path.resolve():
            return self.project
        try:
            project = Project.open(path)
        except ProjectError:
            self.recent.forget(path)
            raise
        self.close_project()
        project.lock()
        self._set(project)
        self.recent.add(project.path)
        return project

    def shutdown(self) -> None:
        """The window closes: the explorer writes what it has not written yet; the project is released."""
        if self._explorer is not None:
            self._explorer.close()
        self.close_project()

    def close_project(self) -> None:
        """Release the current project (a new one that never trained is removed). Stop training first."""
        project = self.project
        if project is None:
            return
        if self.training is not None and self.training.state.working:
            raise TrainingRunning("Training is still running: stop it before closing the project.")
        if project.close():
            self.recent.add(project.path)
        else:
            self.recent.forget(project.path)             # made here, never trained: removed
        self._set(None)

    def _set(self, project: Project | None) -> None:
        self.project = project
        self.training = TrainingSession(project, self.prefs) if project is not None else None
        if self._explorer is not None:
            self._explorer.set_home(project.path if project else None)
        self.hub.emit(ProjectChanged(project))

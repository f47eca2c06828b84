"""Project handling for the main window: new / open / close, the project lock, recent projects, drops.

A project is a run folder (studio.core.run.RunFolder). New projects go under the projects folder
(setting "projects_dir", default ~/GAN Studio Projects), named after the image folder.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from studio.core.config import ConfigError, TrainConfig
from studio.core.run import ProjectLocked, RunFolder

MAX_RECENT = 10


class ProjectsMixin:
    """Mixed into MainWindow; uses self.settings, self.project_page, self.training_view."""

    # ------------------------------------------------------------------ locations
    def projects_dir(self) -> Path:
        return Path(self.settings.value("projects_dir", str(Path.home() / "GAN Studio Projects")))

    def _new_project_dir(self, image_dir: Path) -> Path:
        base = re.sub(r"[^\w\- ]+", "_", image_dir.name).strip() or "project"
        root = self.projects_dir()
        cand = root / base
        n = 2
        while cand.exists():
            cand = root / f"{base} {n}"
            n += 1
        return cand

    # ------------------------------------------------------------------ commands
    def new_project(self, image_dir=None) -> bool:
        if image_dir is None:
            start = self.settings.value("last_image_dir", str(Path.home()))
            chosen = QFileDialog.getExistingDirectory(self, "Choose a folder of images", start)
            if not chosen:
                return False
            image_dir = chosen
        image_dir = Path(image_dir)
        if not image_dir.is_dir():
            self.error("Not a folder", f"{image_dir} is not a folder. Choose a folder that contains your images.")
            return False
        if not self.close_project(ask=True):
            return False
        self.settings.setValue("last_image_dir", str(image_dir.parent))
        run_dir = self._new_project_dir(image_dir)
        run = RunFolder(run_dir)
        try:
            run.acquire_lock()
            run.create(TrainConfig(data_dir=str(image_dir)).validate())
        except OSError as e:
            self.error("Cannot create the project",
                       f"GAN Studio could not create {run_dir} ({e.strerror or e}). Check that the disk has "
                       "free space and that you may write there, or change the projects folder.")
            return False
        self._fresh_project = True
        self._set_project(run_dir)
        self.project_page.start_project(run, image_dir)
        self.training_view.load_project(run)
        self.show_workspace("dataset")
        self.show_message(f"New project {run_dir.name}: scanning {image_dir} …")
        return True

    def open_project(self, path=None) -> bool:
        if path is None:
            chosen = QFileDialog.getExistingDirectory(self, "Open a GAN Studio project", str(self.projects_dir()))
            if not chosen:
                return False
            path = chosen
        path = Path(path)
        run = RunFolder(path)
        if not run.exists():
            self.error("Not a project", f"{path} is not a GAN Studio project (it has no config.json). Choose the "
                                        "project folder itself, or use New Project to start one from images.")
            self._forget_recent(path)
            return False
        if self.project is not None and Path(self.project) == path:
            return True
        if not self.close_project(ask=True):
            return False
        try:
            cfg = run.config()
        except ConfigError as e:
            self.error("Cannot open the project", f"{e}. The file may be damaged; nothing was changed.")
            return False
        try:
            run.acquire_lock()
        except ProjectLocked as e:
            self.error("Project in use", str(e), QMessageBox.Warning)
            return False
        except OSError as e:
            self.error("Cannot open the project", f"Could not lock {path} ({e.strerror or e}).")
            return False
        self._fresh_project = False
        self._set_project(path)
        self._add_recent(path)
        self.project_page.load_project(run, cfg)
        has_history = self.training_view.load_project(run)
        self.show_workspace("train" if has_history else "dataset")
        self.show_message(f"Opened project {path.name}")
        return True

    def close_project(self, ask: bool = True) -> bool:
        """Stop training (asking first when `ask`), release the lock. False when the user says no."""
        if self.project is None:
            return True
        tv = self.training_view
        if tv.is_running():
            if ask:
                r = QMessageBox.question(self, "Training is running",
                                         "Training is still running. Stop it (a checkpoint is saved) and close "
                                         "the project?", QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
                if r != QMessageBox.Yes:
                    return False
            tv.shutdown()
        self.project_page.shutdown()
        run = self.run
        if self.project is not None and self._project_is_empty(run):
            shutil.rmtree(run.path, ignore_errors=True)      # a new project that never trained: no litter
        else:
            run.release_lock()
            self._add_recent(run.path)
        self.project_page.clear()
        tv.clear()
        self._set_project(None)
        return True

    def _project_is_empty(self, run: RunFolder) -> bool:
        return bool(getattr(self, "_fresh_project", False)) and not any(run.checkpoints_dir.glob("*.safetensors")) \
            and not run.metrics_file.exists()

    def _start_training(self, cfg) -> None:
        if self.run is None:
            return
        self._fresh_project = False
        self.show_workspace("train")
        self.training_view.start_new(self.run, cfg)

    def _set_project(self, path) -> None:
        from .main_window import APP_NAME
        self.project = Path(path) if path is not None else None
        self.run = RunFolder(path) if path is not None else None
        self._project_label.setText(self.project.name if self.project else "No project")
        self._project_label.setToolTip(str(self.project) if self.project else "")
        self.setWindowTitle(f"{self.project.name} — {APP_NAME}" if self.project else APP_NAME)
        self.act_close.setEnabled(self.project is not None)
        self.project_changed.emit(self.project)

    def error(self, title: str, text: str, icon=QMessageBox.Critical) -> None:
        self.show_message(text, "error" if icon == QMessageBox.Critical else "warning")
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self)
        box.setObjectName("ErrorDialog")
        box.open()      # window-modal, never blocks the event loop (tests can see and close it)
        self._last_dialog = box

    # ------------------------------------------------------------------ recent
    def recent_projects(self) -> list[str]:
        v = self.settings.value("recent", []) or []
        return [v] if isinstance(v, str) else list(v)

    def _add_recent(self, path: Path) -> None:
        p = str(Path(path))
        items = [p] + [r for r in self.recent_projects() if r != p]
        self.settings.setValue("recent", items[:MAX_RECENT])

    def _forget_recent(self, path: Path) -> None:
        self.settings.setValue("recent", [r for r in self.recent_projects() if r != str(Path(path))])

    def _fill_recent(self) -> None:
        m = self.recent_menu
        m.clear()
        items = [r for r in self.recent_projects() if (Path(r) / "config.json").exists()]
        for r in items:
            a = m.addAction(f"{Path(r).name}    —  {Path(r).parent}")
            a.triggered.connect(lambda _=False, p=r: self.open_project(p))
        if not items:
            m.addAction("No recent projects").setEnabled(False)
        else:
            m.addSeparator()
            m.addAction("Clear Recent").triggered.connect(lambda: self.settings.setValue("recent", []))

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:
        if any(u.isLocalFile() and Path(u.toLocalFile()).is_dir() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for u in event.mimeData().urls():
            p = Path(u.toLocalFile())
            if u.isLocalFile() and p.is_dir():
                event.acceptProposedAction()
                if RunFolder(p).exists():
                    self.open_project(p)
                else:
                    self.new_project(p)
                return

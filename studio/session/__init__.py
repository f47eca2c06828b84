"""The application layer between the engine (studio.core) and its two faces, the window (studio.gui) and the
command line (studio.cli, studio.commands): the role napari's `components/` plays for its `_qt/` views.

Qt-free and cheap to import (PyTorch loads only when a model or a training run needs it). Every rule that the
window and the command line must agree on is written here once:

- project.py       `Project`: one run folder (settings, lock, checkpoints, best model, samples, scans) and
                   `RecentProjects`
- settings.py      the settings rules: an architecture's own settings, the suggestion, the resume target
- devices.py       which device a run or a model uses (explicit choice, then Preferences, then the project)
- preferences.py   `Preferences` (device, CPU threads, export folder, theme, Inception weights) over a store
- training.py      `TrainingSession`: the state machine of one training run, with typed events
- explorer_doc.py  `ExplorerDocument`: the model, the latent and its undoable edits, directions, keyframes,
                   favourites (Explore edits it, Animate reads it)
- latent_list.py   keyframes and favourites saved in the project
- history.py       undo / redo of a document's edits
- jobs.py          `Job`: cancel, pause and throttled progress of one long operation
- events.py        `Hub` (subscribe by event type; handlers run on the emitting thread) and session events
- errors.py        `describe_error`: any exception as one sentence for a person
- paths.py         where GAN Studio keeps its things (user data, demo images, projects, exports)
- studio.py        `Studio`: what one window works on (preferences, recent projects, the current project,
                   its training session, the explorer document)

Import rule (tests/test_layout.py): gui → session → core; session never imports Qt or studio.gui.
Thread rule (tests/test_layout.py): this layer starts a thread only in launched.py (the launched run's link); its
work runs on the caller's thread (the window's gui.worker.Worker, the command line's main thread), and news from
any thread goes back only as Hub events, which the window carries to its UI thread (gui.worker.Mailbox).
"""

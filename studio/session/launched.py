"""Training on every GPU from the window: the session starts `ganstudio resume RUN --nproc N` through torchrun's
launcher (studio.core.distributed.launch) and talks to that run's rank 0 over a local, authenticated connection:
rank 0 sends its events (progress, samples, checkpoints, quality, notices, failures), the window sends pause,
resume and stop. The other ranks are silent, as on the command line.

    link = Link(on_event)           # the window's side: listens on 127.0.0.1 with a random key (env() for rank 0)
    remote = RemoteTrainer(link)    # what TrainingSession holds instead of a Trainer: pause / resume / stop
    with relay(session): …          # rank 0's side (studio/commands/train.py): events out, commands in
"""
from __future__ import annotations

import os
import secrets
import threading
from contextlib import contextmanager
from multiprocessing.connection import Client, Listener

ENV = "GANSTUDIO_LINK"
COMMANDS = ("pause", "resume", "stop")


def linked() -> bool:
    """Whether this process is the rank 0 of a run the window started (it then reports to the window)."""
    return bool(os.environ.get(ENV))


class Link:
    """The window's end: receives rank 0's events on a thread (on_event) and sends it commands."""

    def __init__(self, on_event) -> None:
        self.key = secrets.token_bytes(16)
        self.listener = Listener(("127.0.0.1", 0), authkey=self.key)
        self.on_event = on_event
        self.conn = None
        self.pending: list[str] = []           # commands given before rank 0 connected
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, name="training-link", daemon=True)
        self.thread.start()

    def env(self) -> dict:
        host, port = self.listener.address
        return {ENV: f"{host}:{port}:{self.key.hex()}"}

    def _serve(self) -> None:
        try:
            conn = self.listener.accept()
        except OSError:                        # closed before rank 0 came (it failed to start)
            return
        with self.lock:
            self.conn = conn
            for c in self.pending:
                conn.send(c)
            self.pending.clear()
        while True:
            try:
                ev = conn.recv()
            except (EOFError, OSError):
                return
            self.on_event(ev)

    def send(self, command: str) -> None:
        with self.lock:
            if self.conn is None:
                self.pending.append(command)
                return
            try:
                self.conn.send(command)
            except OSError:
                pass                           # rank 0 is gone: the launch reports how it ended

    def close(self) -> None:
        self.listener.close()
        with self.lock:
            if self.conn is not None:
                self.conn.close()
        self.thread.join(timeout=5)


class RemoteTrainer:
    """The trainer's controls, for a run in other processes: TrainingSession calls them as it calls a Trainer's."""

    def __init__(self) -> None:
        self.link: Link | None = None
        self.paused = False
        self.step, self.kimg = 0, 0.0
        self.reason = ""                       # how rank 0 said the run ended (Finished / Failed)

    def _send(self, command: str) -> None:
        if self.link is not None:
            self.link.send(command)

    def pause(self) -> None:
        self.paused = True
        self._send("pause")

    def resume(self) -> None:
        self.paused = False
        self._send("resume")

    def stop(self) -> None:
        self.paused = False
        self._send("stop")


def resume_argv(run_dir, device: str, kimg: float | None, minutes: float | None, quality: bool) -> list[str]:
    """The command every training process runs (torchrun's launcher adds who is who)."""
    argv = ["resume", str(run_dir), "--device", device]
    if kimg:
        argv += ["--kimg", str(kimg)]
    elif minutes:
        argv += ["--minutes", str(minutes)]
    return argv + ([] if quality else ["--no-quality"])


@contextmanager
def relay(session):
    """Rank 0 of a run the window started: its session's events go to the window, the window's commands come
    back as session.pause / resume / stop. Does nothing in any other process."""
    spec = os.environ.get(ENV)
    if not spec:
        yield
        return
    from .events import StateChanged
    host, port, key = spec.rsplit(":", 2)
    conn = Client((host, int(port)), authkey=bytes.fromhex(key))
    lock = threading.Lock()

    def send(ev) -> None:
        if isinstance(ev, StateChanged):       # the window's session keeps its own state
            return
        with lock:
            try:
                conn.send(ev)
            except OSError:
                pass

    def commands() -> None:
        while True:
            try:
                c = conn.recv()
            except (EOFError, OSError):
                return
            if c in COMMANDS:
                getattr(session, c)()

    unsubscribe = session.subscribe(send)
    threading.Thread(target=commands, name="training-link", daemon=True).start()
    try:
        yield
    finally:
        unsubscribe()
        conn.close()

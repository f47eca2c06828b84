"""What the artist makes on a model is kept with the model (studio.session.model_home, ExplorerDocument)."""
from __future__ import annotations

import os

import pytest
import torch

from studio.core.checkpoint import load_generator, save_generator
from studio.core.models import ModelSpec, build_generator
from studio.session.explorer_doc import POSITION_FILE, ExplorerDocument
from studio.session.model_home import model_home, per_user_home


def _model(folder, name="g.safetensors"):
    torch.manual_seed(0)
    spec = ModelSpec("dcgan", 32, 3, 32, 8)
    folder.mkdir(parents=True, exist_ok=True)
    save_generator(folder / name, build_generator(spec), spec)
    return load_generator(folder / name)


def test_where_a_model_keeps_its_things(tmp_path, trained_run, monkeypatch):
    ckpt = sorted((trained_run / "checkpoints").glob("ckpt-*"))[-1]
    assert model_home(ckpt, "x") == trained_run                          # a run's checkpoints share the run
    m = _model(tmp_path / "loose")
    assert model_home(m.path, m.identity) == tmp_path / "loose" / "g.ganstudio"
    monkeypatch.setenv("GANSTUDIO_DEMO_MODEL", str(m.path))              # the demo: never beside the package
    assert model_home(m.path, m.identity) == per_user_home(m.identity)
    assert str(per_user_home(m.identity)).startswith(os.environ["XDG_DATA_HOME"])


def test_read_only_folder_goes_per_user(tmp_path, monkeypatch):
    m = _model(tmp_path / "ro")
    import studio.session.model_home as mh
    monkeypatch.setattr(mh.os, "access", lambda path, mode: False)     # as for a user without write access
    assert model_home(m.path, m.identity) == per_user_home(m.identity)


def test_position_and_lists_come_back_and_a_damaged_file_is_said(tmp_path):
    m = _model(tmp_path / "loose")
    doc = ExplorerDocument()
    doc.set_model(m)
    assert not (tmp_path / "loose" / "g.ganstudio").exists()             # opening writes nothing
    doc.edit(doc.state.replace(seed=42, psi=0.7).with_direction(2, 1.5), "Seed")
    doc.add_keyframe()
    doc.add_favourite()
    doc.close()
    again = ExplorerDocument()
    again.set_model(load_generator(m.path))
    st = again.state
    assert (st.seed, st.psi, st.direction(2)) == (42, 0.7, 1.5)
    assert len(again.keyframes) == 1 and len(again.favourites) == 1
    assert len(again.history) == 0                                       # where it was left, not an undo step
    (again.project / POSITION_FILE).write_text("{not json")
    notices = []
    third = ExplorerDocument()
    from studio.core.events import Notice
    third.subscribe(lambda ev: notices.append(ev.message), Notice)
    third.set_model(load_generator(m.path))
    assert third.state.seed == 0 and any("could not be read" in n for n in notices)


def test_a_drag_writes_at_most_twice_a_second_and_its_end_at_once(tmp_path, monkeypatch):
    m = _model(tmp_path / "loose")
    doc = ExplorerDocument()
    doc.set_model(m)
    writes = []
    import studio.session.explorer_doc as ed
    real = ed.atomic_write_text
    monkeypatch.setattr(ed, "atomic_write_text", lambda p, t: (writes.append(t), real(p, t)))
    for v in range(50):
        doc.edit(doc.state.replace(psi=0.5 + v / 100), "ψ", key="drag")
    assert 1 <= len(writes) <= 3
    doc.save_position()                                                  # the end of the drag
    again = ExplorerDocument()
    again.set_model(load_generator(m.path))
    assert again.state.psi == pytest.approx(0.99)


def test_dialogs_start_where_the_artist_last_chose_for_that_purpose(tmp_path):
    from studio.session.folders import LastFolders
    from studio.session.preferences import MemoryStore, Preferences
    store = MemoryStore({"last_image_dir": str(tmp_path)})             # the key New Project used before
    folders = LastFolders(store)
    assert folders.start("images") == tmp_path
    photos, art, out = (tmp_path / n for n in ("photos", "art", "out"))
    for f in (photos, art, out):
        f.mkdir()
    (photos / "cat.jpg").write_bytes(b"")
    folders.remember("picture", photos / "cat.jpg")
    folders.remember("images", art)
    assert folders.start("picture") == photos and folders.start("images") == tmp_path
    assert folders.start("model", default=art) == art                  # nothing chosen yet: the default
    folders.remember("export", out / "seed-1.png")
    assert folders.start_export(Preferences(), tmp_path / "proj") == out
    assert folders.start_export(Preferences(export_dir=str(art)), None) == art   # Preferences win
    photos.joinpath("cat.jpg").unlink()
    photos.rmdir()
    assert folders.start("picture") == __import__("pathlib").Path.home()   # a vanished folder is not offered

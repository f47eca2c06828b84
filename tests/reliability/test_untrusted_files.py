"""Untrusted files never run code; damaged checkpoints give a clear error."""
import json
import pickle
import struct

import pytest
import torch

from studio.core import checkpoint as ckpt
from studio.core.trainer import Trainer


class Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("name", ["model.pt", "model.pkl", "model.safetensors", "model.ckpt"])
def test_pickles_are_refused_never_unpickled(tmp_path, name):
    marker = tmp_path / "pwned"
    path = tmp_path / name
    path.write_bytes(pickle.dumps(Payload(str(marker)), protocol=4))
    with pytest.raises(ckpt.CheckpointError, match="never opens pickles"):
        ckpt.load_generator(path)
    assert not marker.exists()


def test_torch_save_archive_refused(tmp_path):
    path = tmp_path / "weights.pth"
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(ckpt.CheckpointError, match="pickle inside"):
        ckpt.load_generator(path)


def _tamper(src, dst, fn):
    tensors, meta = ckpt.read_file(src)
    tensors, meta = fn(dict(tensors), dict(meta))
    ckpt.save_file(dst, tensors, {k: v for k, v in meta.items() if k not in ("format", "version")})
    return dst


def test_tampered_checkpoints_clear_errors(trained_run, tmp_path):
    src = ckpt.list_checkpoints(trained_run / "checkpoints")[0][1]
    key = next(k for k in ckpt.read_file(src)[0] if k.startswith("G_ema.") and k.endswith("weight"))

    def wrong_shape(t, m):
        t[key] = torch.zeros(3, 3)
        return t, m

    def missing(t, m):
        return {k: v for k, v in t.items() if not k.startswith("G_ema.")}, m

    def nan(t, m):
        t[key] = torch.full_like(t[key], float("nan"))
        return t, m
    with pytest.raises(ckpt.CheckpointError, match="do not fit the architecture"):
        ckpt.load_generator(_tamper(src, tmp_path / "shape.safetensors", wrong_shape))
    with pytest.raises(ckpt.CheckpointError, match="weights .*missing"):
        ckpt.load_generator(_tamper(src, tmp_path / "missing.safetensors", missing))
    with pytest.raises(ckpt.CheckpointError, match="NaN"):
        ckpt.load_generator(_tamper(src, tmp_path / "nan.safetensors", nan))

    data = src.read_bytes()
    (tmp_path / "trunc.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ckpt.CheckpointError, match="damaged or truncated"):
        ckpt.load_generator(tmp_path / "trunc.safetensors")
    (tmp_path / "huge.safetensors").write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    with pytest.raises(ckpt.CheckpointError, match="oversized header"):
        ckpt.load_generator(tmp_path / "huge.safetensors")
    header = json.dumps({"__metadata__": {"format": "other"}}).encode()
    (tmp_path / "foreign.safetensors").write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(ckpt.CheckpointError, match="not a GAN Studio model"):
        ckpt.load_generator(tmp_path / "foreign.safetensors")


def test_resume_skips_tampered_newest(trained_run):
    cps = ckpt.list_checkpoints(trained_run / "checkpoints")
    newest = cps[0][1]

    def nan_d(t, m):
        k = next(k for k in t if k.startswith("D.") and t[k].is_floating_point())
        t[k] = torch.full_like(t[k], float("inf"))
        return t, m
    _tamper(newest, newest, nan_d)
    notes = []
    t = Trainer.open(trained_run, on_event=notes.append, device="cpu")
    assert t.step == cps[1][0]
    assert "NaN or infinite" in notes[0].message


def test_metadata_values_round_trip(tmp_path, trained_run):
    model = ckpt.load_generator(trained_run)
    path = tmp_path / "g.safetensors"
    ckpt.save_generator(path, model.G, model.spec, {"name": "plain string", "n": 3, "nested": {"a": [1, 2]}})
    meta = ckpt.load_generator(path).meta
    assert meta["name"] == "plain string" and meta["n"] == 3 and meta["nested"] == {"a": [1, 2]}
    assert meta["kind"] == "generator"

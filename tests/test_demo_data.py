"""The procedural demo dataset: deterministic per seed, valid images, varied, usable for training."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.core.demo_data import PALETTES, make_artwork, write_demo_images


def _files(folder):
    return sorted(p for p in folder.iterdir() if p.suffix == ".png")


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = write_demo_images(tmp_path / "a", count=12, size=48, seed=5)
    b = write_demo_images(tmp_path / "b", count=12, size=48, seed=5)
    assert [p.name for p in a] == [p.name for p in b]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b))
    c = write_demo_images(tmp_path / "c", count=12, size=48, seed=6)
    assert sum(x.read_bytes() != y.read_bytes() for x, y in zip(a, c)) >= 11


def test_images_are_valid_varied_and_described(tmp_path):
    paths = write_demo_images(tmp_path / "d", count=40, size=64, seed=0)
    assert len(paths) == 40 and len(_files(tmp_path / "d")) == 40
    arrays = []
    for p in paths:
        with Image.open(p) as im:
            im.load()
            assert im.format == "PNG" and im.mode == "RGB" and im.size == (64, 64)
            arrays.append(np.asarray(im, np.float32))
    stack = np.stack(arrays)
    assert (stack.reshape(40, -1).std(axis=1) > 5).all(), "an image is (nearly) a flat colour"
    pair = np.abs(stack[:, None] - stack[None]).mean(axis=(2, 3, 4))
    assert pair[~np.eye(40, dtype=bool)].min() > 3, "two images are (nearly) the same"
    meta = json.loads((tmp_path / "d" / ".factors.json").read_text())
    assert len(meta["images"]) == 40 and meta["seed"] == 0
    assert len({m["palette"] for m in meta["images"]}) >= 5
    assert len({m["texture"] for m in meta["images"]}) >= 3
    assert {len(m["shapes"]) for m in meta["images"]} >= {1, 3, 5}
    assert all(m["palette"] in PALETTES for m in meta["images"])


def test_artwork_colours_come_from_its_palette():
    img, f = make_artwork(seed=1, index=3, size=32)
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8
    pal = np.array(PALETTES[f.palette], np.float32)
    # most pixels sit near a palette colour or a blend of two (gradient): check the mean is inside the hull box
    mean = img.reshape(-1, 3).mean(axis=0)
    assert (mean >= pal.min(axis=0) - 30).all() and (mean <= pal.max(axis=0) + 30).all()


def test_cli_writes_folder_and_reports(tmp_path, capsys):
    out = tmp_path / "art"
    assert main(["demo-data", str(out), "--count", "20", "--size", "32", "--seed", "2"]) == 0
    assert len(_files(out)) == 20
    assert "wrote 20 images" in capsys.readouterr().out
    first = _files(out)[0].read_bytes()
    assert main(["demo-data", str(tmp_path / "again"), "--count", "1", "--size", "32", "--seed", "2"]) == 0
    assert _files(tmp_path / "again")[0].read_bytes() == first


@pytest.mark.parametrize("args, words", [(["--count", "0"], "--count"), (["--size", "8"], "--size")])
def test_cli_refuses_bad_numbers(tmp_path, capsys, args, words):
    assert main(["demo-data", str(tmp_path / "x"), *args]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_cli_refuses_a_file_as_folder(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("hi")
    assert main(["demo-data", str(f), "--count", "2"]) == 2
    assert "is a file" in capsys.readouterr().err
    assert f.read_text() == "hi"


def test_cancel_leaves_only_complete_images(tmp_path):
    import threading

    from studio.core.dataset import Cancelled
    cancel = threading.Event()
    seen = []

    def progress(done, total):
        seen.append(done)
        if done > 1:
            cancel.set()
    with pytest.raises(Cancelled):
        write_demo_images(tmp_path / "c", count=200, size=32, seed=0, progress=progress, cancel=cancel)
    files = list((tmp_path / "c").iterdir())
    assert files and all(p.suffix == ".png" and not p.name.startswith(".") for p in files)
    for p in files:
        Image.open(p).verify()


def test_demo_images_train(tmp_path, tiny_config):
    """The folder is a dataset the trainer accepts (hidden factors file is not an image to skip)."""
    from studio.core.dataset import build_dataset
    folder = tmp_path / "art"
    write_demo_images(folder, count=16, size=32, seed=0)
    ds = build_dataset(tiny_config(folder))
    assert len(ds) == 16 and not ds.report.skipped

"""Hostile folders: every bad file gets a specific reason and the rest of the folder is used."""
import io
import os
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from studio.core import dataset as ds
from studio.core.config import TrainConfig


def _good(path, colour=(200, 50, 50), size=(40, 40)):
    Image.new("RGB", size, colour).save(path)


def _png_bytes(size=(64, 64)):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (*size, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def _jpeg_bytes(size=(64, 64), **kw):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (*size, 3), dtype=np.uint8)).save(buf, "JPEG", **kw)
    return buf.getvalue()


def _scan(folder, **kw):
    return ds.build_dataset(TrainConfig(data_dir=str(folder), resolution=32, **kw))


@pytest.fixture
def hostile(tmp_path):
    d = tmp_path / "hostile"
    d.mkdir()
    _good(d / "good1.png")
    _good(d / "good2.jpg", (20, 200, 20))
    (d / "zero.png").write_bytes(b"")
    (d / "trunc.png").write_bytes(_png_bytes()[:300])
    (d / "trunc.jpg").write_bytes(_jpeg_bytes()[:400])
    (d / "text.png").write_text("I am not a picture")
    Image.new("1", (12000, 12000)).save(d / "bomb.png")                       # 144 MP declared, tiny file
    Image.fromarray(np.full((40, 40), 40000, np.uint16)).save(d / "sixteen.png")
    Image.new("CMYK", (40, 40), (0, 255, 255, 0)).save(d / "cmyk.jpg")
    pal = Image.new("P", (40, 40), 1)
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    pal.save(d / "palette.png", transparency=0)
    frames = [Image.new("RGB", (40, 40), c) for c in ((0, 0, 255), (255, 255, 0))]
    frames[0].save(d / "anim.gif", save_all=True, append_images=frames[1:])
    frames[0].save(d / "anim.webp", save_all=True, append_images=frames[1:])
    exif = Image.Exif()
    exif[0x0112] = 8
    Image.new("RGB", (60, 30), (9, 9, 9)).save(d / "rotated.jpg", exif=exif)
    Image.new("RGB", (1, 1)).save(d / "one.png")
    Image.new("RGB", (20000, 100), (120, 120, 250)).save(d / "panorama.png")
    raw = os.fsencode(str(d)) + b"/bad-\xff\xfe-name.png"
    _good(raw.decode("utf-8", "surrogateescape"))
    _good(d / ("L" * 240 + ".png"))
    (d / "loop").symlink_to(d, target_is_directory=True)
    return d


def test_hostile_folder_reasons(hostile):
    got = _scan(hostile)
    why = {os.fsdecode(k): v for k, v in got.report.skipped}
    assert why["zero.png"].startswith("empty file")
    assert why["trunc.png"].startswith("truncated or corrupt")
    assert why["trunc.jpg"].startswith("truncated or corrupt")
    assert why["text.png"].startswith("not an image")
    assert "decompression bomb" in why["bomb.png"]
    assert why["one.png"].startswith("too small (1x1")
    assert "loop" in why["loop"]
    usable = {os.fsdecode(u) for u in got.report.usable}
    for name in ("good1.png", "good2.jpg", "sixteen.png", "cmyk.jpg", "palette.png", "anim.gif", "anim.webp",
                 "rotated.jpg", "panorama.png", "L" * 240 + ".png"):
        assert name in usable, f"{name} should be usable"
    assert any("bad-" in u for u in usable)                         # non-UTF-8 name is used
    assert len(got) == len(usable) == 11
    lines = "\n".join(got.report.lines(limit=100))
    lines.encode("utf-8")                                           # printable whatever the names


def test_bomb_is_refused_without_allocating(tmp_path):
    Image.new("1", (30000, 30000)).save(tmp_path / "bomb.png")       # 900 MP: 2.7 GB if decoded as RGB
    _good(tmp_path / "ok.png")
    tracemalloc.start()
    got = _scan(tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(got) == 1 and peak < 50e6


def test_unreadable_and_vanishing_files(tmp_path, monkeypatch):
    for i in range(6):
        _good(tmp_path / f"f{i}.png")
    locked = tmp_path / "f1.png"
    real_open = Image.open

    def guarded(fp, *a, **k):
        if os.fspath(fp) == os.fspath(locked):
            raise PermissionError(13, "Permission denied")            # root ignores chmod: simulate it
        return real_open(fp, *a, **k)
    monkeypatch.setattr("studio.core.images.Image.open", guarded)

    def delete_ahead(done, total, name):
        (tmp_path / "f4.png").unlink(missing_ok=True)                  # deleted while the scan runs
    got = ds.build_dataset(TrainConfig(data_dir=str(tmp_path), resolution=32), progress=delete_ahead)
    why = dict(got.report.skipped)
    assert why["f1.png"] == "cannot be read (permission denied)"
    assert why["f4.png"] == "disappeared while being read"
    assert len(got) == 4


def test_folder_with_nothing_usable(tmp_path):
    (tmp_path / "readme.txt").write_text("hi")
    Image.new("RGB", (4, 4)).save(tmp_path / "tiny.png")
    with pytest.raises(ds.DatasetError) as e:
        _scan(tmp_path)
    msg = str(e.value)
    assert msg.count(".") <= 3 and "2 files found" in msg and "not an image" in msg and "too small" in msg


def test_twenty_thousand_files_stream_with_progress_and_cancel(tmp_path):
    d = tmp_path / "many"
    d.mkdir()
    data = _png_bytes((16, 16))
    for i in range(20000):
        (d / f"{i:05d}.png").write_bytes(data)
    calls = []

    class CancelAt:
        def is_set(self):
            return len(calls) > 0 and calls[-1][0] >= 10000
    tracemalloc.start()
    with pytest.raises(ds.Cancelled):
        ds.build_dataset(TrainConfig(data_dir=str(d), resolution=32, min_size=8), tmp_path / "cache",
                         progress=lambda a, b, n: calls.append((a, b)), cancel=CancelAt())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert calls[0][1] == 20000 and 10000 <= calls[-1][0] < 10100        # progress streamed, stopped quickly
    assert peak < 40e6, f"scan held {peak / 1e6:.0f} MB"                   # bounded: images go to a memmap
    assert not list((tmp_path / "cache").glob("*.npy")) and not list((tmp_path / "cache").glob(".*part*"))

"""Scanning folders: recursion, reports, and the cache that makes a second run instant."""
import numpy as np
import pytest
from PIL import Image

from studio.core import dataset as ds
from studio.core.config import TrainConfig


def test_recursive_scan_report_and_cache(tmp_path, make_image_folder, monkeypatch):
    data = make_image_folder(6)
    (data / "sub" / "deeper").mkdir(parents=True)
    Image.new("RGBA", (40, 30), (255, 0, 0, 128)).save(data / "sub" / "deeper" / "x.png")
    (data / "notes.txt").write_text("not an image")
    (data / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    (data / ".hidden.png").write_bytes(b"")                      # hidden files are ignored
    cfg = TrainConfig(data_dir=str(data), resolution=32)
    got = ds.build_dataset(cfg, tmp_path / "cache")
    assert len(got) == 7 and got.images.shape == (7, 32, 32, 3) and got.images.dtype == np.uint8
    reasons = dict(got.report.skipped)
    assert set(reasons) == {"notes.txt", "broken.jpg"}
    assert "not an image" in reasons["notes.txt"]
    assert any("sub/deeper/x.png" == u for u in got.report.usable)
    assert "7 usable images" in got.report.summary()

    def must_not_decode(*a, **k):
        raise AssertionError("cache miss: the folder was decoded again")
    monkeypatch.setattr(ds, "load_image", must_not_decode)
    again = ds.build_dataset(cfg, tmp_path / "cache")
    assert np.array_equal(np.asarray(again.images), np.asarray(got.images))
    assert again.report.skipped == got.report.skipped

    monkeypatch.undo()
    Image.new("RGB", (32, 32), (0, 0, 255)).save(data / "new.png")     # contents changed → rebuild
    assert len(ds.build_dataset(cfg, tmp_path / "cache")) == 8
    cfg.resolution = 64                                                   # settings changed → rebuild
    assert ds.build_dataset(cfg, tmp_path / "cache").images.shape[1] == 64
    assert not [p for p in (tmp_path / "cache").iterdir() if ".part" in p.name]


def test_rgba_kept_or_composited(tmp_path):
    d = tmp_path / "a"
    d.mkdir()
    Image.new("RGBA", (32, 32), (255, 0, 0, 0)).save(d / "clear.png")
    rgba = ds.build_dataset(TrainConfig(data_dir=str(d), resolution=32, channels="rgba"))
    assert rgba.images.shape[3] == 4 and rgba.images[0, 5, 5, 3] == 0
    rgb = ds.build_dataset(TrainConfig(data_dir=str(d), resolution=32, background="#00ff00"))
    assert tuple(rgb.images[0, 5, 5]) == (0, 255, 0)


def test_no_usable_images_is_one_clear_sentence(tmp_path):
    d = tmp_path / "junk"
    d.mkdir()
    (d / "a.txt").write_text("x")
    (d / "b.png").write_bytes(b"")
    with pytest.raises(ds.DatasetError) as e:
        ds.build_dataset(TrainConfig(data_dir=str(d), resolution=32))
    msg = str(e.value)
    assert "No usable image" in msg and "2 files found" in msg and "PNG, JPEG" in msg
    with pytest.raises(ds.DatasetError, match="does not exist"):
        ds.build_dataset(TrainConfig(data_dir=str(tmp_path / "nope"), resolution=32))


def test_symlink_loop_and_progress_and_cancel(tmp_path, make_image_folder):
    data = make_image_folder(10)
    (data / "loop").symlink_to(data, target_is_directory=True)
    seen = []
    got = ds.build_dataset(TrainConfig(data_dir=str(data), resolution=32),
                           progress=lambda d, t, n: seen.append((d, t)))
    assert len(got) == 10 and seen[-1] == (10, 10)
    assert any("loop" in why for _, why in got.report.skipped)

    class Once:
        def is_set(self):
            return True
    with pytest.raises(ds.Cancelled):
        ds.build_dataset(TrainConfig(data_dir=str(data), resolution=32), tmp_path / "c", cancel=Once())
    assert not list((tmp_path / "c").glob("images-*.npy")) if (tmp_path / "c").exists() else True

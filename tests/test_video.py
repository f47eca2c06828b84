"""Writers: every format decodes back with the right frame count, size, rate and loop flag."""
import threading

import av
import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.core.dataset import Cancelled
from studio.core.video import VideoError, frame_durations, write_animation


def _frames(n=16, h=32, w=32, still=()):
    rng = np.random.default_rng(0)
    out = [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for _ in range(n)]
    for i in still:
        out[i] = out[i - 1].copy()
    return out


def _pil_frames(path):
    im = Image.open(path)
    durations = []
    for i in range(im.n_frames):
        im.seek(i)
        im.load()
        durations.append(im.info["duration"])
    return im, durations


def _mp4(path):
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(s)]
        return frames, s.average_rate, s.codec_context.name, s.codec_context.pix_fmt


def test_durations_never_drift():
    d = frame_durations(48, 24, 100)
    assert sum(d) == 200 and set(d) <= {4, 5}
    assert frame_durations(10, 10, 100) == [10] * 10


@pytest.mark.parametrize("still", [(), (5, 6, 7)])
def test_gif_exact_frames_timing_and_loop(tmp_path, still):
    out = write_animation(tmp_path / "a.gif", _frames(16, still=still), 8)
    im, durations = _pil_frames(out)
    assert im.n_frames == 16 and im.size == (32, 32) and im.info["loop"] == 0
    assert sum(durations) == 2000 and set(durations) <= {120, 130}     # 8 fps = 12.5 cs, no drift
    first = np.asarray(Image.open(out).convert("RGB"), np.float32)
    assert np.abs(first - _frames(1)[0]).mean() < 25                 # a decent global palette


def test_webp_frames_timing_and_loop(tmp_path):
    out = write_animation(tmp_path / "a.webp", _frames(16), 8)
    im, durations = _pil_frames(out)
    assert im.n_frames == 16 and im.size == (32, 32) and im.info["loop"] == 0 and sum(durations) == 2000
    held = write_animation(tmp_path / "h.webp", _frames(16, still=(3, 4)), 8)
    assert sum(_pil_frames(held)[1]) == 2000                           # libwebp merges stills, time exact


def test_mp4_h264_frames_rate_and_even_size(tmp_path):
    out = write_animation(tmp_path / "a.mp4", _frames(16, 31, 33), 8, crf=20)
    frames, rate, codec, pix = _mp4(out)
    assert len(frames) == 16 and rate == 8 and codec == "h264" and pix == "yuv420p"
    assert frames[0].shape == (32, 34, 3)


def test_png_sequence_and_bad_paths(tmp_path):
    out = write_animation(tmp_path / "seq", _frames(9), 8)
    assert sorted(p.name for p in out.iterdir())[-1] == "frame_00008.png" and len(list(out.iterdir())) == 9
    with pytest.raises(VideoError):
        write_animation(tmp_path / "a.avi", _frames(2), 8)
    with pytest.raises(VideoError):
        write_animation(tmp_path / "a.gif", _frames(2), 60)


@pytest.mark.parametrize("name", ["a.mp4", "a.gif", "a.webp", "seq"])
def test_cancel_leaves_no_file(tmp_path, name):
    cancel = threading.Event()

    def progress(done, total):
        if done == 5:
            cancel.set()
    with pytest.raises(Cancelled):
        write_animation(tmp_path / name, _frames(12), 8, progress=progress, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_cli_animate_and_timelapse(trained_run, tmp_path, capsys):
    out = tmp_path / "walk.mp4"
    assert main(["animate", str(trained_run), "--walk", "--fps", "8", "--seconds", "1", "--grid", "1x2",
                 "--out", str(out)]) == 0
    frames, rate, _, _ = _mp4(out)
    assert len(frames) == 8 and rate == 8 and frames[0].shape == (36, 70, 3)
    gif = tmp_path / "seeds.gif"
    assert main(["animate", str(trained_run), "--seeds", "1,2", "--loop", "--fps", "10", "--seconds", "1",
                 "--size", "48", "--truncation", "0.8", "--out", str(gif)]) == 0
    im, durations = _pil_frames(gif)
    assert im.n_frames == 10 and im.size == (48, 48) and durations == [100] * 10
    lapse = tmp_path / "lapse.gif"
    assert main(["timelapse", str(trained_run), "--fps", "8", "--out", str(lapse)]) == 0
    assert Image.open(lapse).n_frames >= 2
    assert main(["animate", str(trained_run), "--seeds", "1", "--out", str(tmp_path / "x.gif")]) == 2
    assert "at least two" in capsys.readouterr().err

"""Image folders as they really are: every format, mode and kind of broken file."""
import io

import numpy as np
import pytest
from PIL import Image

from studio.core.images import ImageSkipped, fit_square, load_image, parse_colour


def _save(path, im, **kw):
    im.save(path, **kw)
    return path


@pytest.mark.parametrize("fmt,ext", [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp"), ("BMP", "bmp"),
                                     ("TIFF", "tif"), ("GIF", "gif")])
def test_every_format_decodes(tmp_path, fmt, ext):
    a = np.zeros((40, 60, 3), np.uint8)
    a[:, :30] = (200, 40, 40)
    p = _save(tmp_path / f"x.{ext}", Image.fromarray(a), format=fmt)
    out = load_image(p)
    assert out.shape == (40, 60, 3) and out.dtype == np.uint8
    assert out[20, 10, 0] > 150 and out[20, 50, 0] < 60       # left red, right dark


def test_exif_orientation_applied(tmp_path):
    a = np.zeros((20, 40, 3), np.uint8)
    a[:, :20] = 255                                            # white left half, 40 wide
    im = Image.fromarray(a)
    exif = Image.Exif()
    exif[0x0112] = 6                                           # rotate 90° clockwise on display
    p = tmp_path / "r.jpg"
    im.save(p, exif=exif, quality=95)
    out = load_image(p)
    assert out.shape[:2] == (40, 20)                           # now portrait
    assert out[5, 10].mean() > 200 and out[35, 10].mean() < 60  # white half moved to the top


def test_modes_are_converted(tmp_path):
    g = Image.fromarray(np.full((20, 20), 100, np.uint8), "L")
    assert load_image(_save(tmp_path / "g.png", g)).shape == (20, 20, 3)
    a16 = np.full((20, 20), 65535, np.uint16)
    a16[:10] = 0
    out = load_image(_save(tmp_path / "16.png", Image.fromarray(a16)))
    assert out[15, 0, 0] == 255 and out[0, 0, 0] == 0          # scaled, not clipped
    cmyk = Image.new("CMYK", (20, 20), (0, 255, 255, 0))        # pure red in CMYK
    out = load_image(_save(tmp_path / "c.jpg", cmyk, quality=95))
    assert out.shape == (20, 20, 3) and out[10, 10, 0] > 200 and out[10, 10, 1] < 60
    pal = Image.new("P", (20, 20), 1)
    pal.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    pal.info["transparency"] = 0
    pal.paste(0, (0, 0, 10, 20))                                # left half transparent
    p = _save(tmp_path / "p.png", pal, transparency=0)
    rgba = load_image(p, channels="rgba")
    assert rgba.shape[2] == 4 and rgba[5, 2, 3] == 0 and rgba[5, 15, 3] == 255
    rgb = load_image(p, channels="rgb", background=(0, 255, 0))
    assert tuple(rgb[5, 2]) == (0, 255, 0) and tuple(rgb[5, 15]) == (0, 0, 255)


def test_gif_first_frame(tmp_path):
    frames = [Image.new("RGB", (20, 20), c) for c in [(255, 0, 0), (0, 0, 255)]]
    p = tmp_path / "a.gif"
    frames[0].save(p, save_all=True, append_images=frames[1:])
    assert load_image(p)[0, 0, 0] > 200


@pytest.mark.parametrize("content,reason", [
    (b"", "empty file"),
    (b"hello, I am text", "not an image"),
])
def test_bad_files_have_reasons(tmp_path, content, reason):
    p = tmp_path / "bad.png"
    p.write_bytes(content)
    with pytest.raises(ImageSkipped, match=reason):
        load_image(p)


def test_truncated_and_small_and_bomb(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buf, "PNG")
    (tmp_path / "t.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageSkipped, match="truncated or corrupt"):
        load_image(tmp_path / "t.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "s.png")
    with pytest.raises(ImageSkipped, match="too small"):
        load_image(tmp_path / "s.png", min_size=16)
    Image.new("1", (12000, 12000)).save(tmp_path / "bomb.png")    # tiny file, 144 MP declared
    with pytest.raises(ImageSkipped, match="decompression bomb"):
        load_image(tmp_path / "bomb.png")


@pytest.mark.parametrize("fit", ["crop", "pad", "stretch"])
def test_fit_square(fit):
    a = np.zeros((30, 90, 3), np.uint8)
    a[:, 30:60] = 255                                            # white centre third
    out = fit_square(a, 32, fit, background=(0, 255, 0))
    assert out.shape == (32, 32, 3)
    if fit == "crop":
        assert out.mean() > 240
    elif fit == "pad":
        assert tuple(out[0, 16]) == (0, 255, 0) and out[16, 16].mean() > 240
    else:
        assert out[16, 0].mean() < 20 and out[16, 16].mean() > 240


def test_parse_colour():
    assert parse_colour("#ff8000") == (255, 128, 0)
    assert parse_colour("white") == (255, 255, 255)
    assert parse_colour("1,2,3") == (1, 2, 3)
    with pytest.raises(ValueError):
        parse_colour("mauve-ish")

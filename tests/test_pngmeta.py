"""PNG metadata: exports reproduce their pixels exactly; hostile files are refused cleanly."""
import json
import struct
import zlib

import numpy as np
import pytest
import torch

from studio.core.directions import compute_directions
from studio.core.explore import LatentState, compose, state_from_meta, state_to_meta
from studio.core.pngmeta import PngMetaError, load_pixels, parse, read_png_meta, save_png


@pytest.fixture(scope="module")
def model(random_model):
    return random_model


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def _png_with(tmp_path, body: bytes, ctype=b"tEXt"):
    src = tmp_path / "plain.png"
    save_png(src, np.zeros((4, 4, 3), np.uint8))
    data = src.read_bytes()
    out = tmp_path / "hostile.png"
    out.write_bytes(data[:33] + _chunk(ctype, body) + data[33:])
    return out


def test_round_trip_reproduces_pixels(model, tmp_path):
    d = compute_directions(model.G, model.z_dim, count=8, samples=600)
    st = LatentState(seed=42, psi=0.7).with_direction(0, 1.5).with_direction(3, -2.0)
    z = compose(st, model.z_dim, d.vectors)
    img = model.render(z[None])[0]
    path = save_png(tmp_path / "out.png", img, state_to_meta(st, model, z, d.names))
    assert np.array_equal(load_pixels(path), img)
    meta = read_png_meta(path)
    assert meta.identity == model.identity and meta.seed == 42 and meta.psi == 0.7
    assert meta.directions == {0: 1.5, 3: -2.0}
    back = state_from_meta(meta, model.z_dim, d.vectors)
    assert back.seed == 42 and back.psi == 0.7 and back.direction(3) == -2.0
    z2 = compose(back, model.z_dim, d.vectors)
    assert torch.equal(z2, z)
    assert np.array_equal(model.render(z2[None])[0], img)
    # without the directions the recorded latent itself is used: still the same pixels
    plain = state_from_meta(meta, model.z_dim, None)
    assert np.array_equal(model.render(compose(plain, model.z_dim)[None])[0], img)


def test_upscaled_export(model, tmp_path):
    img = model.render(compose(LatentState(seed=1), model.z_dim)[None])[0]
    p = save_png(tmp_path / "big.png", img, {"seed": 1, "psi": 1.0}, scale=4)
    assert load_pixels(p).shape[:2] == (img.shape[0] * 4, img.shape[1] * 4)


def _doc(**kw):
    d = {"format": "ganstudio-image", "model": {"identity": "ab12", "z_dim": 3}, "seed": 1, "psi": 1.0,
         "directions": {}, "z": [0.1, 0.2, 0.3]}
    d.update(kw)
    return json.dumps(d)


@pytest.mark.parametrize("text", [
    _doc(psi=1e9), _doc(psi=float("nan")), _doc(z=[0.1, 0.2]), _doc(z=[0.1, 0.2, 1e300]),
    _doc(z=["a", 0, 0]), _doc(seed=-5), _doc(seed=True), _doc(directions={"999": 1.0}),
    _doc(directions={"1": 1e6}), _doc(directions={"__class__": 1.0}), _doc(model={"identity": "../x", "z_dim": 3}),
    _doc(model={"z_dim": 10 ** 9}), '{"format": "ganstudio-image"', "[" * 100000, "NaN", _doc(format="other"),
])
def test_hostile_values_rejected(text):
    with pytest.raises(PngMetaError):
        parse(text)


def test_hostile_files_rejected(tmp_path):
    ok = parse(_doc())
    assert ok.z.tolist() == pytest.approx([0.1, 0.2, 0.3])
    cases = [
        _png_with(tmp_path, b"ganstudio\0" + b"x" * (3 * 1024 * 1024)),                        # oversized
        _png_with(tmp_path, b"ganstudio\0\0\0" + zlib.compress(b"{" * (8 * 1024 * 1024)), b"zTXt"),  # bomb
        _png_with(tmp_path, b"ganstudio\0\1\0\0\0" + b"not zlib", b"iTXt"),                      # malformed
        _png_with(tmp_path, b"ganstudio\0\xff\xfe"),                                              # not utf-8
    ]
    for p in cases:
        with pytest.raises(PngMetaError):
            read_png_meta(p)
    trunc = tmp_path / "trunc.png"
    trunc.write_bytes(cases[0].read_bytes()[:200])
    with pytest.raises(PngMetaError):
        read_png_meta(trunc)
    with pytest.raises(PngMetaError):
        read_png_meta(tmp_path / "plain.png")
    (tmp_path / "x.png").write_bytes(b"GIF89a")
    with pytest.raises(PngMetaError):
        read_png_meta(tmp_path / "x.png")


def test_cli_generate_reproduces_explorer_image(model, tmp_path, capsys):
    from studio.cli import main
    from studio.core.directions import directions_for
    rc = main(["generate", str(model.path), "--count", "2", "--seed", "12", "--truncation", "0.8",
               "--direction", "1=1.5", "--direction", "3=-2", "--out", str(tmp_path / "gen")])
    assert rc == 0
    d = directions_for(model)
    st = LatentState(seed=13, psi=0.8).with_direction(0, 1.5).with_direction(2, -2.0)
    z = compose(st, model.z_dim, d.vectors)
    meta = read_png_meta(tmp_path / "gen" / "seed000013.png")
    assert torch.equal(meta.z, z) and meta.directions == {0: 1.5, 2: -2.0}
    assert np.array_equal(load_pixels(tmp_path / "gen" / "seed000013.png"), model.render(z[None])[0])
    for bad in ("0=1", "2", "x=1", "3=nan", "3=99"):
        with pytest.raises(SystemExit):
            main(["generate", str(model.path), "--direction", bad, "--out", str(tmp_path / "bad")])
    assert "K=VALUE" in capsys.readouterr().err


def test_upscale_record_is_read_and_a_strange_one_means_the_model_size(model):
    z = torch.zeros(model.z_dim)
    base = {"format": "ganstudio-image", **state_to_meta(LatentState(seed=1), model, z)}
    from studio.core.pngmeta import upscale_record
    assert parse(json.dumps({**base, "upscale": upscale_record(4, (32, 32))})).upscale == 4
    assert parse(json.dumps(base)).upscale == 1
    for bad in ({"factor": 3}, {"factor": True}, {"factor": "4"}, [4], 4, {"factor": 4.0}):
        assert parse(json.dumps({**base, "upscale": bad})).upscale == 1    # the latent still comes back

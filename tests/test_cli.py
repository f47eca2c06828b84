"""The command line as a user runs it: train on a messy folder, stop, resume, generate, and errors."""
import subprocess
import sys

import numpy as np
from PIL import Image

from studio.cli import main
from studio.core import checkpoint as ckpt

TINY = ["--resolution", "32", "--width", "8", "--batch", "8", "--seed", "3", "--no-quality", "--arch", "dcgan"]


def test_train_resume_generate(tmp_path, make_image_folder, capsys):
    data = make_image_folder(12)
    Image.new("RGBA", (40, 40), (0, 0, 255, 90)).save(data / "transparent.png")
    rgb = np.random.default_rng(0).integers(0, 255, (48, 48, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(data / "whole.jpg", quality=90)
    (data / "broken.jpg").write_bytes((data / "whole.jpg").read_bytes()[:600])       # cut short
    run = tmp_path / "run"
    assert main(["train", str(data), "--out", str(run), "--kimg", "0.1", *TINY]) == 0
    out = capsys.readouterr()
    assert "14 usable images" in out.out and "skipped broken.jpg: truncated or corrupt" in out.out
    assert "finished at step" in out.err and "img/s" in out.err
    first = ckpt.list_checkpoints(run / "checkpoints")[0][0]
    assert main(["resume", str(run), "--kimg", "0.1", "--no-quality"]) == 0
    assert ckpt.list_checkpoints(run / "checkpoints")[0][0] > first
    assert "resuming" in capsys.readouterr().out
    assert main(["generate", str(run), "--count", "3", "--seed", "5", "--truncation", "0.7",
                 "--out", str(tmp_path / "gen")]) == 0
    files = sorted((tmp_path / "gen").glob("*.png"))
    assert [f.name for f in files] == ["seed000005.png", "seed000006.png", "seed000007.png"]
    imgs = [np.asarray(Image.open(f)) for f in files]
    assert all(i.shape == (32, 32, 3) for i in imgs) and not np.array_equal(imgs[0], imgs[1])


def test_errors_are_one_sentence_and_exit_2(tmp_path, capsys):
    assert main(["train", str(tmp_path / "missing"), "--out", str(tmp_path / "r")]) == 2
    assert "does not exist" in capsys.readouterr().err
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.txt").write_text("not an image")
    assert main(["train", str(junk), "--out", str(tmp_path / "r2"), *TINY]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No usable image") and err.count("\n") == 1
    (tmp_path / "x.pt").write_bytes(b"\x80\x04K\x01.")
    assert main(["generate", str(tmp_path / "x.pt"), "--out", str(tmp_path / "g")]) == 2
    assert "never opens pickles" in capsys.readouterr().err
    assert main(["resume", str(tmp_path / "nothing")]) == 2


def test_every_command_has_help():
    for cmd in ("train", "resume", "generate", "animate", "timelapse", "evaluate", "demo-data"):
        r = subprocess.run([sys.executable, "-m", "studio.cli", cmd, "--help"], capture_output=True, text=True)
        assert r.returncode == 0 and "usage: ganstudio" in r.stdout, (cmd, r.stderr)


def test_lr_sets_both_rates_and_defaults_to_the_architectures(tmp_path):
    from studio.cli import build_parser
    from studio.commands.train import config_from_args
    from studio.core.models.registry import get_arch

    def cfg(*flags):
        args = build_parser().parse_args(["train", str(tmp_path), "--out", "r", "--device", "cpu", *flags])
        return config_from_args(args, 146, "cpu")
    assert (cfg().lr_g, cfg().lr_d) == (3e-4, 3e-4) == (get_arch("projected").lr_g,
                                                         get_arch("projected").lr_d)
    assert (cfg("--arch", "dcgan").lr_g, cfg("--arch", "dcgan").lr_d) == (2e-4, 2e-4)
    assert (cfg("--lr", "1e-4").lr_g, cfg("--lr", "1e-4").lr_d) == (1e-4, 1e-4)

"""Kinds on the command line: train --classes/--kinds, generate --class (a kind or a mix, recorded in the PNG) and
generate --from (the PNG made again with its kind); a model without kinds or an unknown kind: one sentence, nothing
written."""
import json

import numpy as np
import pytest
import torch

from studio.cli import main
from studio.core.pngmeta import load_pixels, read_png_meta, save_png

KINDS = ("blue", "green", "red")


@pytest.fixture(scope="module")
def kinds_model(make_kinds_model):
    return make_kinds_model(KINDS)


def test_generate_a_kind_and_a_mix(tmp_path, kinds_model, capsys):
    assert main(["generate", str(kinds_model), "--out", str(tmp_path / "red"), "--count", "2", "--class", "red",
                 "--device", "cpu"]) == 0
    assert main(["generate", str(kinds_model), "--out", str(tmp_path / "mix"), "--count", "2",
                 "--class", "blue:0.25,red:0.75", "--device", "cpu"]) == 0
    assert main(["generate", str(kinds_model), "--out", str(tmp_path / "own"), "--count", "2", "--device", "cpu"]) == 0
    red, mix, own = (read_png_meta(tmp_path / d / "seed000000.png") for d in ("red", "mix", "own"))
    assert red.raw["kind"] == {"red": 1.0}
    assert mix.raw["kind"] == {"blue": 0.25, "red": 0.75}
    assert "kind" not in own.raw                                         # without --class: as before
    assert torch.equal(red.z, mix.z)                                     # same seed, same latent …
    pixels = [load_pixels(tmp_path / d / "seed000000.png").astype(int) for d in ("red", "mix")]
    assert np.abs(pixels[0] - pixels[1]).mean() > 0.5                    # … another kind, another picture


@pytest.mark.parametrize("kind, says", [("dragon", "has no kind 'dragon': its kinds are blue, green, red"),
                                        ("red:x", "must be a number")])
def test_an_unknown_kind_is_one_sentence_and_nothing_written(tmp_path, kinds_model, capsys, kind, says):
    assert main(["generate", str(kinds_model), "--out", str(tmp_path / "out"), "--class", kind,
                 "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_model_without_kinds_refuses_class(tmp_path, random_model, capsys):
    assert main(["generate", str(random_model.path), "--out", str(tmp_path / "out"), "--class", "red",
                 "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "trained without kinds" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_from_makes_the_picture_again_with_its_kind(tmp_path, kinds_model, capsys):
    main(["generate", str(kinds_model), "--out", str(tmp_path / "a"), "--count", "2", "--seed", "4",
          "--class", "green:0.5,blue:0.5", "--device", "cpu"])
    src = tmp_path / "a" / "seed000005.png"
    assert main(["generate", str(kinds_model), "--from", str(src), "--out", str(tmp_path / "b"),
                 "--device", "cpu"]) == 0
    again = tmp_path / "b" / src.name
    assert np.array_equal(load_pixels(again), load_pixels(src))          # the same picture: its kind was used
    meta = read_png_meta(again)
    assert meta.raw["kind"] == {"blue": 0.5, "green": 0.5} and torch.equal(meta.z, read_png_meta(src).z)
    # without its kind record the same latent draws its own kind: another picture
    raw = {k: v for k, v in read_png_meta(src).raw.items() if k not in ("kind", "format", "version")}
    save_png(tmp_path / "nokind.png", load_pixels(src), raw)
    main(["generate", str(kinds_model), "--from", str(tmp_path / "nokind.png"), "--out", str(tmp_path / "c"),
          "--device", "cpu"])
    assert not np.array_equal(load_pixels(tmp_path / "c" / "nokind.png"), load_pixels(src))
    assert "kind" not in read_png_meta(tmp_path / "c" / "nokind.png").raw


def test_from_refuses_a_kind_the_model_lacks(tmp_path, kinds_model, random_model, capsys):
    main(["generate", str(kinds_model), "--out", str(tmp_path / "a"), "--count", "1", "--class", "red",
          "--device", "cpu"])
    capsys.readouterr()
    assert main(["generate", str(random_model.path), "--from", str(tmp_path / "a" / "seed000000.png"),
                 "--out", str(tmp_path / "b"), "--device", "cpu"]) == 2
    assert "was made as the kind red and this model has no kinds" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()
    assert main(["generate", str(kinds_model), "--from", str(tmp_path / "a" / "seed000000.png"),
                 "--out", str(tmp_path / "a"), "--device", "cpu"]) == 2
    assert "choose another folder" in capsys.readouterr().err


@pytest.mark.parametrize("bad, says", [({"red": -1.0}, "0 or more"), ({"red": "x"}, "not numbers"),
                                       ({"": 1.0}, "kind record is damaged"), (["red"], "kind record is damaged"),
                                       ({"red": 0.0}, "add up to 0")])
def test_from_a_damaged_kind_record_is_one_sentence_and_nothing_written(tmp_path, kinds_model, capsys, bad, says):
    main(["generate", str(kinds_model), "--out", str(tmp_path / "a"), "--count", "1", "--class", "red",
          "--device", "cpu"])
    src = tmp_path / "a" / "seed000000.png"
    raw = {k: v for k, v in read_png_meta(src).raw.items() if k not in ("format", "version")}
    save_png(tmp_path / "bad.png", load_pixels(src), {**raw, "kind": bad})
    capsys.readouterr()
    assert main(["generate", str(kinds_model), "--from", str(tmp_path / "bad.png"), "--out", str(tmp_path / "b"),
                 "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
    assert not (tmp_path / "b").exists()


# ---------------------------------------------------------------------------------------------- train
def test_train_flags_reach_the_settings_or_say_why(tmp_path, make_image_folder, capsys):
    data = make_image_folder(6)
    assert main(["train", str(data), "--out", str(tmp_path / "r1"), "--arch", "dcgan", "--classes", "subfolders",
                 "--resolution", "32"]) == 2
    err = capsys.readouterr().err
    assert "dcgan models cannot learn kinds" in err and err.count("\n") == 1
    assert not (tmp_path / "r1").exists()
    assert main(["train", str(data), "--out", str(tmp_path / "r2"), "--kinds", "99"]) == 2
    assert "must be 0 (automatic) to 64, not 99" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", str(data), "--out", str(tmp_path / "r3"), "--classes", "some"])
    from studio.commands.train import config_from_args
    from studio.cli import build_parser
    args = build_parser().parse_args(["train", str(data), "--out", "x", "--classes", "found", "--kinds", "5"])
    cfg = config_from_args(args, 6, "cpu")
    assert (cfg.classes, cfg.kinds) == ("found", 5) and cfg.class_rules == {}
    args = build_parser().parse_args(["train", str(data), "--out", "x", "--kinds", "4"])       # --kinds: found
    assert (config_from_args(args, 6, "cpu").classes, config_from_args(args, 6, "cpu").kinds) == ("found", 4)
    args = build_parser().parse_args(["train", str(data), "--out", "x"])
    assert config_from_args(args, 6, "cpu").classes == "auto"
    args = build_parser().parse_args(["train", str(data), "--out", "x", "--class-rule", "dogs=canines",
                                      "--class-rule", "wolves=canines", "--class-rule", "junk="])
    assert config_from_args(args, 6, "cpu").class_rules == {"dogs": "canines", "wolves": "canines", "junk": ""}
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", str(data), "--out", "x", "--class-rule", "dogs"])
    assert "is not SUBFOLDER=NAME" in capsys.readouterr().err


def test_the_kinds_a_run_trains_with_are_printed(tmp_path):
    """What `ganstudio train` prints once the run has begun: its kinds.json and scan.json's sentences."""
    from studio.core.kinds import subfolder_kinds
    from studio.core.run_kinds import save
    from studio.session.kinds import run_kinds_lines
    from studio.session.project import Project
    from studio.core.config import TrainConfig
    project = Project.create(tmp_path / "run", TrainConfig())
    usable = ["a/0.png", "a/1.png", "b/0.png", "b/1.png", "b/2.png", "c/0.png"]
    kinds, notes = subfolder_kinds(usable, {}, ["a", "b", "c"])
    save(project.run, kinds)
    project.run.scan_file.write_text(json.dumps({"kinds": notes}), encoding="utf-8")
    assert run_kinds_lines(project) == ["kinds (2, from the subfolders): a (2), b (3)"]
    save(project.run, None)
    assert run_kinds_lines(project) == ["training without kinds"]       # the folder's sentences say why
    save(project.run, None)
    project.run.scan_file.write_text(json.dumps({"kinds": []}), encoding="utf-8")
    assert run_kinds_lines(project) == []                               # a run without kinds: as before


def test_from_an_enlarged_picture_the_model_cannot_enlarge_is_made_at_its_size_and_said(tmp_path, kinds_model,
                                                                                        capsys):
    main(["generate", str(kinds_model), "--out", str(tmp_path / "a"), "--count", "1", "--class", "red",
          "--device", "cpu"])
    src = tmp_path / "a" / "seed000000.png"
    raw = {k: v for k, v in read_png_meta(src).raw.items() if k not in ("format", "version")}
    big = tmp_path / "big.png"
    save_png(big, np.kron(load_pixels(src), np.ones((2, 2, 1), np.uint8)), {**raw, "upscale": {"factor": 2,
                                                                                                "from": [64, 64]}})
    capsys.readouterr()
    assert main(["generate", str(kinds_model), "--from", str(big), "--out", str(tmp_path / "b"),
                 "--device", "cpu"]) == 0
    assert "big.png was enlarged ×2; made at 64 px: this model has no upscaler yet" in capsys.readouterr().err
    again = tmp_path / "b" / "big.png"
    assert np.array_equal(load_pixels(again), load_pixels(src)) and "upscale" not in read_png_meta(again).raw

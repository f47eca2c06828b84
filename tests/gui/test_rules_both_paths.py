"""Each rule the window and the command line share is written once (studio.session / studio.core); each test
here runs the command-line path and the window path and checks they agree."""
from __future__ import annotations

import pytest

from studio.cli import build_parser, main
from studio.commands.train import config_from_args
from studio.core.models.registry import get_arch
from studio.session.training import TrainingState as S

pytestmark = pytest.mark.gui


def _page_after_scan(w, qtbot, data):
    assert w.new_project(data)
    page = w.project_page
    qtbot.waitUntil(lambda: page.dataset is not None and page.dataset.resolution == page.cfg.resolution,
                    timeout=30_000)
    return page


def test_an_architecture_brings_its_latent_size_and_loss(make_main_window, make_image_folder, qtbot):
    data = make_image_folder(8, 48)
    args = build_parser().parse_args(["train", str(data), "--out", "x", "--arch", "fastgan", "--device", "cpu"])
    cli = config_from_args(args, 8, "cpu")
    w = make_main_window(show=False)
    page = _page_after_scan(w, qtbot, data)
    page.w_arch.setCurrentIndex(page.w_arch.findData("fastgan"))          # as the artist picks it
    window = page.read_config().validate()
    assert cli.z_dim == window.z_dim == get_arch("fastgan").z_dim == 256
    assert cli.loss_name == window.loss_name == get_arch("fastgan").loss == "hinge"
    assert w.studio.project.config().z_dim == 256                         # what the run will be built with
    page.w_arch.setCurrentIndex(page.w_arch.findData("dcgan"))
    assert page.read_config().z_dim == get_arch("dcgan").z_dim and page.read_config().loss_name == "bce"


def test_the_suggestion_follows_the_device_preference_not_the_status_bar(make_main_window, make_image_folder,
                                                                        qtbot, monkeypatch):
    from studio.gui.widgets.device_label import DeviceLabel
    data = make_image_folder(12, 48)
    monkeypatch.setattr(DeviceLabel, "_show", lambda self, name: None)   # whatever the status bar says …
    w = make_main_window(show=False)
    w._device_label.device_name = "CUDA: NVIDIA H200"
    w.studio.set_prefs(w.studio.prefs.replace(device="cpu"))           # … Preferences say the CPU
    page = _page_after_scan(w, qtbot, data)
    args = build_parser().parse_args(["train", str(data), "--out", "x", "--device", "cpu"])
    cli = config_from_args(args, len(page.dataset), "cpu")
    keys = ("arch", "resolution", "batch", "kimg", "augment", "z_dim", "width", "lr_g", "beta1")
    assert page.device_type == "cpu"
    assert {k: getattr(page.cfg, k) for k in keys} == {k: getattr(cli, k) for k in keys}
    assert page.cfg.device == "auto"                                     # the suggestion never rewrites the choice


def test_resume_past_the_target_trains_as_long_again_in_both(make_main_window, trained_run, qtbot, capsys):
    from studio.session.project import Project
    cfg = Project.open(trained_run).config()
    start = Project.open(trained_run).checkpoints()[0][0]
    assert main(["resume", str(trained_run), "--no-quality"]) == 0        # the CLI: no refusal …
    err = capsys.readouterr().err
    assert f"already reached its {cfg.kimg:g} thousand images" in err        # … the same notice as the window's
    after_cli = Project.open(trained_run).checkpoints()[0][0]
    assert after_cli > start
    w = make_main_window()
    assert w.open_project(trained_run)
    tv = w.training_view
    qtbot.mouseClick(tv.btn_start, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.LeftButton)   # Resume
    qtbot.waitUntil(lambda: tv.shown_state == S.FINISHED, timeout=120_000)
    assert any("already reached" in text for _, text in w.log.messages())
    done = w.studio.training.started
    assert done.target_kimg == pytest.approx(done.kimg + cfg.kimg)
    assert Project.open(trained_run).checkpoints()[0][0] > after_cli


def test_one_device_rule_for_commands_and_the_window(make_main_window, trained_run, tmp_path, qtbot, monkeypatch):
    import studio.session.devices as devices
    calls = []
    real = devices.resolve_device
    monkeypatch.setattr(devices, "resolve_device",
                        lambda explicit=None, prefs=None, project=None:
                        calls.append(devices.device_choice(explicit, prefs, project)) or real(explicit, prefs, project))
    assert main(["generate", str(trained_run), "--count", "1", "--out", str(tmp_path / "g"), "--device", "cpu"]) == 0
    assert main(["animate", str(trained_run), "--walk", "--fps", "8", "--seconds", "1", "--device", "cpu",
                 "--out", str(tmp_path / "a.gif")]) == 0
    w = make_main_window(show=False)
    w.studio.set_prefs(w.studio.prefs.replace(device="cpu"))
    ex = w.workspace("explore")
    ex.open_model(trained_run)
    qtbot.waitUntil(lambda: ex.model is not None, timeout=30_000)
    assert len(calls) >= 3 and set(calls) == {"cpu"} and ex.model.device.type == "cpu"   # + the status read-out
    for cmd in ("generate", "animate", "train", "evaluate", "invert"):                 # MPS is a choice everywhere
        with pytest.raises(SystemExit) as e:
            build_parser().parse_args([cmd, "x", "--device", "tpu"] + (["--out", "y"] if cmd != "evaluate" else []))
        assert e.value.code == 2
    ex.shutdown()


def test_a_folder_is_a_project_by_the_same_test_in_both(make_main_window, tmp_path, capsys):
    odd = tmp_path / "odd"
    (odd / "config.json").mkdir(parents=True)                             # a folder named config.json
    assert main(["resume", str(odd)]) == 2
    assert "is not a GAN Studio project" in capsys.readouterr().err
    w = make_main_window()
    assert not w.open_project(odd)
    assert "is not a GAN Studio project" in w.projects.last_dialog.text()
    w.projects.last_dialog.close()


def test_an_output_that_is_a_file_is_one_sentence(tmp_path, make_image_folder, capsys):
    data = make_image_folder(4)
    (tmp_path / "taken").write_text("x")
    assert main(["train", str(data), "--out", str(tmp_path / "taken"), "--resolution", "32"]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and "Errno" not in err and err.count("\n") == 1

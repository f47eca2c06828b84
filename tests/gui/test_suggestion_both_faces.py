"""One suggestion rule: `ganstudio train` and the Dataset page give identical settings for the same folder size,
device, size and architecture, and the page follows the suggestion as its inputs change, keeping hand edits."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from studio.cli import build_parser
from studio.commands.train import config_from_args
from studio.core.config import TrainConfig
from studio.core.models.registry import ARCHITECTURES
from studio.session.settings import suggestion

pytestmark = pytest.mark.gui

COUNTS = (50, 500, 5000, 50000)
DEVICES = ("cpu", "cuda", "mps")
SIZES = (32, 64, 128, 256, 512, 1024)


def _choose(combo, value) -> None:
    """Pick `value` in a real QComboBox as the artist does (the popup's row, i.e. setCurrentIndex)."""
    i = combo.findData(value)
    assert i >= 0, value
    combo.setCurrentIndex(i)


def _fresh(page, count: int, device: str) -> None:
    page.clear()                                          # no hand edits, default settings, then a scan's facts
    page.apply_config(TrainConfig())
    page.folder_facts(count, device)


def _cli(count, device, *flags):
    args = build_parser().parse_args(["train", "data", "--out", "x", *flags])
    return config_from_args(args, count, device)


def _comparable(cfg: TrainConfig) -> dict:
    d = cfg.to_dict()
    for k in ("data_dir", "device"):                      # where the images are, and the device choice ("auto")
        d.pop(k)
    return d


def test_the_command_and_the_page_suggest_the_same_for_every_folder_device_size_and_arch(make_main_window):
    page = make_main_window(show=False).project_page
    checked = 0
    for count in COUNTS:
        for device in DEVICES:
            _fresh(page, count, device)                  # nothing chosen: both pick size and architecture
            assert _comparable(page.read_config()) == _comparable(_cli(count, device)), (count, device)
            for arch in ARCHITECTURES.values():
                for res in (r for r in SIZES if arch.supports(r)):
                    _fresh(page, count, device)
                    _choose(page.w_arch, arch.name)
                    _choose(page.w_resolution, res)
                    window = page.read_config().validate()
                    cli = _cli(count, device, "--arch", arch.name, "--resolution", str(res))
                    assert _comparable(window) == _comparable(cli), (count, device, arch.name, res)
                    assert (window.arch, window.resolution) == (arch.name, res)
                    # the reasons shown are those of a suggestion for this size and architecture (chosen, or
                    # picked by the rule when the artist's choice was already the suggestion's)
                    shown = [s for r in (res, None) for a in (arch.name, None)
                             if (s := suggestion(count, device, r, a)).why == page.why.text()]
                    assert shown and all((s.config.resolution, s.config.arch, s.config.width, s.config.kimg) ==
                                         (res, arch.name, window.width, window.kimg) for s in shown)
                    if device == "cpu" and arch.name == "projected":
                        assert f"at {res} px on a 2-core CPU" in page.why.text()
                    checked += 1
    assert checked == len(COUNTS) * len(DEVICES) * 13


def test_the_page_follows_size_and_keeps_hand_edits(make_main_window, qtbot):
    page = make_main_window(show=False).project_page
    _fresh(page, 146, "cpu")
    cfg = page.read_config()
    assert (cfg.arch, cfg.resolution, cfg.width, cfg.kimg) == ("projected", 64, 16, 150.0)
    assert "about 25 minutes at 64 px" in page.why.text()
    _choose(page.w_resolution, 128)                       # the reported bug: 16 / 150 kept at 128 px on a CPU
    cfg = page.read_config()
    assert (cfg.resolution, cfg.width, cfg.kimg) == (128, 8, 60.0)
    assert _comparable(cfg) == _comparable(_cli(146, "cpu", "--resolution", "128"))
    assert "at 128 px" in page.why.text() and "at 64 px" not in page.why.text()
    page.w_batch.setFocus()
    page.w_batch.selectAll()
    qtbot.keyClicks(page.w_batch, "24")                   # typed by hand: kept from now on
    qtbot.keyClick(page.w_batch, Qt.Key_Return)
    assert page.read_config().batch == 24
    _choose(page.w_resolution, 256)
    cfg = page.read_config()
    assert (cfg.resolution, cfg.batch, cfg.kimg) == (256, 24, 40.0)
    assert _comparable(cfg) == _comparable(_cli(146, "cpu", "--resolution", "256", "--batch", "24"))
    page.folder_facts(146, "cuda")                       # the device changed: the suggestion follows, edits stay
    cfg = page.read_config()
    assert (cfg.resolution, cfg.batch, cfg.kimg, cfg.width) == (256, 24, 500.0, 32)
    page.folder_facts(9000, "cuda")                      # a rescan found more images: augmentation off
    assert page.read_config().augment is False
    _choose(page.w_arch, "dcgan")
    cfg = page.read_config()
    assert (cfg.arch, cfg.z_dim, cfg.loss_name, cfg.batch) == ("dcgan", 100, "bce", 24)

"""Adding an architecture = its model file and one registry entry: a toy one, registered here, shows up in the
settings, validation, the command line, the Dataset page, directions and the model builder."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from studio.core.models.registry import Architecture, register, unregister

pytestmark = pytest.mark.gui


class Generator(nn.Module):
    def __init__(self, z_dim: int, resolution: int, channels: int, width: int):
        super().__init__()
        self.resolution, self.channels = resolution, channels
        self.stem = nn.Sequential(nn.Linear(z_dim, width * 4), nn.ReLU())
        self.out = nn.Linear(width * 4, channels * resolution * resolution)

    def forward(self, z):
        return torch.tanh(self.out(self.stem(z))).view(len(z), self.channels, self.resolution, self.resolution)


class Discriminator(nn.Module):
    def __init__(self, resolution: int, channels: int, width: int):
        super().__init__()
        self.main = nn.Sequential(nn.Flatten(), nn.Linear(channels * resolution * resolution, width), nn.ReLU(),
                                  nn.Linear(width, 1))

    def forward(self, x):
        return self.main(x)


@pytest.fixture
def toy():
    arch = register(Architecture("toy", __name__, "Toy — a test's", 32, 64, z_dim=12, width=3, lr_g=1e-3,
                                 lr_d=5e-4, beta1=0.1, beta2=0.9, loss="bce", direction_layer="stem"))
    yield arch
    unregister("toy")


def test_a_registered_architecture_reaches_every_face(toy, make_main_window, tmp_path):
    from studio.cli import build_parser
    from studio.commands.train import config_from_args
    from studio.core.config import ConfigError, TrainConfig, with_arch
    from studio.core.directions import compute_directions, early_layer
    from studio.core.models import ModelSpec, build_models

    cfg = with_arch(TrainConfig(), "toy").validate()                       # its own settings
    assert (cfg.z_dim, cfg.width, cfg.lr_g, cfg.lr_d, cfg.beta1, cfg.beta2, cfg.loss_name) == \
        (12, 3, 1e-3, 5e-4, 0.1, 0.9, "bce")
    with pytest.raises(ConfigError, match=r"toy supports 32-64 px; use --arch \w+.* for 128 px"):
        TrainConfig(arch="toy", resolution=128).validate()
    with pytest.raises(ConfigError, match="choose one of .*toy"):
        TrainConfig(arch="nope").validate()

    args = build_parser().parse_args(["train", str(tmp_path), "--out", "x", "--arch", "toy"])   # a --arch choice
    cli = config_from_args(args, 100, "cpu")
    assert (cli.arch, cli.resolution, cli.z_dim, cli.width) == ("toy", 64, 12, 3)

    page = make_main_window(show=False).project_page                      # the window's combo and its label
    i = page.w_arch.findData("toy")
    assert i >= 0 and page.w_arch.itemText(i) == "Toy — a test's, 32–64 px"

    G, D = build_models(ModelSpec.from_config(cli))                       # a tiny model builds and runs
    img = G(torch.randn(2, 12))
    assert img.shape == (2, 3, 64, 64) and D(img).shape == (2, 1)
    assert early_layer(G)[0] == "stem"                                    # directions read its layer
    d = compute_directions(G, 12, count=3, samples=64)
    assert d.layer == "stem" and len(d) == 3


def test_validation_still_says_which_architecture_fits():
    from studio.core.config import ConfigError, TrainConfig
    with pytest.raises(ConfigError, match="dcgan supports 32-256 px; use --arch projected or fastgan for 512 px"):
        TrainConfig(arch="dcgan", resolution=512).validate()
    with pytest.raises(ConfigError, match="projected supports 64-512 px; use --arch dcgan for 32 px"):
        TrainConfig(arch="projected", resolution=32).validate()

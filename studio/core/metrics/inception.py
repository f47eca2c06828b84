"""Optional true FID, from an Inception file the user already has. Nothing is ever downloaded.

Supported: the TorchScript Inception-v3 that StyleGAN2-ADA / StyleGAN3 use for their FID
(`inception-2015-12-05.pt`, a port of the TF 2015-12-05 graph): `torch.jit.load`, called as
`net(images, return_features=True)` on float images in 0..255, NCHW, any size (it resizes to 299
itself), returning (N, 2048) pool3 features. The pytorch-fid file `pt_inception-2015-12-05-6726825d.pth`
is a plain state dict for pytorch-fid's own network class; it is recognised and refused with a
message, because rebuilding that network needs torchvision and pytorch-fid.

UNTESTED without the file: this machine has no copy, so the TorchScript call convention is
implemented from the StyleGAN2-ADA metric code, not verified here. A TorchScript file is a zip of
TorchScript code: only load a file you trust.
"""
from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch

from . import scores
from ..errors import StudioError


class InceptionError(StudioError, RuntimeError):
    pass


class InceptionFID:
    def __init__(self, path: Path | str, device: str | torch.device = "cpu", batch: int = 32):
        path = Path(path)
        if not path.is_file():
            raise InceptionError(f"{path} does not exist")
        if not zipfile.is_zipfile(path):
            raise InceptionError(f"{path.name} is not a TorchScript file (expected the StyleGAN2-ADA "
                                 "inception-2015-12-05.pt)")
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
        if not any(n.endswith("constants.pkl") or "/code/" in n for n in names):
            raise InceptionError(f"{path.name} is a PyTorch state dict (e.g. pytorch-fid's pt_inception-…pth), "
                                 "not TorchScript. GAN Studio runs only the TorchScript Inception "
                                 "(inception-2015-12-05.pt from StyleGAN2-ADA) for FID.")
        self.device = torch.device(device)
        try:
            with warnings.catch_warnings():           # torch.jit is deprecated, but it is this file's format
                warnings.simplefilter("ignore", DeprecationWarning)
                self.net = torch.jit.load(str(path), map_location=self.device).eval()
        except Exception as e:  # noqa: BLE001
            raise InceptionError(f"{path.name} could not be loaded as TorchScript ({str(e)[:200]})") from None
        self.batch = batch

    @torch.inference_mode()
    def features(self, images: np.ndarray) -> np.ndarray:
        out = []
        for i in range(0, len(images), self.batch):
            x = torch.from_numpy(np.ascontiguousarray(images[i:i + self.batch])).to(self.device)
            x = x.permute(0, 3, 1, 2)
            if x.shape[1] == 1:
                x = x.expand(-1, 3, -1, -1)
            x = x[:, :3].float()
            f = self.net(x, return_features=True)
            out.append(f.float().cpu().numpy())
        if not out:
            return np.zeros((0, 2048), np.float32)
        feats = np.concatenate(out)
        if feats.ndim != 2 or feats.shape[1] != 2048:
            raise InceptionError(f"the Inception file returned features of shape {feats.shape}, not (N, 2048)")
        return feats

    def fid(self, real_images: np.ndarray, fake_images: np.ndarray) -> float:
        return scores.frechet_distance(self.features(real_images), self.features(fake_images))

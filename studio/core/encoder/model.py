"""A trained encoder: `encoder.safetensors` in the run folder (safetensors + JSON metadata, never pickles).

The file holds the trained weights ("encoder.*"; the frozen Lite0 it also looks through ships in the wheel) and,
as metadata, the network's settings, the identity and settings of the model it was trained for and the figures
it reached. `Encoder.encode(images)` gives each picture's latent; `Encoder.check(model)` says in one sentence why
an encoder cannot serve a model (another size, another latent length), so the search falls back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..backbone import get_backbone
from ..checkpoint import load_network, pack_module, save_file
from ..errors import StudioError
from ..run import ENCODER_NAME
from .net import EncoderSpec, LatentEncoder

FILE_NAME = ENCODER_NAME                 # in a run folder (core.run's layout)
KIND = "encoder"


class EncoderError(StudioError, ValueError):
    """An encoder cannot be trained, loaded or used as asked; the message is one sentence."""


def save_encoder(path: Path, net: LatentEncoder, meta: dict, half: bool = False) -> None:
    """Write the trained weights and metadata atomically (a crash never leaves half a file)."""
    tensors = pack_module("encoder", net)
    if half:
        tensors = {k: v.half() if v.is_floating_point() else v for k, v in tensors.items()}
    save_file(Path(path), tensors, {"kind": KIND, "spec": net.spec.to_dict(), **meta})


def _corrupt(path: Path, why: str) -> EncoderError:
    return EncoderError(f"The encoder {path} cannot be used ({why}): train it again with ganstudio encoder RUN.")


def load_encoder(path: Path, device="cpu") -> "Encoder":
    path = Path(path)

    def build(spec: dict):
        spec = EncoderSpec.from_dict(spec)
        return LatentEncoder(spec, get_backbone("lite0", device)), spec
    net, spec, meta = load_network(path, KIND, build, lambda why: _corrupt(path, why))
    net.to(device)
    return Encoder(net, spec, meta, path, torch.device(device))


def images_to_tensor(images: np.ndarray, device) -> torch.Tensor:
    """uint8 (N, H, W, C) → float (N, C, H, W) in [-1, 1] on `device`."""
    x = torch.from_numpy(np.array(images, copy=True)).to(device)
    return x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


@dataclass
class Encoder:
    net: LatentEncoder
    spec: EncoderSpec
    meta: dict = field(default_factory=dict)
    path: Path | None = None
    device: torch.device = torch.device("cpu")

    def mismatch(self, model) -> str:
        """'' when this encoder can serve `model` (a GeneratorModel), else why not, in one sentence."""
        ms = model.spec
        mine = (self.spec.resolution, self.spec.channels, self.spec.z_dim)
        theirs = (ms.resolution, ms.channels, ms.z_dim)
        if mine != theirs:
            return (f"the encoder {self.path.name if self.path else ''} was trained for another model "
                    f"({mine[0]} px, {mine[1]} channels, latent {mine[2]}; this one is {theirs[0]} px, "
                    f"{theirs[1]} channels, latent {theirs[2]})").replace("encoder  was", "encoder was")
        return ""

    def check(self, model) -> None:
        why = self.mismatch(model)
        if why:
            raise EncoderError(why[0].upper() + why[1:] + ": train one for it with ganstudio encoder RUN.")

    @torch.inference_mode()
    def encode(self, images: np.ndarray, batch: int = 32) -> torch.Tensor:
        """uint8 (N, R, R, C) at the model's size → float32 (N, z_dim) latents on the CPU."""
        images = np.asarray(images)
        want = (self.spec.resolution, self.spec.resolution, self.spec.channels)
        if images.ndim != 4 or images.shape[1:] != want:
            raise EncoderError(f"the encoder takes {want[0]}×{want[1]} pictures with {want[2]} channels, "
                               f"not {images.shape[1:]}: fit the picture to the model first")
        out = [self.net(images_to_tensor(images[i:i + batch], self.device)).float().cpu()
               for i in range(0, len(images), batch)]
        return torch.cat(out) if out else torch.zeros(0, self.spec.z_dim)

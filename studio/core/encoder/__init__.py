"""A per-run encoder: any picture → the latent the model makes it from, in one pass (issue 29).

net.py the network, train.py its training (a stage after the GAN, or `ganstudio encoder RUN`), model.py the saved
file and `Encoder.encode`. The search (core/invert.py) starts from E(x) and refines it for a few steps.
"""
from .model import FILE_NAME, Encoder, EncoderError, load_encoder, save_encoder
from .net import EncoderSpec, LatentEncoder
from .train import EncoderResult, EncoderSettings, EncoderTraining

__all__ = ["FILE_NAME", "Encoder", "EncoderError", "EncoderResult", "EncoderSettings", "EncoderSpec",
           "EncoderTraining", "LatentEncoder", "load_encoder", "save_encoder"]

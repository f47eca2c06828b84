"""A per-run upscaler (×2 / ×4) learned from the artist's own full-size pictures (issue 27).

net.py the network, degrade.py the (low-res, high-res) pairs, data.py the factor rules and targets,
losses.py the distances, train.py the training loop, model.py the saved file and `Upscaler.upscale`.
"""
from .data import FactorChoice, UpscalerError, choose_factor, load_targets
from .model import FILE_NAME, Upscaler, load_upscaler, save_upscaler
from .net import FACTORS, CompactSR, UpscalerSpec
from .train import UpscalerResult, UpscalerSettings, UpscalerTraining

__all__ = ["FACTORS", "FILE_NAME", "CompactSR", "FactorChoice", "Upscaler", "UpscalerError", "UpscalerResult",
           "UpscalerSettings", "UpscalerSpec", "UpscalerTraining", "choose_factor", "load_targets", "load_upscaler",
           "save_upscaler"]

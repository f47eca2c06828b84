"""GAN architectures behind one registry: build_models(spec) → (G, D)."""
from .registry import ModelSpec, build_discriminator, build_generator, build_models

__all__ = ["ModelSpec", "build_generator", "build_discriminator", "build_models"]

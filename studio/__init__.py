"""GAN Studio: train, explore and animate GANs on your own images."""

__version__ = "0.1.0"

"""The GAN Studio engine. Pure Python + PyTorch: no Qt import anywhere under this package."""

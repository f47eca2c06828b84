"""Quality metrics that work offline: KID, FD, precision/recall, density/coverage, diversity.

Measured in the EfficientNet-Lite1 feature space that ships with the install, with KID/FD in
EfficientNet-Lite0 beside them (see features.py); the numbers are labelled with their space
("KID (EfficientNet-Lite1)") and are not
comparable with published FID. True FID is optional, from a local Inception file (inception.py).
Importing this package is cheap: the network loads on first use.
"""
from .monitor import QualityMonitor
from .quality import LABELS, QualityReport, collapse_warning, evaluate_features, evaluate_images
from .scores import all_scores

__all__ = ["QualityMonitor", "QualityReport", "LABELS", "collapse_warning", "evaluate_features",
           "evaluate_images", "all_scores"]

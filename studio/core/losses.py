"""GAN losses: non-saturating cross-entropy (the classic recipe) and hinge; the R1 penalty."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def d_loss_real(real: torch.Tensor, kind: str = "bce") -> torch.Tensor:
    """D's loss on real logits: -log D(x) with D = sigmoid(logit), or the hinge."""
    return F.relu(1 - real).mean() if kind == "hinge" else F.softplus(-real).mean()


def d_loss_fake(fake: torch.Tensor, kind: str = "bce") -> torch.Tensor:
    """D's loss on generated logits: -log(1 - D(G(z))), or the hinge."""
    return F.relu(1 + fake).mean() if kind == "hinge" else F.softplus(fake).mean()


def g_loss(fake: torch.Tensor, kind: str = "bce") -> torch.Tensor:
    if kind == "hinge":
        return -fake.mean()
    return F.softplus(-fake).mean()          # non-saturating: -log D(G(z))


def d_score(logits: torch.Tensor, kind: str = "bce") -> torch.Tensor:
    """What the UI plots as D(x): a probability for bce, the raw critic score for hinge."""
    return torch.sigmoid(logits).mean() if kind == "bce" else logits.mean()


def r1_penalty(real_logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return grad.square().sum(dim=[1, 2, 3]).mean()

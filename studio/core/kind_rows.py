"""A latent's kind as files keep it, and the kind weights of many latents at once (core/kinds.py has the rest).

    kind = kind_from_json(value, "keyframe")        # None | {name: weight}, checked (ValueError: one sentence)
    c = kind_rows(names, prior, [None, {"elf": 1.0}], z)   # (N, K): a kind's weights, else the latent's own

A kind as kept (explorer position, keyframes, PNG metadata "kind") is None — "Any kind": G derives it from the
latent (kinds.default_weights) — or {name: weight}. Its names are checked against a model only where it is used
(kinds.kind_weights), so a file read without the model still reads.
"""
from __future__ import annotations

import math

from .kinds import MAX_KINDS, default_weights, kind_weights


def kind_from_json(v, what: str = "kind") -> dict[str, float] | None:
    """A kind read from JSON: None, or a {name: weight ≥ 0} table with a weight above 0. ValueError otherwise."""
    if v is None or v == {}:
        return None
    if not isinstance(v, dict) or len(v) > MAX_KINDS or not all(isinstance(k, str) and 0 < len(k) <= 200 for k in v):
        raise ValueError(f"the {what}'s kind is not a table of kind names and weights")
    for w in v.values():
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
            raise ValueError(f"the {what}'s kind weights are not numbers of 0 or more")
    if sum(v.values()) <= 0:
        raise ValueError(f"the {what}'s kind weights add up to 0")
    return {k: float(w) for k, w in v.items()}


def kind_rows(names, prior, kinds: list, z):
    """(N, K) float32 torch weights of N latents `z` (N, z_dim): row i is kinds[i]'s weights (kinds.kind_weights),
    or for None the latent's own (kinds.default_weights with `prior`, G's kind_prior) — what G would use. None for
    a model without kinds. KindError for a kind the model lacks."""
    import torch
    if not names:
        return None
    own = default_weights(z.detach().float().cpu(), torch.as_tensor(prior).float().cpu())
    rows = [own[i] if k is None else torch.from_numpy(kind_weights(names, k)) for i, k in enumerate(kinds)]
    return torch.stack(rows).float() if rows else torch.zeros(0, len(names))

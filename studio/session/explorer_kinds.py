"""The kind Explore shows, for a model with kinds (core/kinds.py): checking a chosen kind, the weights G is given,
the kind of each keyframe along a path, and a typical picture of each kind for the picker.

    kind = usable_kind(model, {"elf": 0.7, "orc": 0.3})   # None ("Any kind") for a model without, or that lacks one
    w = kind_array(model, kind)                           # (K,) float32 for G, None: each latent's own
    c = latent_kinds(model, keyframes)                    # (N, K) torch: each keyframe's kind, else its latent's own
    pictures = kind_pictures(model)                       # {name: uint8 HWC} from the run's cached folder ({}: none)

A kind is None or {name: weight}: the first name is the kind picked, a second one the kind mixed in (its weight
may be 0, so that the mix keeps its partner while the slider rests at 0); weights are normalised to sum to 1.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from studio.core.kind_rows import kind_rows
from studio.core.kinds import KindError, kind_weights


def usable_kind(model, kind) -> dict[str, float] | None:
    """`kind` (None, a name, {name: weight}) as the document keeps it for `model`: normalised with the model's own
    spelling of each name; None when the model has no kinds, or not these (an edit made with another model)."""
    names = tuple(getattr(model, "kinds", ()) or ()) if model is not None else ()
    if kind is None or not names:
        return None
    if isinstance(kind, str):
        kind = {kind: 1.0}
    try:
        kind_weights(names, kind)                        # KindError: a kind the model lacks, or no weight at all
    except KindError:
        return None
    lower = {n.lower(): n for n in names}
    total = float(sum(kind.values()))
    return {(k if k in names else lower[str(k).lower()]): round(float(v) / total, 6) for k, v in kind.items()}


def kind_array(model, kind) -> np.ndarray | None:
    """(K,) float32 weights for G, or None: each latent its own kind (also for a model without kinds)."""
    kind = usable_kind(model, kind)
    return None if kind is None else kind_weights(model.kinds, kind)


def latent_kinds(model, items) -> "torch.Tensor | None":  # noqa: F821
    """(N, K) weights of keyframes (or anything with .z and .kind_mix): each its kind, else its latent's own (what G
    derives from it), so that a path through them is continuous; None for a model without kinds."""
    import torch
    if not model.kinds or not items:
        return None
    prior = getattr(model.G, "kind_prior", torch.full((len(model.kinds),), 1.0 / len(model.kinds)))
    return kind_rows(model.kinds, prior, [usable_kind(model, k.kind_mix) for k in items],
                     torch.stack([k.z.float() for k in items]))


def kind_pictures(model) -> dict[str, np.ndarray]:
    """A typical picture of each of the model's kinds (kinds.json's first example of each) from its run's cached
    copy of the folder (core.dataset.run_pictures); {} for a model outside a run or a run without kinds.json, and
    no picture for a kind whose example the cache does not hold."""
    from studio.core.dataset import DatasetError, run_pictures
    from studio.core.run import run_of
    from studio.core.run_kinds import read
    run = run_of(Path(model.path)) if model is not None and model.kinds else None
    if run is None:
        return {}
    try:
        kinds = read(run)
    except DatasetError:
        return {}
    if kinds is None or tuple(kinds.names) != tuple(model.kinds):
        return {}
    named = [(n, ex[0]) for n, ex in zip(kinds.names, kinds.examples) if ex]
    found = run_pictures(run.cache_dir, run.scan_file, [i for _, i in named])
    return {n: got[1] for (n, _), got in zip(named, found) if got is not None and got[1] is not None}

"""Kinds of picture: the classes a model is conditioned on, from the folder's subfolders or found by clustering.

    kinds = subfolder_kinds(report.usable, rules, subdirs)    # portraits/ landscapes/ creatures/ → 3 kinds
    kinds = found_kinds(features, k, seed)                   # a flat folder: clusters in the feature network's space
    weights = kind_weights(kinds.names, "elf")               # (K,) what G is conditioned on; "elf:0.5,orc:0.5" mixes

A conditional G takes soft weights over the kinds (N, K): a one-hot row is one kind, a mixed row an in-between
kind (G embeds the weights linearly, so mixing weights mixes the kinds' embeddings). Called without weights,
G derives them from the latent itself (default_weights): the first coordinate of z, through the normal CDF,
falls into one kind's share of [0, 1] — random latents then show every kind as often as the folder holds it,
and code that knows nothing of kinds (sample grids, quality, directions, search) keeps working.

Self-conditioning (after Liu et al., "Diverse Image Generation via Self-Conditioned GANs", CVPR 2020): D is told
which cluster each real picture belongs to and G must make pictures of every cluster as often as the folder
has them — a G that drops a kind is caught by D's conditional judgement of that kind. Our feature network is
frozen, so clusters found at the start are what re-clustering later would find again: they are found once, and
their centres kept in kinds.json (a resumed run whose folder changed assigns new pictures to the nearest centre).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import StudioError

MAX_KINDS = 64                      # more subfolders than this: the smallest are merged into "Other"
MIN_PICTURES = 2                    # a subfolder with fewer usable pictures is no kind (it is left out, and said)
UNSORTED = "Unsorted"               # pictures directly in a folder that has kind subfolders
OTHER = "Other"
EDGE = 0.004                        # softness of default_weights' boundaries (a fraction of the [0, 1] line)
NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')    # characters no name may hold on some system
RESERVED = re.compile(r"(?i)con|prn|aux|nul|com[0-9]|lpt[0-9]")   # names Windows keeps for devices


class KindError(StudioError, ValueError):
    """A kind asked for that the model does not have, or a mix that does not parse; the message says which."""


@dataclass
class Kinds:
    names: list[str]
    labels: np.ndarray                       # int64 (N,): each dataset picture's kind, -1 = in no kind (left out)
    source: str                              # "subfolders" | "found"
    notes: list[str] = field(default_factory=list)      # sentences for the scan report
    examples: list[list[int]] = field(default_factory=list)   # per kind: dataset indices of its typical pictures
    centres: np.ndarray | None = None        # found kinds: (K, F) cluster centres in the feature space

    def __len__(self) -> int:
        return len(self.names)

    @property
    def counts(self) -> list[int]:
        return [int((self.labels == k).sum()) for k in range(len(self.names))]

    @property
    def prior(self) -> np.ndarray:
        c = np.asarray(self.counts, np.float64)
        return (c / max(c.sum(), 1)).astype(np.float32)

    def to_dict(self) -> dict:
        d = {"names": list(self.names), "labels": [int(v) for v in self.labels], "source": self.source,
             "notes": list(self.notes), "examples": [[int(i) for i in e] for e in self.examples]}
        if self.centres is not None:
            d["centres"] = np.round(self.centres.astype(np.float64), 6).tolist()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Kinds":
        centres = np.asarray(d["centres"], np.float32) if d.get("centres") is not None else None
        return cls([str(n) for n in d["names"]], np.asarray(d["labels"], np.int64), str(d["source"]),
                   [str(s) for s in d.get("notes", [])], [list(map(int, e)) for e in d.get("examples", [])], centres)


def clean_name(name: str) -> str:
    """A kind's name as shown and written into file names: characters some systems refuse become '_', as do the
    trailing dots and spaces Windows drops, and Windows' reserved device names (CON, NUL, COM1 …) gain a '_'."""
    name = NOT_IN_NAMES.sub("_", str(name)).strip().rstrip(". ") or "_"
    return name + "_" if RESERVED.fullmatch(name.split(".")[0]) else name


def _few(items: list[str], shown: int = 5) -> str:
    """'a', 'b' and 'c' — or the first `shown` and how many more, so that hundreds of subfolders stay one line."""
    q = [f"'{i}'" for i in items[:shown]]
    rest = len(items) - len(q)
    if rest:
        return ", ".join(q) + f" and {rest} more"
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " and " + q[-1]


def _top(rel: str) -> tuple[str | None, bool]:
    """(top-level subfolder or None for a picture at the root, whether it sits deeper than that subfolder)."""
    parts = re.split(r"[\\/]", rel)
    return (parts[0], len(parts) > 2) if len(parts) > 1 else (None, False)


def subfolder_members(usable: list[str]) -> tuple[dict[str, list[int]], list[int], dict[str, int]]:
    """({top-level subfolder: dataset indices of its pictures}, indices of the pictures at the root,
    {subfolder: how many of its pictures sit in folders inside it})."""
    members: dict[str, list[int]] = {}
    loose: list[int] = []
    nested: dict[str, int] = {}
    for i, rel in enumerate(usable):
        top, deep = _top(rel)
        if top is None:
            loose.append(i)
            continue
        if deep:
            nested[top] = nested.get(top, 0) + 1
        members.setdefault(top, []).append(i)
    return members, loose, nested


def subfolder_kinds(usable: list[str], rules: dict | None = None,
                    subdirs: list[str] | None = None) -> tuple[Kinds | None, list[str]]:
    """Kinds from the top-level subfolders of a scanned folder (usable: ScanReport.usable, relative paths).

    rules: subfolder → kind name (rename; two subfolders given one name merge) or "" (ignore). subdirs: the
    folder's top-level subfolders (to name the empty ones). (kinds, the scan report's sentences about them);
    kinds is None for a flat folder, or when fewer than two kinds remain."""
    rules = dict(rules or {})
    notes: list[str] = []
    members, loose, nested = subfolder_members(usable)
    if not members:
        return None, []
    empty = [d for d in sorted(set(subdirs or ()) - set(members)) if not d.startswith(".")]
    if empty:
        notes.append(f"Subfolder{'s' if len(empty) > 1 else ''} {_few(empty)} "
                     f"{'have' if len(empty) > 1 else 'has'} no usable pictures: no kind for "
                     f"{'them' if len(empty) > 1 else 'it'}.")
    kinds: dict[str, list[int]] = {}
    for top in sorted(members):
        name = rules.get(top, top)
        if name == "":
            notes.append(f"Subfolder '{top}' is ignored ({_count(len(members[top]))} left out), as chosen.")
            continue
        cleaned = clean_name(name)
        if cleaned != name:
            said = f"The name '{name}' given to subfolder '{top}'" if top in rules else f"Subfolder '{top}'"
            notes.append(f"{said} becomes the kind '{cleaned}': some systems refuse that name, or characters in "
                         "it, in file names.")
        if top in nested:
            notes.append(f"{_count(nested[top])} in folders inside '{top}' "
                         f"{'count' if nested[top] != 1 else 'counts'} as the kind '{cleaned}'.")
        kinds.setdefault(cleaned, []).extend(members[top])
    if loose:
        if kinds:
            notes.append(f"{_count(len(loose))} directly in the folder, beside the subfolders, "
                         f"{'form' if len(loose) != 1 else 'forms'} the kind '{UNSORTED}'.")
        kinds.setdefault(UNSORTED, []).extend(loose)
    few = [n for n in sorted(kinds) if len(kinds[n]) < MIN_PICTURES]
    if few:
        many = len(few) > 1
        notes.append(f"{_few(few)} {'have' if many else 'has'} fewer than {MIN_PICTURES} pictures: too few to learn a "
                     f"kind from, so {'they are' if many else 'it is'} left out (add pictures, or merge "
                     f"{'them' if many else 'it'} with another kind on the Dataset page).")
        for n in few:
            del kinds[n]
    if len(kinds) > MAX_KINDS:
        order = sorted(kinds, key=lambda n: (-len(kinds[n]), n))
        rest = order[MAX_KINDS - 1:]
        merged = [i for n in rest for i in kinds.pop(n)]
        other = OTHER if OTHER not in kinds else f"{OTHER} (merged)"
        kinds[other] = merged
        notes.append(f"{len(order)} kinds are more than a model can learn well: the {len(rest)} smallest are "
                     f"merged into '{other}' (at most {MAX_KINDS} kinds).")
    if len(kinds) < 2:
        notes.append("Fewer than two kinds with pictures: the model trains without kinds.")
        return None, notes
    names = sorted(kinds)
    labels = np.full(len(usable), -1, np.int64)
    for k, n in enumerate(names):
        labels[kinds[n]] = k
    return Kinds(names, labels, "subfolders", notes, [_spread(kinds[n]) for n in names]), notes


def _spread(indices: list[int], n: int = 6) -> list[int]:
    """n of a kind's pictures spread over it (a merged kind shows each of its subfolders, not only the first)."""
    idx, k = sorted(indices), min(n, len(indices))
    return [idx[round(j * (len(idx) - 1) / max(k - 1, 1))] for j in range(k)]


def _count(n: int) -> str:
    return f"{n} picture{'s' if n != 1 else ''}"


# ---------------------------------------------------------------------------------------------- found kinds
def auto_count(n: int) -> int:
    """How many kinds to look for in a flat folder of n pictures (benchmarks/README.md, the variety table)."""
    return int(min(12, max(2, round(n / 30))))


def kmeans(x: np.ndarray, k: int, seed: int = 0, iters: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """(labels, centres): k-means++ seeding then Lloyd's steps, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    x = x.astype(np.float64)
    n = len(x)
    centres = [x[rng.integers(n)]]
    d2 = ((x - centres[0]) ** 2).sum(1)
    for _ in range(1, k):
        p = d2 / d2.sum() if d2.sum() > 0 else np.full(n, 1.0 / n)
        centres.append(x[rng.choice(n, p=p)])
        d2 = np.minimum(d2, ((x - centres[-1]) ** 2).sum(1))
    c = np.stack(centres)
    labels = np.zeros(n, np.int64)
    for it in range(iters):
        dist = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        new = dist.argmin(1)
        if it and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            if (labels == j).any():
                c[j] = x[labels == j].mean(0)
            else:                                     # an empty cluster takes the point farthest from its centre
                far = dist[np.arange(n), labels].argmax()
                c[j], labels[far] = x[far], j
    return labels, c.astype(np.float32)


def found_kinds(features: np.ndarray, k: int, seed: int = 0) -> Kinds:
    """Kinds found in a flat folder: k-means on the pictures' (normalised) features, largest kind first."""
    f = features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-8)
    k = max(1, min(k, len(f)))
    labels, centres = kmeans(f, k, seed)
    order = sorted(range(k), key=lambda j: (-(labels == j).sum(), j))
    remap = np.empty(k, np.int64)
    remap[order] = np.arange(k)
    labels, centres = remap[labels], centres[order]
    examples = []
    for j in range(k):
        idx = np.flatnonzero(labels == j)
        d = ((f[idx] - centres[j]) ** 2).sum(1)
        examples.append([int(i) for i in idx[np.argsort(d)][:6]])
    return Kinds([f"Kind {j + 1}" for j in range(k)], labels, "found", [], examples, centres)


def assign(features: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each picture's nearest found kind (a resumed run whose folder gained pictures)."""
    f = features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-8)
    return ((f[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1).astype(np.int64)


# ---------------------------------------------------------------------------------------------- conditioning
def kind_weights(names: list[str] | tuple[str, ...], kind: str | dict | None) -> np.ndarray | None:
    """(K,) float32 weights for a kind name, a {name: weight} mix, or "a:0.3,b:0.7"; None → None (from the latent).
    Names match exactly, else case-insensitively; weights are normalised to sum to 1."""
    if kind is None or kind == "" or kind == {}:
        return None
    if not names:
        raise KindError("this model was trained without kinds: leave out --class (train with subfolders, or with "
                        "found kinds, to get a kind picker)")
    if isinstance(kind, str):
        parts: dict[str, object] = {}
        for item in (i.strip() for i in kind.split(",")):
            name, _, w = item.rpartition(":") if ":" in item else (item, "", "1")
            if not name.strip():
                raise KindError(f"'{kind}' is not NAME or NAME:WEIGHT, comma-separated (e.g. --class "
                                "'elf:0.5,knight:0.5')")
            parts[name.strip()] = parts.get(name.strip(), 0.0) + _weight(w)
        kind = parts
    out = np.zeros(len(names), np.float32)
    lower = {n.lower(): i for i, n in enumerate(names)}
    for name, w in kind.items():
        i = list(names).index(name) if name in names else lower.get(str(name).lower())
        if i is None:
            raise KindError(f"the model has no kind '{name}': its kinds are {', '.join(names)}")
        out[i] += _weight(w)
    if out.sum() <= 0:
        raise KindError("the kinds' weights add up to 0: give at least one kind a weight above 0")
    return out / out.sum()


def _weight(w) -> float:
    try:
        v = float(w)
    except (TypeError, ValueError):
        raise KindError(f"a kind's weight must be a number, not '{w}' (e.g. --class 'elf:0.5,knight:0.5')") from None
    if isinstance(w, bool) or not (v >= 0 and math.isfinite(v)):
        raise KindError(f"a kind's weight must be 0 or more, not {w}")
    return v


def kind_dict(names, weights) -> dict[str, float] | None:
    """The inverse of kind_weights for metadata and saved states: {name: weight} of the non-zero weights."""
    if weights is None:
        return None
    return {n: round(float(w), 6) for n, w in zip(names, weights) if w > 0}


def default_weights(z, prior):
    """(N, K) weights derived from the latents themselves (torch): the normal CDF of z's first coordinate falls
    into one kind's share of [0, 1] (the shares are the folder's proportions), with soft edges so that a latent
    moving across a boundary passes smoothly through an in-between kind."""
    import torch
    u = 0.5 * (1 + torch.erf(z[:, :1].float() / math.sqrt(2)))              # (N, 1) in (0, 1)
    hi = torch.cumsum(prior.float(), 0)
    lo = hi - prior.float()
    lo, hi = lo.clone(), hi.clone()
    lo[0], hi[-1] = -1.0, 2.0                                                # the ends have no edge
    w = torch.sigmoid((u - lo) / EDGE) - torch.sigmoid((u - hi) / EDGE)
    return (w / w.sum(1, keepdim=True).clamp_min(1e-8)).to(z.dtype)

"""Kinds as the Dataset page and the commands show them: what a run will train with, and the artist's rules.

core/kinds.py decides the kinds (and run_kinds when a run begins); here:

    p = preview(cfg, report.usable)          # the Dataset page's Kinds section (p.flat: a folder without subfolders)
    p.kinds, p.folders, p.notes               # each kind (count, subfolders, a few pictures), each subfolder, sentences
    rules = renamed(cfg.class_rules, ["dogs", "wolves"], "canines")    # rename; two subfolders one name: merged
    rules = ignored(cfg.class_rules, ["junk"], True)                   # left out of training; False: used again
    run_kinds_lines(project)                  # `ganstudio train`'s line: the kinds it trains with

The rules live in the run's settings (TrainConfig.class_rules, saved with the project), so the run trains with them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from studio.core.config import ConfigError
from studio.core.errors import StudioError
from studio.core.kinds import auto_count, subfolder_kinds, subfolder_members
from studio.core.models.registry import ARCHITECTURES
from studio.core.run_kinds import FOUND_BY_DEFAULT, mode, read, top_subdirs

__all__ = ["KindRow", "FolderRow", "KindsPreview", "preview", "renamed", "ignored", "run_kinds_lines", "CHOICES"]

# the Dataset page's choice: what TrainConfig.classes each line sets
CHOICES = (("subfolders", "From subfolders"), ("found", "Find kinds in the folder"), ("none", "None"))


@dataclass(frozen=True)
class KindRow:
    name: str
    count: int
    folders: tuple[str, ...]          # the subfolders it is made of (none: the pictures at the folder's root)
    examples: tuple[int, ...]         # dataset indices of a few of its pictures


@dataclass(frozen=True)
class FolderRow:
    folder: str
    count: int
    kind_name: str                    # the kind it counts as; "" when it is in no kind (ignored, or too few)
    ignored: bool                     # ignored by the artist's rule


@dataclass(frozen=True)
class KindsPreview:
    choice: str                       # one of CHOICES' keys: what the page's Kinds choice shows
    kinds: tuple[KindRow, ...]        # what the run trains with (empty: without kinds, or kinds still to find)
    folders: tuple[FolderRow, ...]    # every top-level subfolder with pictures
    notes: tuple[str, ...]            # the scan report's sentences
    takes_kinds: bool                 # whether the architecture can learn kinds at all
    flat: bool = False                # the folder has no subfolders of pictures: only the choice applies
    finds: int = 0                    # kinds to be found in the pictures when training starts (choice "found")

    @property
    def summary(self) -> str:
        if self.kinds:
            return f"{len(self.kinds)} kinds, {sum(k.count for k in self.kinds):,} pictures"
        return f"{self.finds} kinds, found when training starts" if self.finds else "trains without kinds"


def preview(cfg, usable: list[str], subdirs: list[str] | None = None, project=None) -> KindsPreview:
    """The kinds cfg would train with on these usable pictures (ScanReport.usable). subdirs: the folder's top-level
    subfolders (read from cfg.data_dir when None). A flat folder: no kinds nor subfolders, the choice and why.
    project: a run that has begun shows the kinds it found (its kinds.json), each with its typical pictures."""
    members, _, _ = subfolder_members(usable)
    subdirs = top_subdirs(cfg.data_dir) if subdirs is None else subdirs
    how, takes = mode(cfg), ARCHITECTURES[cfg.arch].kinds
    found = _found(project, len(usable))
    if found is not None:
        rows = tuple(KindRow(n, c, (), tuple(ex)) for n, c, ex in zip(found.names, found.counts, found.examples))
        folders = tuple(FolderRow(f, len(idx), "", False) for f, idx in sorted(members.items()))
        return KindsPreview("found", rows, folders, tuple(_notes(project)), takes, not members)
    if not members:
        choice = "found" if how == "found" or how == "auto" and FOUND_BY_DEFAULT else \
            ("subfolders" if how == "subfolders" else "none")
        return KindsPreview(choice, (), (), tuple(_why(cfg, choice, takes, len(usable), flat=True)), takes, True,
                            _finds(cfg, choice, takes, len(usable)))
    choice = "subfolders" if how == "auto" else how
    kinds, notes = subfolder_kinds(usable, cfg.class_rules, subdirs)
    names = {f: kinds.names[kinds.labels[idx[0]]] if kinds is not None and kinds.labels[idx[0]] >= 0 else ""
             for f, idx in members.items()}          # the kind each subfolder's pictures count as (or "": none)
    folders = tuple(FolderRow(f, len(idx), names[f], cfg.class_rules.get(f) == "")
                    for f, idx in sorted(members.items()))
    rows: tuple[KindRow, ...] = ()
    if kinds is not None and choice == "subfolders" and takes:
        rows = tuple(KindRow(n, c, tuple(f for f in sorted(members) if names[f] == n), tuple(ex))
                     for n, c, ex in zip(kinds.names, kinds.counts, kinds.examples))
    if choice != "subfolders" or not takes:
        notes = _why(cfg, choice, takes, len(usable), flat=False)
    return KindsPreview(choice, rows, folders, tuple(notes), takes, False, _finds(cfg, choice, takes, len(usable)))


def _found(project, count: int):
    """The kinds a begun run found in its pictures (None: none, kinds from subfolders, or another folder now)."""
    if project is None:
        return None
    try:
        kinds = read(project.run)
    except StudioError:
        return None
    return kinds if kinds is not None and kinds.source == "found" and len(kinds.labels) == count else None


def _notes(project) -> list[str]:
    """The scan report's sentences about kinds, as the run's scan.json keeps them."""
    try:
        notes = json.loads(project.run.scan_file.read_text(encoding="utf-8")).get("kinds", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [str(n) for n in notes] if isinstance(notes, list) else []


def _finds(cfg, choice: str, takes: bool, count: int) -> int:
    """How many kinds training will find (run_kinds.decide's rule), 0 for none."""
    k = cfg.kinds or auto_count(count)
    return k if choice == "found" and takes and count >= 2 * k else 0


def _why(cfg, choice: str, takes: bool, count: int, flat: bool) -> list[str]:
    """The sentence for a run that does not take its kinds from subfolders."""
    if not takes:
        can = " or ".join(a.label.split(" — ")[0] for a in ARCHITECTURES.values() if a.kinds)
        return [f"This architecture cannot learn kinds: choose {can} under Model to train with kinds"
                + (", or make kinds: None." if choice != "none" else ".")]
    if choice == "found":
        k = cfg.kinds or auto_count(count)
        if not _finds(cfg, choice, takes, count):
            return [f"{count} pictures are too few to find {k} kinds in: the model trains without kinds."]
        return [f"{k} kinds are found in the pictures when training starts"
                + ("." if flat else " (the subfolders are not used).")]
    if flat and choice == "subfolders":
        return ["The folder has no subfolders of pictures: sort the pictures into one subfolder per kind, or find "
                "kinds in the pictures."]
    if flat:
        return ["Pictures sorted into one subfolder per kind train a model that makes each kind on request; or "
                "find kinds in the pictures."]
    return ["The model trains without kinds, as chosen."]


def renamed(rules: dict, folders, name: str) -> dict:
    """The rules with these subfolders counting as the kind `name` (several subfolders: merged into one kind)."""
    name = str(name).strip()
    if not name:
        raise ConfigError("a kind needs a name: type one, or ignore the subfolder")
    out = dict(rules)
    for f in folders:
        if name == f:
            out.pop(f, None)                 # its own name again: no rule needed
        else:
            out[f] = name
    return out


def ignored(rules: dict, folders, ignore: bool = True) -> dict:
    """The rules with these subfolders left out of training (ignore=False: used again, under their own name)."""
    out = dict(rules)
    for f in folders:
        if ignore:
            out[f] = ""
        elif out.get(f) == "":
            out.pop(f)
    return out


def run_kinds_lines(project) -> list[str]:
    """What a run trains with, as `ganstudio train` prints it once the run has begun: the kinds with their
    picture counts (the scan report's sentences about them reach it as the trainer's notices). Nothing for a run
    without kinds whose folder said nothing about kinds."""
    kinds, notes = read(project.run), _notes(project)
    lines = []
    if kinds is not None:
        how = "from the subfolders" if kinds.source == "subfolders" else "found in the pictures"
        lines.append(f"kinds ({len(kinds)}, {how}): " +
                     ", ".join(f"{n} ({c})" for n, c in zip(kinds.names, kinds.counts)))
    elif notes:
        lines.append("training without kinds")
    return lines

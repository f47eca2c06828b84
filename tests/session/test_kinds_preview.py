"""session/kinds.py: what the Dataset page's Kinds section shows for a folder and the artist's rules, and the rule
edits it makes (rename, merge, ignore, use again)."""
import pytest

from studio.core.config import ConfigError, TrainConfig
from studio.session.kinds import ignored, preview, renamed

USABLE = ["a/0.png", "a/1.png", "b/0.png", "b/1.png", "b/2.png", "c/0.png", "loose0.png", "loose1.png"]
SUBDIRS = ["a", "b", "c", "empty"]


def cfg(**kw):
    return TrainConfig(arch="projected", resolution=64, **kw).validate()


def test_each_kind_its_subfolders_and_pictures_loose_ones_no_subfolder():
    p = preview(cfg(), USABLE, SUBDIRS)
    assert p.choice == "subfolders" and p.takes_kinds
    assert [(k.name, k.count, k.folders) for k in p.kinds] == [("Unsorted", 2, ()), ("a", 2, ("a",)),
                                                                ("b", 3, ("b",))]
    assert [(f.folder, f.count, f.kind_name, f.ignored) for f in p.folders] == \
        [("a", 2, "a", False), ("b", 3, "b", False), ("c", 1, "", False)]     # c: too few, in no kind
    assert any("'c' has fewer than 2 pictures" in n for n in p.notes)
    flat = preview(cfg(), ["x.png", "y.png"], [])                              # a flat folder: the choice only
    assert flat.flat and flat.kinds == () and flat.folders == () and flat.choice == "none"
    assert "one subfolder per kind" in flat.notes[0] and flat.summary == "trains without kinds"
    few = preview(cfg(classes="found"), ["x.png", "y.png"], [])
    assert few.notes == ("2 pictures are too few to find 2 kinds in: the model trains without kinds.",)
    many = preview(cfg(classes="found", kinds=4), [f"{i}.png" for i in range(40)], [])
    assert many.finds == 4 and many.summary == "4 kinds, found when training starts"
    assert preview(cfg(classes="subfolders"), ["x.png"], []).notes[0].startswith("The folder has no subfolders")


def test_renamed_merged_and_ignored_subfolders():
    p = preview(cfg(class_rules={"a": "pair", "c": "pair", "b": ""}), USABLE, SUBDIRS)
    assert [(k.name, k.count, k.folders) for k in p.kinds] == [("Unsorted", 2, ()), ("pair", 3, ("a", "c"))]
    assert [(f.folder, f.kind_name, f.ignored) for f in p.folders] == [("a", "pair", False), ("b", "", True),
                                                                      ("c", "pair", False)]


def test_found_none_and_an_architecture_without_kinds_show_no_kinds_and_say_why():
    found = preview(cfg(classes="found", kinds=5), USABLE, SUBDIRS)
    assert found.choice == "found" and found.kinds == () and found.notes[0].startswith("8 pictures are too few")
    found = preview(cfg(classes="found", kinds=2), USABLE, SUBDIRS)
    assert "2 kinds are found in the pictures when training starts (the subfolders" in found.notes[0]
    none = preview(cfg(classes="none"), USABLE, SUBDIRS)
    assert none.kinds == () and none.notes == ("The model trains without kinds, as chosen.",)
    dcgan = preview(TrainConfig(arch="dcgan", resolution=64).validate(), USABLE, SUBDIRS)
    assert dcgan.choice == "none" and not dcgan.takes_kinds and "cannot learn kinds" in dcgan.notes[0]


def test_rule_edits():
    assert renamed({}, ["a"], " Apples ") == {"a": "Apples"}
    assert renamed({"a": "Apples"}, ["a"], "a") == {}                 # its own name again: no rule left
    assert renamed({}, ["a", "b"], "both") == {"a": "both", "b": "both"}
    with pytest.raises(ConfigError, match="a kind needs a name"):
        renamed({}, ["a"], "  ")
    assert ignored({"a": "Apples"}, ["a", "b"]) == {"a": "", "b": ""}
    assert ignored({"a": "", "b": "B"}, ["a", "b"], False) == {"b": "B"}   # used again; a rename stays


def test_a_begun_run_shows_the_kinds_it_found(tmp_path):
    import json

    import numpy as np

    from studio.core.kinds import found_kinds
    from studio.core.run_kinds import save
    from studio.session.project import Project
    usable = [f"{i}.png" for i in range(12)]
    project = Project.create(tmp_path / "run", cfg(classes="found"))
    feats = np.repeat(np.eye(3, dtype=np.float32), [6, 4, 2], axis=0)
    save(project.run, found_kinds(feats, 3, seed=0))
    project.run.scan_file.write_text(json.dumps({"kinds": ["Found 3 kinds of picture in the folder."]}))
    p = preview(cfg(classes="found"), usable, [], project=project)
    assert [(k.name, k.count, k.folders) for k in p.kinds] == [("Kind 1", 6, ()), ("Kind 2", 4, ()),
                                                                ("Kind 3", 2, ())]
    assert p.notes == ("Found 3 kinds of picture in the folder.",) and p.summary == "3 kinds, 12 pictures"
    assert preview(cfg(classes="found"), usable[:5], [], project=project).kinds == ()   # another folder now


def test_hundreds_of_subfolders_the_smallest_under_other():
    sizes = {f"s{i:03d}": 2 + (i % 5) for i in range(100)}
    usable = sorted(f"{d}/{j}.png" for d, n in sizes.items() for j in range(n))
    p = preview(cfg(), usable, list(sizes))
    other = next(k for k in p.kinds if k.name == "Other")
    assert len(p.kinds) == 64 and len(other.folders) == 100 - 63           # the merged subfolders, listed
    assert all(f.kind_name for f in p.folders)                              # every subfolder is in some kind
    assert sum(k.count for k in p.kinds) == len(usable)

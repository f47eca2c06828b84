"""Kinds from a folder's layout (core/kinds.py): every bad layout gets its sentence in the scan report, the
artist's rules rename, merge and ignore subfolders, kind mixes parse or say why not, found kinds are stable."""
import numpy as np
import pytest
from PIL import Image

from studio.core.config import ConfigError, TrainConfig
from studio.core.kinds import (MAX_KINDS, OTHER, UNSORTED, KindError, clean_name, found_kinds, kind_dict,
                               kind_weights, subfolder_kinds)


def layout(**folders):
    """usable paths as a scan reports them: layout(a=3, b=2) → a/0.png … b/1.png (sorted, as the scan has them)."""
    return sorted(f"{d}/{i}.png" for d, n in folders.items() for i in range(n))


def by_name(kinds):
    return dict(zip(kinds.names, kinds.counts))


def test_three_subfolders_are_three_kinds_and_a_flat_folder_none():
    kinds, notes = subfolder_kinds(layout(cats=3, dogs=4, owls=2), {}, ["cats", "dogs", "owls"])
    assert by_name(kinds) == {"cats": 3, "dogs": 4, "owls": 2} and notes == [] and kinds.source == "subfolders"
    usable = layout(cats=3, dogs=4, owls=2)
    assert all(kinds.names[kinds.labels[i]] == p.split("/")[0] for i, p in enumerate(usable))
    assert subfolder_kinds(["a.png", "b.png"], {}, []) == (None, [])


def test_a_subfolder_with_one_picture_is_left_out_and_said():
    kinds, notes = subfolder_kinds(layout(cats=3, dogs=4, lone=1), {}, ["cats", "dogs", "lone"])
    assert kinds.names == ["cats", "dogs"]
    assert kinds.labels[layout(cats=3, dogs=4, lone=1).index("lone/0.png")] == -1
    assert any("'lone' has fewer than 2 pictures" in n and "merge" in n for n in notes)


def test_empty_subfolders_are_said_hidden_ones_not():
    kinds, notes = subfolder_kinds(layout(cats=3, dogs=4), {}, ["cats", "dogs", "empty", ".thumbnails"])
    assert notes == ["Subfolder 'empty' has no usable pictures: no kind for it."]
    _, notes = subfolder_kinds(layout(cats=3, dogs=4), {}, ["cats", "dogs"] + [f"e{i:03d}" for i in range(200)])
    assert len(notes) == 1 and "'e000'" in notes[0] and "and 195 more" in notes[0]


def test_nested_subfolders_count_as_their_top_folder():
    usable = sorted(layout(cats=2) + ["cats/kittens/0.png", "cats/kittens/1.png", "dogs/0.png", "dogs/old/x/1.png"])
    kinds, notes = subfolder_kinds(usable, {}, ["cats", "dogs"])
    assert by_name(kinds) == {"cats": 4, "dogs": 2}
    assert "2 pictures in folders inside 'cats' count as the kind 'cats'." in notes
    assert "1 picture in folders inside 'dogs' counts as the kind 'dogs'." in notes
    kinds, notes = subfolder_kinds(usable, {"cats": "felines"}, ["cats", "dogs"])
    assert "2 pictures in folders inside 'cats' count as the kind 'felines'." in notes


@pytest.mark.parametrize("folder, kind", [("a:b", "a_b"), ("why?", "why_"), ("CON", "CON_"), ("lpt1", "lpt1_"),
                                          ("tree. ", "tree"), ('say"hi"', "say_hi_")])
def test_a_name_some_system_refuses_is_cleaned_and_said(folder, kind):
    kinds, notes = subfolder_kinds(sorted(layout(ok=2) + [f"{folder}/0.png", f"{folder}/1.png"]), {}, [folder, "ok"])
    assert kind in kinds.names and folder not in kinds.names or folder == kind
    assert any(f"Subfolder '{folder}' becomes the kind '{kind}'" in n for n in notes)
    assert clean_name(kind) == kind                       # cleaning is stable: a cleaned name stays as it is


def test_hundreds_of_subfolders_are_capped_the_smallest_merged_into_other():
    sizes = {f"s{i:03d}": 2 + (i % 7) for i in range(300)}
    usable = layout(**sizes)
    kinds, notes = subfolder_kinds(usable, {}, list(sizes))
    assert len(kinds) == MAX_KINDS and OTHER in kinds.names
    assert sum(kinds.counts) == len(usable)                 # no picture lost: the rest are in Other
    kept = [n for n in kinds.names if n != OTHER]
    assert min(sizes[n] for n in kept) >= max(sizes[n] for n in sizes if n not in kept)   # the largest are kept
    assert any(f"'{OTHER}'" in n and f"at most {MAX_KINDS}" in n and "300 kinds" in n for n in notes)
    assert len(notes) == 1


def test_pictures_loose_beside_subfolders_form_unsorted():
    usable = sorted(layout(cats=3, dogs=2) + ["x.png", "y.png", "z.png"])
    kinds, notes = subfolder_kinds(usable, {}, ["cats", "dogs"])
    assert by_name(kinds) == {"cats": 3, "dogs": 2, UNSORTED: 3}
    assert f"3 pictures directly in the folder, beside the subfolders, form the kind '{UNSORTED}'." in notes


def test_rules_rename_merge_and_ignore():
    usable = layout(cats=3, dogs=4, wolves=2, junk=5)
    kinds, notes = subfolder_kinds(usable, {"cats": "Cats", "dogs": "canines", "wolves": "canines", "junk": ""},
                                   ["cats", "dogs", "wolves", "junk"])
    assert by_name(kinds) == {"Cats": 3, "canines": 6}
    shown = {usable[i].split("/")[0] for i in kinds.examples[kinds.names.index("canines")]}
    assert shown == {"dogs", "wolves"}                    # a merged kind's examples come from each of its subfolders
    assert "Subfolder 'junk' is ignored (5 pictures left out), as chosen." in notes
    assert (kinds.labels[[i for i, p in enumerate(usable) if p.startswith("junk/")]] == -1).all()
    renamed, notes = subfolder_kinds(usable, {"cats": "house: cats"}, ["cats", "dogs", "wolves", "junk"])
    assert "house_ cats" in renamed.names
    assert any("The name 'house: cats' given to subfolder 'cats' becomes the kind 'house_ cats'" in n for n in notes)


def test_rules_that_leave_one_kind_train_without_kinds_and_say_so():
    kinds, notes = subfolder_kinds(layout(cats=3, dogs=4), {"dogs": ""}, ["cats", "dogs"])
    assert kinds is None and notes[-1] == "Fewer than two kinds with pictures: the model trains without kinds."


def test_class_rules_must_map_names_to_names():
    TrainConfig(class_rules={"cats": "Cats", "junk": ""}).validate()
    for bad in ({"cats": None}, {"cats": 3}, ["cats"]):
        with pytest.raises(ConfigError, match="class_rules"):
            TrainConfig(class_rules=bad).validate()


def test_a_real_folder_scanned(tmp_path):
    """The scan's own paths and the folder's subfolders (empty ones too) reach the sentences."""
    from studio.core.dataset import build_dataset
    from studio.core.run_kinds import decide, top_subdirs
    for d, n in (("red", 3), ("blue", 2), ("one", 1)):
        (tmp_path / "pics" / d).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (32, 32), d if d != "one" else "white").save(tmp_path / "pics" / d / f"{i}.png")
    (tmp_path / "pics" / "empty").mkdir()
    Image.new("RGB", (32, 32), "black").save(tmp_path / "pics" / "loose.png")
    cfg = TrainConfig(data_dir=str(tmp_path / "pics"), arch="projected", resolution=64, classes="subfolders")
    data = build_dataset(cfg.validate())
    assert top_subdirs(cfg.data_dir) == ["blue", "empty", "one", "red"]
    kinds, notes = decide(cfg, data)
    assert kinds.names == ["blue", "red"]             # one/ has one picture, loose.png alone is one Unsorted
    assert "Subfolder 'empty' has no usable pictures: no kind for it." in notes
    assert any(n.startswith(f"'{UNSORTED}' and 'one' have fewer than 2 pictures") for n in notes)


# ---------------------------------------------------------------------------------------------- kind mixes
NAMES = ["elf", "knight", "orc"]


def test_kind_weights_one_kind_a_mix_and_a_dict():
    assert kind_weights(NAMES, "knight").tolist() == [0, 1, 0]
    assert kind_weights(NAMES, "ELF").tolist() == [1, 0, 0]                 # case-insensitive where unique
    assert np.allclose(kind_weights(NAMES, "elf:0.3, orc:0.7"), [0.3, 0, 0.7])
    assert np.allclose(kind_weights(NAMES, "elf:1,orc:3"), [0.25, 0, 0.75])  # normalised
    assert np.allclose(kind_weights(NAMES, {"elf": 0.5, "knight": 0.5}), [0.5, 0.5, 0])
    assert kind_weights(NAMES, None) is None and kind_weights(NAMES, "") is None
    assert kind_dict(NAMES, kind_weights(NAMES, "elf:0.25,orc:0.75")) == {"elf": 0.25, "orc": 0.75}
    assert kind_dict(NAMES, None) is None
    w = kind_weights(NAMES, kind_dict(NAMES, kind_weights(NAMES, "orc:2,knight:2")))
    assert np.allclose(w, [0, 0.5, 0.5])                                     # the record reads back


@pytest.mark.parametrize("kind, says", [
    ("dragon", "has no kind 'dragon': its kinds are elf, knight, orc"),
    ("elf:lots", "must be a number, not 'lots'"),
    ("elf:-1", "0 or more"),
    ("elf:nan", "0 or more"),
    ("elf:inf", "0 or more"),
    ("elf:0,orc:0", "add up to 0"),
    ("elf:0.5,", "NAME or NAME:WEIGHT"),
    (":0.5", "NAME or NAME:WEIGHT"),
    ({"elf": "x"}, "must be a number"),
    ({"elf": None}, "must be a number"),
])
def test_kind_weights_errors_are_one_sentence(kind, says):
    with pytest.raises(KindError, match=says.replace("(", r"\(")):
        kind_weights(NAMES, kind)


def test_a_model_without_kinds_refuses_a_kind():
    from studio.core.errors import StudioError
    with pytest.raises(KindError, match="trained without kinds") as e:
        kind_weights([], "elf")
    assert isinstance(e.value, StudioError)                # the command line prints its sentence


# ---------------------------------------------------------------------------------------------- found kinds
def test_found_kinds_stable_under_a_seed():
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(4, 16)) * 4
    feats = np.concatenate([c + rng.normal(size=(25 - 5 * j, 16)) for j, c in enumerate(centres)]).astype(np.float32)
    a, b = found_kinds(feats, 4, seed=7), found_kinds(feats, 4, seed=7)
    assert np.array_equal(a.labels, b.labels) and np.allclose(a.centres, b.centres) and a.examples == b.examples
    assert a.counts == [25, 20, 15, 10]                      # the clusters found, largest first
    assert a.names == ["Kind 1", "Kind 2", "Kind 3", "Kind 4"] and a.source == "found"
    truth = np.repeat(np.arange(4), [25, 20, 15, 10])
    assert all(len(set(truth[a.labels == k])) == 1 for k in range(4))      # each kind is one true cluster
    c = found_kinds(feats, 4, seed=8)
    assert sorted(c.counts) == sorted(a.counts)              # another seed: the same clusters here

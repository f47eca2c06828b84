"""Dropped kinds shown, not hidden (issue 28): which training images no generated sample resembles.

Toy feature sets (a few dimensions) stand in for image features; the monitor's test uses flat-colour pictures and a
stand-in feature space (their mean colour) so that which pictures a generator misses is known exactly."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from studio.core.metrics import scores
from studio.core.metrics.quality import collapse_warning, evaluate_features, missing_images, pick_real


def two_kinds(rng, n=10):
    """n reals around the origin, n around (100, 0): two kinds of picture."""
    a = rng.normal(0, 1, (n, 2))
    b = rng.normal(0, 1, (n, 2)) + [100.0, 0.0]
    return np.concatenate([a, b])


def test_samples_on_half_the_reals_cover_those_and_miss_the_others_worst_first():
    rng = np.random.default_rng(0)
    real = two_kinds(rng)
    fake = real[:10] + rng.normal(0, 0.05, (10, 2))          # the generator makes only the first kind
    far = scores.real_coverage(real, fake, 5)
    assert (far[:10] <= 1).all() and (far[10:] > 10).all()
    # the per-image figure is coverage, picture by picture
    assert (far <= 1).mean() == pytest.approx(scores.density_coverage(real, fake, 5)[1]) == 0.5
    missing, how_far = missing_images(real, fake, count=8)
    assert len(missing) == 8 and set(missing) <= set(range(10, 20))
    assert how_far == sorted(how_far, reverse=True) and how_far[0] == pytest.approx(min(far.max(), 99), abs=0.01)
    assert missing[0] == int(np.argmax(far))
    # rows of a real subset → the dataset's indices
    index = np.arange(100, 120)
    assert missing_images(real, fake, index)[0] == [i + 100 for i in missing]
    # samples of both kinds: nothing missing
    assert missing_images(real, real + 0.01)[0] == []


def test_the_report_names_the_missing_dataset_images():
    rng = np.random.default_rng(1)
    real = two_kinds(rng)
    report = evaluate_features(real, real[:10] + 0.01, real_index=np.arange(20) * 3)
    assert report.coverage == 0.5
    assert report.missing and all(i % 3 == 0 and i >= 30 for i in report.missing)
    rec = report.record(5, 0.1)
    assert rec["missing"] == report.missing and all(type(i) is int for i in rec["missing"])
    assert len(rec["missing_far"]) == len(rec["missing"]) and min(rec["missing_far"]) > 1


def test_the_collapse_warning_says_how_many_pictures_have_no_sample_near_them():
    def rec(prec, cov, div, n_real=500):
        return {"precision": prec, "coverage": cov, "diversity": div, "recall": 0.0, "n_real": n_real}
    learnt = [rec(0.5, 0.4, 0.9), rec(0.6, 0.5, 0.95)]
    msg = collapse_warning(rec(0.7, 0.39 / 2, 0.3), learnt)
    assert "no sample resembles 80% of your pictures (402 of the 500 measured)" in msg
    assert "the Train view shows which" in msg
    alone = collapse_warning(rec(0.7, 0.25, 0.3, n_real=40), where="listed above")
    assert "no sample resembles 75% of your pictures (30 of the 40 measured); listed above" in alone
    assert collapse_warning(rec(0.7, 0.9, 0.9), learnt) is None


class Colours(torch.nn.Module):
    """A 'generator' whose samples are flat pictures of the given colours, one per latent."""

    def __init__(self, colours):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.colours = torch.tensor(colours, dtype=torch.float32) / 127.5 - 1

    def forward(self, z):
        c = self.colours[torch.arange(len(z)) % len(self.colours)]
        return (c[:, :, None, None] + 0 * self.w).expand(-1, -1, 8, 8)


class MeanColour:
    """A stand-in feature space: a picture's mean colour."""
    title = "mean colour"

    def features(self, images, cancel=None):
        return np.asarray(images, np.float64).mean(axis=(1, 2))


def test_the_monitor_records_the_dataset_indices_of_the_missed_pictures(tmp_path, monkeypatch):
    from studio.core.metrics import QualityMonitor, features
    from studio.core.run import RunFolder
    from studio.core.events import Quality

    rng = np.random.default_rng(2)
    dark = rng.integers(0, 40, (20, 3))                   # one kind: dark pictures
    light = rng.integers(215, 256, (20, 3))               # the other: light ones
    colours = np.empty((40, 3), int)
    colours[0::2], colours[1::2] = dark, light            # interleaved in the folder
    images = np.broadcast_to(colours[:, None, None, :], (40, 8, 8, 3)).astype(np.uint8)
    monkeypatch.setattr(features, "SPACES", ("a", "b"))
    monkeypatch.setattr(features, "get_extractor", lambda device, space: MeanColour())
    run = RunFolder(tmp_path / "run")
    run.path.mkdir()
    events = []
    trainer = SimpleNamespace(on_event=events.append, run_folder=run, stop_event=threading.Event(),
                              device=torch.device("cpu"), dataset=SimpleNamespace(images=images),
                              G_ema=Colours(dark), spec=SimpleNamespace(z_dim=4), step=10, kimg=0.5, nimg=500,
                              elapsed=1.0)
    monitor = QualityMonitor(every_kimg=1, count=40, real_count=24, save_best=False)
    monitor.due(trainer)
    rec = monitor._evaluate(trainer)
    taken = pick_real(images, 24)
    assert len(taken) == 24 and not np.array_equal(taken, np.arange(24))   # a subset: rows ≠ dataset indices
    assert rec["missing"] and len(rec["missing"]) <= 8
    assert all(i in taken and i % 2 == 1 for i in rec["missing"])           # light pictures only, by dataset index
    assert rec["coverage"] == pytest.approx(np.mean(taken % 2 == 0))
    assert [e.metrics for e in events if isinstance(e, Quality)] == [rec]
    assert run.read_metrics("quality")[0]["missing"] == rec["missing"]


def test_a_project_pictures_its_dataset_images_by_index(tmp_path, make_image_folder, tiny_config):
    """Project.pictures: scan.json's names with the cached pixels of that same list; unknown indices are None."""
    import json

    from studio.session.project import Project
    cfg = tiny_config(make_image_folder(6, 32))
    project = Project.create(tmp_path / "proj", cfg)
    assert project.pictures([0]) == [None]                          # never scanned: nothing to name
    dataset = project.scan(cfg)
    project.run.scan_file.write_text(json.dumps(dataset.report.to_dict()), encoding="utf-8")
    got = project.pictures([4, 0, 9, -1])
    assert [g[0] for g in got[:2]] == [dataset.report.usable[4], dataset.report.usable[0]] and got[2:] == [None, None]
    assert np.array_equal(got[0][1], dataset.images[4]) and np.array_equal(got[1][1], dataset.images[0])
    other = tiny_config(make_image_folder(3, 32, seed=1, name="other"))
    project.scan(other)                                             # a second cache, of another file list
    assert np.array_equal(project.pictures([4])[0][1], dataset.images[4])
    for f in project.run.cache_dir.glob(f"{dataset.cache_file.stem}.*"):
        f.unlink()                                                  # the run's cache is gone: names only
    assert project.pictures([4]) == [(dataset.report.usable[4], None)]

"""Training in several processes (studio/core/distributed.py) on the CPU with gloo, as CI runs it.

Each test starts real processes (torchrun's launcher), so the models are tiny: dcgan 32 px, width 8, batch 8.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
HELPER = str(Path(__file__).with_name("dist_helper.py"))
TINY = ["--arch", "dcgan", "--resolution", "32", "--width", "8", "--batch", "8", "--device", "cpu",
        "--precision", "fp32", "--no-quality", "--seed", "3"]


def _env(**extra) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update(extra)
    return env


def _run(cmd: list[str], timeout: float = 180, **env) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, env=_env(**env), capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    r.output = r.stdout + r.stderr
    return r


def _torchrun(nproc: int, args: list[str], **env) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
                 HELPER, *args], **env)


def _state(run: Path, step: int) -> dict:
    from studio.core.checkpoint import read_file
    tensors, _ = read_file(run / "checkpoints" / f"ckpt-{step:09d}.safetensors")
    return tensors


@pytest.mark.slow
def test_two_ranks_match_one_rank_and_only_rank_0_writes(tmp_path, make_image_folder):
    """2 ranks × batch 4 = 1 rank × batch 8 (same images, latents, flips, augmentation, R1) after 4 steps, with the
    2-rank run stopped after 2 steps and resumed by 2 ranks (exact resume); then 1 process continues it."""
    data = str(make_image_folder(24))
    flags = [*TINY, "--augment", "--mirror", "--r1-gamma", "1"]
    one, two = tmp_path / "one", tmp_path / "two"
    r = _run([sys.executable, HELPER, "train", data, "--out", str(one), "--kimg", "0.032", *flags])
    assert r.returncode == 0, r.output
    watch = dict(GANSTUDIO_TEST_WATCH=str(two), GANSTUDIO_TEST_WRITES=str(tmp_path / "writes"))
    r = _torchrun(2, ["train", data, "--out", str(two), "--kimg", "0.016", *flags], **watch)
    assert r.returncode == 0, r.output
    assert "2 processes × CPU" in r.output
    r = _torchrun(2, ["resume", str(two), "--kimg", "0.016"], **watch)
    assert r.returncode == 0, r.output
    a, b = _state(one, 4), _state(two, 4)
    assert set(a) == set(b)
    for k in a:
        if k == "rng.torch":                  # reseeded per step and rank under data parallelism, by design
            continue
        torch.testing.assert_close(b[k], a[k], rtol=1e-4, atol=1e-5, msg=lambda m: f"{k}: {m}")
    assert (tmp_path / "writes.1").read_text() == ""            # rank 1 never wrote the run folder
    steps = [int(p.stem.split("-")[1]) for p in (two / "samples").glob("step-*.png")]
    assert sorted(steps) == [0, 2, 4]

    r = _run([sys.executable, "-m", "studio.cli", "resume", str(two), "--kimg", "0.016"])
    assert r.returncode == 0, r.output
    assert "trained with 2 processes and continues with 1" in r.output
    assert (two / "checkpoints" / "ckpt-000000006.safetensors").is_file()


def _children(pid: int) -> dict[int, int]:
    """{rank: pid} of the training processes torchrun's agent in process `pid` started (Linux /proc)."""
    out = {}
    for d in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{d}/status").read_text()
            if not re.search(rf"^PPid:\s+{pid}$", status, re.M):
                continue
            env = Path(f"/proc/{d}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for e in env:
            if e.startswith(b"RANK="):
                out[int(e[5:])] = int(d)
    return out


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="finds the ranks' processes in /proc")
def test_a_killed_rank_stops_the_others_and_the_run_resumes(tmp_path, make_image_folder):
    data, run = str(make_image_folder(24)), tmp_path / "run"
    p = subprocess.Popen([sys.executable, "-m", "studio.cli", "train", data, "--out", str(run), "--nproc", "2",
                          "--minutes", "5", *TINY], env=_env(), cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        seen = []
        for line in p.stdout:                 # wait for the first progress line: both ranks are training
            seen.append(line)
            if "img/s" in line:
                break
        ranks = _children(p.pid)
        assert set(ranks) == {0, 1}, "".join(seen)
        t0 = time.monotonic()
        os.kill(ranks[1], signal.SIGKILL)
        rest = p.communicate(timeout=60)[0]
        took = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 2 and took < 20, (took, rest)
    errors = [line for line in rest.splitlines() if line.startswith("error: training stopped")]
    assert len(errors) == 1 and "training process 1" in errors[0] and "SIGKILL" in errors[0], rest
    assert f"ganstudio resume {run} --nproc 2" in errors[0]
    assert not _children(p.pid)

    r = _run([sys.executable, "-m", "studio.cli", "resume", str(run), "--kimg", "0.016", "--nproc", "2"])
    assert r.returncode == 0, r.output
    assert "trained with" not in r.output                       # the same world size: no notice


def test_rendezvous_problems_are_one_sentence(tmp_path, make_image_folder):
    from studio.core.distributed import DistributedError, check_launch
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(DistributedError, match="already in use"):
            check_launch(1, f"localhost:{port}")
        r = _run([sys.executable, "-m", "studio.cli", "train", str(make_image_folder(6)), "--out",
                  str(tmp_path / "run"), "--nproc", "2", "--rdzv-endpoint", f"127.0.0.1:{port}", *TINY], timeout=60)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "already in use" in r.stderr, r.output
    with pytest.raises(DistributedError, match="not known"):
        check_launch(2, "no-such-host.invalid:29400")
    with pytest.raises(DistributedError, match="HOST:PORT"):
        check_launch(2, None)
    with pytest.raises(DistributedError, match="HOST:PORT"):
        check_launch(1, "localhost")


def test_the_batch_is_global_and_split_evenly():
    from studio.core.config import ConfigError
    from studio.core.distributed import World
    assert World(1, 2).rows(8) == slice(4, 8)
    assert World(0, 1).rows(8) == slice(0, 8)
    with pytest.raises(ConfigError, match="divisible by the number of training processes"):
        World(0, 3).rows(8)


def test_sharded_augmentation_is_the_whole_batch_split():
    from studio.core.augment import diff_augment
    x = torch.randn(6, 3, 16, 16)
    policy = ("color", "translation", "cutout")
    whole = diff_augment(x, policy, torch.Generator().manual_seed(1))
    parts = [diff_augment(x[r * 2:(r + 1) * 2], policy, torch.Generator().manual_seed(1), (r, 3)) for r in range(3)]
    torch.testing.assert_close(torch.cat(parts), whole)


def test_all_gpus_is_offered_with_more_than_one_gpu():
    from studio.session.devices import ALL_GPUS, device_options, training_processes
    from studio.session.preferences import Preferences
    assert ALL_GPUS not in dict(device_options(gpus=1))
    assert dict(device_options(gpus=4))[ALL_GPUS] == "All GPUs (4)"
    assert training_processes(None, Preferences(device=ALL_GPUS), "auto", gpus=4) == 4
    assert training_processes(None, Preferences(device=ALL_GPUS), "auto", gpus=1) == 1     # one GPU: as 'cuda'
    assert training_processes("cuda", Preferences(device=ALL_GPUS), "auto", gpus=4) == 1   # --device cuda wins
    Preferences(device=ALL_GPUS).check()


@pytest.mark.slow
def test_the_window_trains_on_all_gpus_through_the_launcher(monkeypatch, tmp_path, make_image_folder, tiny_config):
    """'All GPUs (2)' in the window: the session launches 2 processes (here on the CPU: the GPU count and the
    processes' device are monkeypatched) and shows rank 0's events; the state machine runs as for one process."""
    from studio.core.events import Finished, Samples, StepMetrics
    from studio.session import devices, training
    from studio.session.events import TrainingStarted
    from studio.session.preferences import Preferences
    from studio.session.project import Project
    monkeypatch.setattr(devices, "gpu_count", lambda: 2)
    monkeypatch.setattr(training, "launched_device", lambda: "cpu")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    cfg = tiny_config(make_image_folder(24), batch=8, kimg=0.032, log_every=2)
    project = Project.create(tmp_path / "run", cfg)
    project.lock()                                       # as the window holds it: rank 0 (its child) shares it
    session = training.TrainingSession(project, Preferences(device=devices.ALL_GPUS), quality=False)
    seen = []
    session.subscribe(seen.append)
    assert session.run(cfg) == "done"
    started = [e for e in seen if isinstance(e, TrainingStarted)]
    assert len(started) == 1 and started[0].processes == 2 and "2 processes × CPU" in started[0].device
    assert [e for e in seen if isinstance(e, StepMetrics)] and [e for e in seen if isinstance(e, Samples)]
    assert [e.reason for e in seen if isinstance(e, Finished)] == ["done"]
    assert session.state == training.TrainingState.FINISHED and session.last_step == 4
    assert project.trained and project.locked

"""The C heap keeps a large model's freed training memory (studio/core/allocator.py): large tensors made on a worker
thread, as the window's training thread makes them, come from the heap instead of a fresh mmap per step, and map
again once training is over (glibc only)."""
from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                                reason="glibc's malloc only")

# After `ganstudio` has parsed its command line (the entry point makes one arena) and training has kept freed
# memory, a worker thread allocates a 96 MB tensor three times, as training steps do; then training ends and
# releases the memory. Prints the most bytes glibc held in mmap'd blocks meanwhile, and the resident memory
# before and after the release.
SCRIPT = r"""
import contextlib, ctypes, io, threading
from studio import cli
from studio.core import allocator
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    cli.main(["train", "--help"])
import torch

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
def steps(n):
    seen = []
    def step():
        for _ in range(n):
            t = torch.ones(24 * 1024 * 1024)
            seen.append(libc.mallinfo2().hblkhd)
            del t
    th = threading.Thread(target=step)
    th.start(); th.join()
    return max(seen)
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:"))
allocator.keep_freed_memory()
kept = steps(3)
before = rss()
allocator.release_freed_memory()
print(kept, before - rss())
"""


def _mmapped_bytes(env_extra: dict) -> tuple[int, int]:
    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    if "mallinfo2" in out.stderr:
        pytest.skip("this glibc has no mallinfo2")
    assert out.returncode == 0, out.stderr
    mmapped, given_back = out.stdout.split()[-2:]
    return int(mmapped), int(given_back)


def test_worker_thread_tensors_reuse_the_heap_while_kept():
    mmapped, given_back = _mmapped_bytes({"GANSTUDIO_PLAIN_HEAP": "0"})
    assert mmapped < 16 * 2 ** 20
    assert given_back >= 64 * 2 ** 20          # when training ends, the kept memory goes back to the system


def test_plain_heap_mmaps_them():
    """The control: without the tuning, glibc gives the same tensor its own mapping (so the test above can fail)."""
    assert _mmapped_bytes({"GANSTUDIO_PLAIN_HEAP": "1"})[0] >= 96 * 2 ** 20


@pytest.mark.parametrize("arch,extra,keeps", [("fastgan", {"resolution": 64, "z_dim": 16, "batch": 8}, True),
                                               ("dcgan", {}, False)])
def test_trainer_keeps_memory_only_where_it_pays(tmp_path, make_image_folder, tiny_config, arch, extra, keeps):
    from studio.core import allocator
    from studio.core.trainer import Trainer
    cfg = tiny_config(make_image_folder(8), arch=arch, kimg=0.016, **extra)
    tr = Trainer.create(tmp_path / "run", cfg, device="cpu")
    assert tr.keep_heap is keeps
    assert allocator._state["kept"] is keeps
    tr.run()
    assert allocator._state["kept"] is False     # released when the session ends

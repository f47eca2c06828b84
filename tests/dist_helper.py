"""`ganstudio ARGS` in this process, for tests/test_distributed.py (run directly, or by torchrun as a rank).

* BatchNorm is frozen to its running statistics (a plain per-channel affine), so that N ranks × batch/N and one
  process × batch compute the same thing: every architecture has BatchNorm, and with it in training mode each rank
  normalises over its own batch/N images, by design (studio/core/distributed.py).
* The suggestion's encoder stage after the GAN is off, as in every test (tests/conftest.py).
* With GANSTUDIO_TEST_WATCH=DIR, every file a rank > 0 opens for writing, creates, renames or removes under DIR is
  recorded, and written at exit to GANSTUDIO_TEST_WRITES.<rank> (outside DIR).
"""
import atexit
import os
import sys

import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm


def frozen_batch_norm(self, x):
    return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)


def watch_writes(folder: str, report: str) -> None:
    folder = os.path.realpath(folder)
    seen: list[str] = []

    def inside(p) -> bool:
        try:
            return isinstance(p, (str, bytes, os.PathLike)) and \
                os.path.realpath(os.fsdecode(p)).startswith(folder)
        except (TypeError, ValueError):
            return False

    def hook(event, args):
        if event == "open" and inside(args[0]):
            mode, flags = args[1] or "", args[2] or 0
            if any(c in str(mode) for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                seen.append(f"{event} {os.fsdecode(args[0])}")
        elif event in ("os.rename", "os.replace", "os.remove", "os.mkdir", "os.rmdir", "os.truncate",
                       "shutil.rmtree") and any(inside(a) for a in args[:2]):
            seen.append(f"{event} {args[0]}")

    def dump():
        with open(report, "w") as f:
            f.write("\n".join(seen))
    sys.addaudithook(hook)
    atexit.register(dump)


if __name__ == "__main__":
    _BatchNorm.forward = frozen_batch_norm
    rank = int(os.environ.get("RANK", "0"))
    if rank > 0 and os.environ.get("GANSTUDIO_TEST_WATCH"):
        watch_writes(os.environ["GANSTUDIO_TEST_WATCH"], f"{os.environ['GANSTUDIO_TEST_WRITES']}.{rank}")
    from studio.cli import main
    from studio.session import settings
    settings.ENCODER_MINUTES.update(cpu=0.0, gpu=0.0)      # as tests/conftest.py: no minutes-long encoder stage
    sys.exit(main(sys.argv[1:]))

"""Data-parallel training on PyTorch's own distributed engine: torch.distributed, started by torchrun's launcher.

    ganstudio train DATA --out RUN --nproc 4         # launch(): torchrun's elastic launch on this machine
    torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint HOST:PORT -m studio.cli train …

Each worker process finds itself with join() (torchrun's RANK / WORLD_SIZE / LOCAL_RANK) and gets a World.
How the work and the maths are shared — the choices, and why:

* The batch in the settings is the global batch. Every rank draws the whole step's randomness from the training
  generator, which is identical on every rank (image indices, flips, latents, augmentation), and keeps its own
  rows (World.rows): ranks never see the same sample in a step, and N ranks × batch/N see exactly the images,
  latents and augmentations that 1 rank × batch sees, in the same order: a run is reproducible for a world size.
* Gradients: one explicit all-reduce (mean) of G's and D's gradients after their backward, coalesced into one flat
  tensor, as NVIDIA's StyleGAN2-ADA / StyleGAN3 training loops do; not DistributedDataParallel. DDP would need
  find_unused_parameters (FastGAN's reconstruction heads see only real images, the G step runs D frozen), its
  hooks do not support the R1 penalty's double backward, and its buffer broadcast before every forward would
  overwrite D's BatchNorm statistics between the real and the fake pass. With an explicit all-reduce every rank
  runs the same code, so the same gradients exist everywhere, and nothing else is touched.
* BatchNorm (in every architecture's G and D): per-rank batch statistics, as DataParallel-era GAN code had.
  SyncBatchNorm is GPU-only in PyTorch, has no double backward (R1) and adds a collective per layer per pass.
  The running statistics (G_ema's samples use them) are averaged over the ranks after every step, so every rank
  holds the same model. The price: BatchNorm normalises over batch/N images, so N ranks match one process with
  the same batch to rounding only where BatchNorm is not in training mode (the equivalence test freezes it).
* torch's own RNG (G's noise injection, FastGAN's random crop) is reseeded every step from (seed, step, rank):
  different on every rank, reproducible, and nothing more to save in a checkpoint.
* Rank 0 alone writes the run folder (checkpoints, samples, metrics, best.safetensors, quality); the others wait
  at their next collective meanwhile. Stop (Ctrl-C, the window), pause and the minutes limit are agreed on every
  step (World.agree, one tiny all-reduce), so all ranks leave the loop at the same step; NaN checks use losses
  averaged over the ranks, so all roll back together (rank 0 reads the checkpoint, the others get it from rank 0).
* Faults: torchrun's elastic agent (max_restarts=0) stops every worker when one dies; a rank blocked in a
  collective with a vanished peer gets an error from gloo/NCCL at once, or after STEP_TIMEOUT at worst.
"""
from __future__ import annotations

import os
import re
import socket
import sys
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import torch

from .config import ConfigError, TrainConfig
from .dataset import build_dataset
from .errors import StudioError
from .run import RunFolder

START_TIMEOUT = timedelta(minutes=30)       # rank 0 scans (and caches) the image folder before the first step
STEP_TIMEOUT = timedelta(seconds=float(os.environ.get("GANSTUDIO_DIST_TIMEOUT", "300")))   # a hung rank, at worst
ENV_KEYS = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


class DistributedError(StudioError, RuntimeError):
    """Training across processes could not start or went on without a rank; the message says what to do."""


@dataclass(frozen=True)
class World:
    """This process's place among the training processes. World() is one process alone: every method is a no-op."""
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    group: object = field(default=None, compare=False, repr=False)    # the training steps' group (short timeout)

    @property
    def main(self) -> bool:
        """Rank 0: the one process that writes the run folder and reports progress."""
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.size > 1

    def check_batch(self, batch: int) -> int:
        """This rank's share of the global `batch` (ConfigError when it does not divide evenly)."""
        if batch % self.size:
            raise ConfigError(f"the batch size ({batch}) must be divisible by the number of training processes "
                              f"({self.size}): choose a batch of {(batch // self.size + 1) * self.size}, or "
                              "another number of processes")
        return batch // self.size

    def rows(self, batch: int) -> slice:
        """This rank's rows of a global batch of `batch` samples."""
        per = self.check_batch(batch)
        return slice(self.rank * per, (self.rank + 1) * per)

    def shard(self) -> tuple[int, int]:
        return self.rank, self.size

    # ---------------------------------------------------------------- collectives (the training group)
    def mean_(self, t: torch.Tensor) -> torch.Tensor:
        """In place: the mean of `t` over the ranks."""
        if self.active:
            torch.distributed.all_reduce(t, group=self.group)
            t.div_(self.size)
        return t

    def average_gradients(self, params) -> None:
        """Mean of the gradients over the ranks, in one flat all-reduce. Parameters without a gradient are skipped:
        every rank runs the same code, so the same ones have gradients everywhere."""
        if not self.active:
            return
        grads = [p.grad for p in params if p.grad is not None]
        if not grads:
            return
        flat = self.mean_(torch.cat([g.reshape(-1) for g in grads]))
        for g, part in zip(grads, flat.split([g.numel() for g in grads])):
            g.copy_(part.view(g.shape))

    @torch.no_grad()
    def average_buffers(self, *modules) -> None:
        """BatchNorm running statistics (floating-point buffers): the mean over the ranks."""
        if not self.active:
            return
        norms = [m for mod in modules for m in mod.modules()
                 if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d))]
        bufs = [b for m in norms for b in (m.running_mean, m.running_var) if b is not None]
        if bufs:
            flat = self.mean_(torch.cat([b.reshape(-1).float() for b in bufs]))
            for b, part in zip(bufs, flat.split([b.numel() for b in bufs])):
                b.copy_(part.view(b.shape))

    def agree(self, *flags: bool, device=None) -> tuple[bool, ...]:
        """Each flag is true on every rank when it is true on any (one tiny all-reduce)."""
        if not self.active:
            return tuple(bool(f) for f in flags)
        t = torch.tensor([1.0 if f else 0.0 for f in flags], device=device)
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX, group=self.group)
        return tuple(bool(v) for v in t.tolist())

    def from_main(self, obj=None):
        """Rank 0's `obj` on every rank (pickled; for settings and state at the start, never per step)."""
        if not self.active:
            return obj
        box = [obj]
        torch.distributed.broadcast_object_list(box, src=0)      # the default group: the long start-up timeout
        return box[0]

    def step_seed(self, seed: int, step: int) -> None:
        """Reseed torch's RNG from (seed, step, rank): different on every rank, the same after a resume."""
        if self.active:
            torch.manual_seed((seed * 1_000_003 + step * 8191 + self.rank * 131 + 1) % (2 ** 63))


ALONE = World()


def send_start(t) -> None:
    """Rank 0, once its Trainer `t` is made: the run's settings and images for the other ranks (receive_start)."""
    if t.world.active:
        t.world.from_main({"run": str(t.run_folder.path.resolve()), "config": t.cfg.to_dict(),
                           "images": t.dataset.identity, "count": len(t.dataset),
                           "kinds": t.kinds.to_dict() if t.kinds is not None else None})


def receive_start(world: World, progress=None, cancel=None):
    """Rank > 0: (run folder, settings, images, kinds) as rank 0 has them. The images come from the same folder, read-only:
    from the run's cache when this machine sees the run folder, else decoded into memory."""
    start = world.from_main()
    cfg = TrainConfig.from_dict(start["config"])
    run = RunFolder(start["run"])
    data = build_dataset(cfg, run.cache_dir, progress, cancel, write_cache=False)
    if data.identity != start["images"]:
        raise DistributedError(f"rank {world.rank} found {len(data)} usable images in {cfg.data_dir} and rank 0 "
                               f"found {start['count']}: every machine needs the same image folder at the same path")
    from .kinds import Kinds
    return run, cfg, data, Kinds.from_dict(start["kinds"]) if start.get("kinds") else None


def in_worker() -> bool:
    """Whether this process was started by torchrun (or GAN Studio's launcher) as one of several ranks."""
    return all(k in os.environ for k in ENV_KEYS)


def join(device_choice: str = "auto") -> tuple[World, torch.device | None]:
    """Join the other ranks (torchrun's environment): NCCL on CUDA GPUs (one per local rank), gloo on CPUs.
    Returns (ALONE, None) outside torchrun."""
    if not in_worker() or int(os.environ["WORLD_SIZE"]) < 2:
        return ALONE, None
    import torch.distributed as dist
    rank, size, local = (int(os.environ[k]) for k in ENV_KEYS)
    choice = (device_choice or "auto").lower()
    if choice == "mps":
        raise DistributedError("training across processes is not available on Apple MPS: use --device cpu, or "
                               "leave out --nproc")
    if choice != "cpu" and torch.cuda.is_available():
        if local >= torch.cuda.device_count():
            raise DistributedError(f"this machine has {torch.cuda.device_count()} GPU(s) and was asked for more "
                                   "processes: use at most one process per GPU (--nproc / --nproc-per-node)")
        device, backend = torch.device("cuda", local), "nccl"
        torch.cuda.set_device(device)
    elif choice.startswith("cuda"):
        raise DistributedError("CUDA was asked for but this PyTorch build sees no CUDA GPU: use --device cpu")
    else:
        device, backend = torch.device("cpu"), "gloo"
    try:
        dist.init_process_group(backend, timeout=START_TIMEOUT)
        group = dist.new_group(backend=backend, timeout=STEP_TIMEOUT)
    except (RuntimeError, ValueError, OSError) as e:
        raise DistributedError(f"rank {rank} could not join the other training processes at "
                               f"{os.environ.get('MASTER_ADDR')}:{os.environ.get('MASTER_PORT')} ({e})") from None
    return World(rank, size, local, group), device


def leave(world: World) -> None:
    """Close the process group. No barrier: after the last agreed step only rank 0 works (its final samples and
    checkpoint, no collectives), and a rank that failed must not wait for the others: its exit is what makes
    torchrun's agent stop them."""
    if world.active and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def per_process(batch: int, world: World) -> str:
    """'even at batch size 1', or 'at 8 images per process' when the batch is shared out."""
    return f"at {batch // world.size} images per process (a smaller batch helps too)" if world.active else \
        f"even at batch size {batch}"


def lost_peer(e: BaseException) -> bool:
    """Whether a failure came from a collective: a rank died, hung or could not be reached."""
    words = ("gloo", "nccl", "connection", "timed out", "timeout", "peer", "broken pipe", "process group")
    return isinstance(e, getattr(torch.distributed, "DistError", ())) or \
        (isinstance(e, RuntimeError) and any(w in str(e).lower() for w in words))


def lost_rank_message(e: BaseException) -> str:
    """A collective failed: most often another rank died, and torchrun's agent is stopping the rest."""
    text = re.sub(r"^\[[^\]]*\]\s*", "", str(e).strip().splitlines()[0] if str(e).strip() else "")
    why = text.split(". ")[0][:200] or type(e).__name__
    return (f"Training stopped: another training process ended or could not be reached ({why}). The run folder "
            "keeps the newest checkpoint: continue with ganstudio resume.")


# ---------------------------------------------------------------------------- the launcher
def launch(nproc: int, argv: list[str], nnodes: int = 1, endpoint: str | None = None, resume_hint: str = "",
           env: dict | None = None) -> int:
    """Run `python -m studio.cli ARGV` in `nproc` processes per node through torchrun's elastic launch (c10d
    rendezvous, no restarts: one rank that dies stops them all). Raises DistributedError in one sentence.
    endpoint HOST:PORT: where the nodes meet (default: this machine, a free port). env: more environment for the
    processes. Returns 0, or 130 after Ctrl-C."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.elastic.rendezvous import RendezvousError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    check_launch(nnodes, endpoint)
    env = dict(env or {})
    if "OMP_NUM_THREADS" not in os.environ:        # as torchrun does: the CPU cores shared out, not oversubscribed
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // nproc))
    cfg = LaunchConfig(min_nodes=nnodes, max_nodes=nnodes, nproc_per_node=nproc, run_id=uuid.uuid4().hex[:12],
                       rdzv_backend="c10d", rdzv_endpoint=endpoint or "localhost:0",
                       rdzv_configs={"timeout": 600 if nnodes > 1 else 60}, max_restarts=0, monitor_interval=0.2,
                       start_method="spawn")
    where = endpoint or "this machine"
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)                         # the processes inherit this process's environment (restored)
    try:
        elastic_launch(cfg, sys.executable)("-m", "studio.cli", *argv)
    except SignalException:
        return 130                 # Ctrl-C / SIGTERM: the agent passed it on, the workers stopped (rank 0 saved)
    except ChildFailedError as e:
        raise DistributedError(failure_message(e, resume_hint)) from None
    except RendezvousError as e:
        raise DistributedError(rendezvous_message(e, where)) from None
    except (RuntimeError, OSError) as e:
        if "rendezvous" in type(e).__name__.lower() or "EADDRINUSE" in str(e) or "address already in use" in str(e):
            raise DistributedError(rendezvous_message(e, where)) from None
        raise
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return 0


def check_launch(nnodes: int, endpoint: str | None) -> None:
    """DistributedError, before anything starts, for a rendezvous that cannot work. HOST:PORT must name a host that
    resolves and, on this machine, a port no other program listens on (torchrun would take that program for the
    rendezvous and wait for it)."""
    if nnodes > 1 and not endpoint:
        raise DistributedError("training on several machines needs --rdzv-endpoint HOST:PORT (the same on every "
                               "machine)")
    if not endpoint:
        return
    if ":" not in endpoint:
        raise DistributedError(f"the rendezvous endpoint must be HOST:PORT, not '{endpoint}'")
    host, _, port = endpoint.rpartition(":")
    host = host.strip("[]")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise DistributedError(f"the rendezvous endpoint must be HOST:PORT with a port from 1 to 65535, not "
                               f"'{endpoint}'")
    try:
        addrs = {a[4][0] for a in socket.getaddrinfo(host, int(port), proto=socket.IPPROTO_TCP)}
    except OSError:
        raise DistributedError(f"the rendezvous host '{host}' is not known here: give the first machine's name or "
                               "address in --rdzv-endpoint HOST:PORT") from None
    try:
        mine = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        mine = set()
    if not addrs & (mine | {"127.0.0.1", "::1"}):
        return                                       # another machine's: it hosts the rendezvous
    with socket.socket(socket.AF_INET6 if ":" in min(addrs) else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((min(addrs), int(port)))
        except OSError:
            raise DistributedError(rendezvous_message(OSError("address already in use"), endpoint)) from None


def failure_message(e, resume_hint: str = "") -> str:
    """torchrun's ChildFailedError as one sentence: which rank ended how."""
    parts = []
    failures = sorted(e.failures.items())
    first = [(r, f) for r, f in failures if f.signal_name() != "SIGTERM"]     # SIGTERM: stopped by the agent
    for rank, f in first or failures:
        how = f"was killed by {f.signal_name()}" if f.exitcode < 0 else f"exited with status {f.exitcode}"
        parts.append(f"training process {rank} (pid {f.pid}) {how}")
    hint = f"; continue from the newest checkpoint with: {resume_hint}" if resume_hint else ""
    return f"training stopped: {', '.join(parts)}, so the other training processes were stopped too{hint}"


def rendezvous_message(e: BaseException, where: str) -> str:
    text = str(e)
    if "EADDRINUSE" in text or "address already in use" in text.lower():
        return (f"the rendezvous port at {where} is already in use: choose another port in --rdzv-endpoint, or "
                "leave it out on a single machine to use a free one")
    return (f"the training processes could not meet at {where}: check that HOST:PORT in --rdzv-endpoint is the "
            "first machine's address, that the port is open, and that every machine was started with the same "
            "endpoint and --nnodes")

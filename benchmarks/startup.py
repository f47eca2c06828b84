"""Start-up time: launching `python -m studio.cli` (no arguments → the studio window) until the window has
been shown and the event loop has run (the app quits from the event loop: GANSTUDIO_QUIT_AFTER_SHOW=1).

    .venv/bin/python benchmarks/startup.py               # 5 launches, offscreen Qt, + an import profile
    .venv/bin/python benchmarks/startup.py --runs 10 --top 20

Each round also launches a bare `python -c pass`, interleaved, so the figure can be read against the
interpreter's own start on the same (possibly busy) machine. Then one launch with `-X importtime` lists
the top-level imports that dominate and says whether torch was imported on the way to the window.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GANSTUDIO_QUIT_AFTER_SHOW="1")
    env.setdefault("XDG_CONFIG_HOME", str(Path(os.environ.get("TMPDIR", "/tmp")) / "ganstudio-startup-bench"))
    return env


def launch(args: list[str], timeout: float = 120.0) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, *args], cwd=ROOT, env=_env(), capture_output=True, text=True,
                       timeout=timeout)
    return time.perf_counter() - t0, p


def import_profile(top: int) -> tuple[list[tuple[float, str]], bool, float]:
    """Top-level imports by cumulative seconds, whether torch was imported, and the total import time."""
    _, p = launch(["-X", "importtime", "-m", "studio.cli"])
    rows, torch_seen, total = [], False, 0.0
    for line in p.stderr.splitlines():
        if line.startswith("GANSTUDIO_SHOWN"):      # the window is shown: later imports are the background ones
            break
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cum_us, name = line[len("import time:"):].split("|", 2)
        mod = name.rstrip()[1:]                     # one space after the bar, then two per nesting level
        depth = (len(mod) - len(mod.lstrip())) // 2
        mod = mod.strip()
        if mod == "torch" or mod.startswith("torch."):
            torch_seen = True
        if depth == 0:
            rows.append((int(cum_us) / 1e6, mod))
            total += int(cum_us) / 1e6
    rows.sort(reverse=True)
    return rows[:top], torch_seen, total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--top", type=int, default=12, help="how many top-level imports to list")
    args = ap.parse_args(argv)
    launch(["-m", "studio.cli"])                                   # warm the OS file cache once
    app_t, bare_t = [], []
    for i in range(args.runs):
        dt, p = launch(["-m", "studio.cli"])
        if p.returncode != 0:
            print(f"the app exited with status {p.returncode}:\n{p.stderr[-2000:]}")
            return 1
        app_t.append(dt)
        bare_t.append(launch(["-c", "pass"])[0])
        print(f"  launch {i + 1}/{args.runs}: window shown and event loop ran after {dt:.2f} s "
              f"(bare interpreter {bare_t[-1]:.2f} s)", flush=True)
    med, bare = statistics.median(app_t), statistics.median(bare_t)
    print(f"start-up to painted window: median {med:.2f} s (min {min(app_t):.2f}, max {max(app_t):.2f}) over "
          f"{args.runs} launches; bare `python -c pass` {bare:.2f} s; target <= 3 s")
    rows, torch_seen, total = import_profile(args.top)
    print(f"\nimports on the way to the window (-X importtime, one launch): {total:.2f} s in all; torch imported: "
          f"{'YES (should be lazy)' if torch_seen else 'no'} (imports after the window was shown, like the background "
          "import of Explore/Animate, are not counted)")
    for sec, mod in rows:
        print(f"  {sec:6.3f} s  {mod}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

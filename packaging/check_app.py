"""Use the frozen app the way an artist would, from a clean environment, and print what it cost.

    .venv/bin/python packaging/check_app.py                 # checks dist/ganstudio (make package-check)
    .venv/bin/python packaging/check_app.py --app PATH --json build/package-check.json

Runs the bundle's own launcher, never this checkout's Python: --version (frozen app, torch build, resources
inside the bundle), generate with the demo model (decodable PNGs), the window opened offscreen and closed
(cold and warm start-up to a shown window), demo-data + train from a folder, evaluate (the feature-network
weights are inside), and animate to MP4 (PyAV's FFmpeg is inside; the file is decoded here and its frames
counted). Exit status 1 and one line saying which step failed when anything is wrong.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class CheckFailed(Exception):
    pass


def default_app() -> Path:
    if sys.platform == "win32":
        return ROOT / "dist" / "GAN Studio" / "ganstudio.exe"
    if sys.platform == "darwin":
        return ROOT / "dist" / "GAN Studio.app" / "Contents" / "MacOS" / "GAN Studio"
    return ROOT / "dist" / "ganstudio" / "ganstudio"


def clean_env(home: Path) -> dict:
    """A user's environment: no virtualenv, no PYTHONPATH, no library paths, fresh settings, offscreen Qt."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache"), "TMPDIR": str(home / "tmp"), "QT_QPA_PLATFORM": "offscreen",
           "LANG": "C.UTF-8", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    if sys.platform == "win32":
        env.update(SYSTEMROOT=os.environ.get("SYSTEMROOT", r"C:\Windows"), PATH=os.environ.get("PATH", ""))
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return env


def run(app: Path, args: list, cwd: Path, env: dict, timeout: float = 600) -> tuple[float, str, str]:
    t0 = time.perf_counter()
    p = subprocess.run([str(app), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=timeout)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise CheckFailed(f"`ganstudio {' '.join(map(str, args))}` exited {p.returncode}: "
                          f"{(p.stderr or p.stdout).strip()[-800:]}")
    return dt, p.stdout, p.stderr


def window_start(app: Path, cwd: Path, env: dict) -> float:
    """Seconds from launch to the window shown and painted (the app prints GANSTUDIO_SHOWN, then quits)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([str(app)], cwd=cwd, env=dict(env, GANSTUDIO_QUIT_AFTER_SHOW="1"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    shown = None
    for line in p.stderr:
        if line.startswith("GANSTUDIO_SHOWN") and shown is None:
            shown = time.perf_counter() - t0
    rc = p.wait(timeout=120)
    if rc != 0 or shown is None:
        raise CheckFailed(f"the window did not open and close cleanly (exit status {rc})")
    return shown


def evict(folder: Path) -> bool:
    """Drop the bundle's files from the page cache (Linux), so the next start reads them from disk as a first
    launch after download would. Only these files are touched; True when it worked."""
    if not hasattr(os, "posix_fadvise"):
        return False
    for f in folder.rglob("*"):
        if f.is_file() and not f.is_symlink():
            fd = os.open(f, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def check(app: Path, work: Path) -> dict:
    env = clean_env(work / "home")
    bundle = app.parents[2] if sys.platform == "darwin" else app.parent    # GAN Studio.app, or the folder
    facts: dict = {"app": str(app), "bundle_mb": round(du_mb(bundle), 1)}

    dt, out, _ = run(app, ["--version"], work, env)
    facts["version_s"] = round(dt, 2)
    facts["version"] = out.strip().splitlines()
    if "(frozen app)" not in out or not re.search(r"^torch \S+, (CPU|CUDA|ROCm)", out, re.M):
        raise CheckFailed(f"--version does not name the frozen app and the torch build:\n{out}")
    where = re.search(r"^resources: (.+) \(frozen app\)$", out, re.M)
    if not where or not Path(where[1]).resolve().is_relative_to(bundle.resolve()):
        raise CheckFailed(f"the resources are not read from inside the bundle:\n{out}")

    cold = evict(bundle)
    facts["window_cold_s" if cold else "window_first_s"] = round(window_start(app, work, env), 2)
    warm = [window_start(app, work, env) for _ in range(3)]
    facts["window_warm_s"] = round(statistics.median(warm), 2)

    dt, out, _ = run(app, ["generate", "demo", "--count", "4", "--seed", "0", "--out", work / "images"], work, env)
    facts["generate_s"] = round(dt, 2)
    from PIL import Image
    pngs = sorted((work / "images").glob("seed*.png"))
    if len(pngs) != 4:
        raise CheckFailed(f"generate wrote {len(pngs)} images, not 4")
    for f in pngs:
        with Image.open(f) as im:
            lo, hi = im.convert("L").getextrema()
            if im.size != (64, 64) or hi - lo < 20:
                raise CheckFailed(f"{f.name} is not a 64 px picture of the demo model")

    run(app, ["demo-data", work / "art", "--count", "64", "--size", "32", "--seed", "1"], work, env)
    dt, out, err = run(app, ["train", work / "art", "--out", work / "run", "--arch", "dcgan", "--resolution", "32",
                             "--batch", "16", "--kimg", "0.2", "--no-quality", "--device", "cpu", "--seed", "1"],
                       work, env)
    facts["train_s"] = round(dt, 2)
    if not list((work / "run" / "checkpoints").glob("ckpt-*.safetensors")):
        raise CheckFailed("train finished without writing a checkpoint")

    dt, out, _ = run(app, ["evaluate", work / "run", "--data", work / "art", "--count", "32", "--real-count", "64",
                           "--device", "cpu"], work, env)
    facts["evaluate_s"] = round(dt, 2)
    if "KID" not in out:
        raise CheckFailed(f"evaluate printed no KID:\n{out}")

    video = work / "walk.mp4"
    dt, out, _ = run(app, ["animate", work / "run", "--seeds", "1,2,3", "--fps", "12", "--seconds", "2",
                           "--out", video, "--device", "cpu"], work, env)
    facts["animate_s"] = round(dt, 2)
    import av
    with av.open(str(video)) as f:
        stream = f.streams.video[0]
        frames = sum(1 for _ in f.decode(stream))
        codec = stream.codec_context.name
    if frames != 24 or codec != "h264":
        raise CheckFailed(f"the MP4 has {frames} {codec} frames, not 24 h264 frames")
    facts["mp4"] = f"{frames} frames, {codec}, {video.stat().st_size} bytes"
    return facts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", type=Path, default=default_app(), help="the frozen app's console launcher")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)
    if not args.app.is_file():
        print(f"error: {args.app} does not exist: build it first with make package", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ganstudio-package-check-") as tmp:
        try:
            facts = check(args.app.resolve(), Path(tmp))
        except (CheckFailed, subprocess.TimeoutExpired) as e:
            print(f"package check FAILED: {e}", file=sys.stderr)
            return 1
    for k, v in facts.items():
        print(f"{k:>15}: {v}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(facts, indent=2) + "\n")
    print("package check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

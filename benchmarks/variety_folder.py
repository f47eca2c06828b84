"""Build the varied benchmark folder (issue 28): six visibly different kinds of picture from freely licensed Debian
packages, 128 px RGB PNGs on white, one subfolder per kind (--flat: all in one folder, kind in the file name).

    apt-get install -y tuxpaint-stamps-default papirus-icon-theme librsvg2-bin \
        gnome-backgrounds plasma-workspace-wallpapers desktop-base
    .venv/bin/python benchmarks/variety_folder.py /tmp/variety            # animals/ food/ vehicles/ people/ ...
    .venv/bin/python benchmarks/variety_folder.py /tmp/variety-flat --flat

Kinds: animals, food, vehicles and people (Tux Paint stamps, drawn clip art), app icons (Papirus, flat vector
icons), landscapes (desktop wallpapers: photos and paintings). Never the Wesnoth data (kept aside).
"""
from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
from pathlib import Path

SIZE = 128
PER_KIND = 50


def stamps(kind: str) -> list[Path]:
    root = Path("/usr/share/tuxpaint/stamps") / kind
    found = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".png", ".svg")
                   and not p.stem.endswith(("_mirror", "_flip")))
    by_stem = {}
    for p in found:                                  # one picture per stamp: the svg where both exist
        by_stem.setdefault(p.with_suffix("").as_posix(), []).append(p)
    return [sorted(v, key=lambda q: q.suffix != ".svg")[0] for v in by_stem.values()]


def icons() -> list[Path]:
    root = Path("/usr/share/icons/Papirus/64x64/apps")
    return [p for p in sorted(root.glob("*.svg")) if not p.is_symlink()]


def wallpapers() -> list[Path]:
    seen = {}
    for r in ("/usr/share/backgrounds", "/usr/share/wallpapers", "/usr/share/desktop-base"):
        for dp, _, fn in os.walk(r, followlinks=True):
            for f in fn:
                if f.lower().endswith((".jpg", ".jpeg", ".png")):
                    p = Path(dp, f).resolve()
                    parts = p.parts
                    key = parts[parts.index("contents") - 1] if "contents" in parts else re.sub(r"[-_]?\d+x\d+", "",
                                                                                              p.stem)
                    seen.setdefault(key, p)
    return [seen[k] for k in sorted(seen)]


def load(p: Path, photo: bool):
    """A 128 px RGB picture on white: clip art and icons fitted whole, photos (photo=True) centre-cropped."""
    from PIL import Image
    if p.suffix.lower() == ".svg":
        png = subprocess.run(["rsvg-convert", "-w", str(SIZE), "-h", str(SIZE), "-a", str(p)], capture_output=True,
                             check=True).stdout
        im = Image.open(io.BytesIO(png))
    else:
        im = Image.open(p)
        im.draft("RGB", (SIZE * 2, SIZE * 2))
    im = im.convert("RGBA")
    if photo:
        s = min(im.size)
        im = im.crop(((im.width - s) // 2, (im.height - s) // 2, (im.width + s) // 2, (im.height + s) // 2))
        im = im.resize((SIZE, SIZE), Image.LANCZOS)
    else:
        im.thumbnail((SIZE, SIZE), Image.LANCZOS)
    bg = Image.new("RGBA", (SIZE, SIZE), (255, 255, 255, 255))
    bg.alpha_composite(im, ((SIZE - im.width) // 2, (SIZE - im.height) // 2))
    return bg.convert("RGB")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--flat", action="store_true")
    ap.add_argument("--per-kind", type=int, default=PER_KIND)
    ap.add_argument("--kinds", nargs="*", help="only these kinds")
    args = ap.parse_args(argv)
    sources = {"animals": stamps("animals"), "food": stamps("food"), "vehicles": stamps("vehicles"),
               "people": stamps("people"), "icons": icons(), "landscapes": wallpapers()}
    out = Path(args.out)
    for kind, files in sources.items():
        if args.kinds and kind not in args.kinds:
            continue
        step = max(1, len(files) // args.per_kind)
        chosen = files[::step][:args.per_kind]
        folder = out if args.flat else out / kind
        folder.mkdir(parents=True, exist_ok=True)
        n = 0
        for i, p in enumerate(chosen):
            try:
                load(p, kind == "landscapes").save(folder / (f"{kind}-{i:03d}.png" if args.flat else f"{i:03d}.png"))
                n += 1
            except Exception as e:  # noqa: BLE001 - a picture that does not load is left out, and said
                print(f"skipped {p}: {e}", file=sys.stderr)
        print(f"{kind}: {n} of {len(files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

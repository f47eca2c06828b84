"""`ganstudio invert MODEL IMAGE... --out DIR` and `ganstudio restore MODEL IMAGE --mask MASK --out OUT.png`.

invert: find each image in the model's latent space; writes <name>-inverted.png, a GAN Studio PNG whose
metadata holds the found latent (drop it on the window to continue from it), and prints how close it got.
restore: fill the mask's white pixels with what the model paints there, blended into the original with a
feathered edge; every pixel away from the mask keeps the original's value. The search runs at the model's size;
the result has the original's size (the fill enlarged by the model's upscaler when it has one, else Lanczos).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path


def _settings_args(p) -> None:
    from .common import positive as _positive
    from studio.core.invert import InvertSettings
    d, r = InvertSettings(), InvertSettings.refining()
    p.add_argument("--steps", type=_positive(int), metavar="N",
                   help=f"search steps (default: up to {r.steps} from the encoder's guess, ending once the match is "
                        f"as close as the model's own pictures are found; {d.steps} for the full search)")
    p.add_argument("--full", action="store_true", help="the full search from random starting points, not from the "
                   "run's encoder (closer on pictures unlike the model's, several seconds each)")
    p.add_argument("--restarts", type=_positive(int), default=d.restarts, metavar="K",
                   help=f"the full search's starting points searched together, the best kept (default {d.restarts})")
    p.add_argument("--seed", type=int, default=0, help="seed of the random starting points")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])


def add_parser(sub) -> None:
    i = sub.add_parser("invert", help="find images in a model's latent space (GAN inversion)",
                       description="Fit each IMAGE to the model's size (the training crop/pad rules) and search the "
                       "latent whose generated image is closest to it. Writes OUT/<name>-inverted.png with the "
                       "latent in its metadata: drop it on the window to explore, morph and animate from it.")
    i.add_argument("model", metavar="MODEL", help="a run folder, checkpoint or exported model")
    i.add_argument("images", nargs="+", metavar="IMAGE")
    i.add_argument("--out", required=True, metavar="DIR")
    i.add_argument("--fit", choices=["crop", "pad", "stretch"], help="how to make the image square "
                   "(default: the run's setting, else crop)")
    _settings_args(i)
    i.set_defaults(func=run_invert)

    r = sub.add_parser("restore", help="repair the masked part of a picture with what the model learnt",
                       description="The mask's white pixels are missing or damaged: only the other pixels guide "
                       "the search (at the model's size), and the model's fill, enlarged to the picture's size by "
                       "the model's upscaler (else Lanczos), is blended into the original with a feathered edge.")
    r.add_argument("model", metavar="MODEL")
    r.add_argument("image", metavar="IMAGE")
    r.add_argument("--mask", metavar="MASK.png", help="white = missing or damaged (required)")
    r.add_argument("--out", required=True, metavar="OUT.png")
    r.add_argument("--fit", choices=["crop", "pad", "stretch"])
    r.add_argument("--feather", type=float, metavar="PX", help="width of the blended edge in the picture's "
                   "pixels (default: 1/32 of the part the model sees)")
    _settings_args(r)
    r.set_defaults(func=run_restore)


def _load(args):
    from studio.core.invert import InvertSettings
    from studio.core.run import find_config
    from studio.session.devices import load_model
    model = load_model(args.model, args.device)
    cfg = find_config(Path(args.model), model)
    fit = args.fit or (cfg.fit if cfg else "crop")
    background = cfg.background_rgb if cfg else (255, 255, 255)
    from studio.session.image_search import search_start
    full = InvertSettings(steps=args.steps or InvertSettings.steps, restarts=args.restarts, seed=args.seed)
    how = search_start(model, None if args.steps is None else full, args.full)
    if how.guess is None:                        # the full search: the flags' settings
        how.settings = full
    how.settings.validate()
    if how.note:
        print(f"note: {how.note}")
    return model, fit, background, how


def _progress_bar(label: str):
    stream = sys.stderr
    tty = stream.isatty()

    def cb(frac, _preview=None):
        if tty:
            filled = int(frac * 24)
            stream.write(f"\r{label} [{'#' * filled}{'.' * (24 - filled)}] {frac * 100:5.1f}%")
            if frac >= 1:
                stream.write("\r" + " " * (len(label) + 36) + "\r")
            stream.flush()
    return cb


def run_invert(args) -> int:
    from .common import CliError
    from studio.core.explore import LatentState, state_to_meta
    from studio.core.invert import InvertError, drive, prepare_image, search
    from studio.core.pngmeta import save_png
    from studio.session.image_search import judge_match
    model, fit, background, how = _load(args)
    settings = how.settings
    spec = model.spec
    out = Path(args.out)
    targets = []
    for name in args.images:                     # check every image before the (slow) searches
        path = Path(name)
        if not path.is_file():
            raise CliError(f"{path} does not exist or is not a file")
        try:
            targets.append((path, prepare_image(path, spec.resolution, spec.channels, fit, background)))
        except InvertError as e:
            raise CliError(str(e)) from None
    out.mkdir(parents=True, exist_ok=True)
    start = "the encoder's guess" if how.guess else f"{settings.restarts} starting points"
    print(f"model: {model.path} ({spec.arch}, {spec.resolution} px); {settings.steps} steps from {start}")
    for path, target in targets:
        t0 = time.perf_counter()
        z0 = how.guess(target) if how.guess else None
        res = drive(search(model, target, settings, start=z0), _progress_bar(path.name), None)
        state = LatentState(base=res.z, label=f"found from {path.name}")
        meta = state_to_meta(state, model, res.z)
        meta["inversion"] = {"source": path.name, "perceptual_distance": round(res.distance, 5),
                             "pixel_error": round(res.pixel_error, 5), "steps": res.steps}
        dest = save_png(out / f"{path.stem}-inverted.png", res.image, meta)
        print(f"{path.name}: perceptual distance {res.distance:.4f}, mean pixel error {res.pixel_error:.4f} "
              f"(0-1 scale), {time.perf_counter() - t0:.1f} s -> {dest}")
        verdict = judge_match(path.name, res.distance, res.pixel_error, how.guess is not None)
        if verdict.level != "close":                 # the window's Find bar says the same sentence
            print(f"  {verdict.sentence}")
    return 0


def run_restore(args) -> int:
    from PIL import Image

    from .common import CliError
    from studio.core.files import atomic_path
    from studio.core.invert import InvertError, load_original, read_mask
    from studio.core.restore import Framing, restore
    from studio.session.upscaling import UpscalerError, enlarge, enlarging, upscaler_for
    if not args.mask:
        raise CliError("restore needs --mask MASK.png: an image the size of IMAGE, white where pixels are missing "
                       "or damaged and black elsewhere (paint one in any editor, or use the Restore tool in the "
                       "window's Explore workspace)")
    model, fit, background, how = _load(args)
    spec = model.spec
    for p in (args.image, args.mask):
        if not Path(p).is_file():
            raise CliError(f"{p} does not exist or is not a file")
    try:
        original = load_original(args.image, spec.channels, background)
        h, w = original.shape[:2]
        mask, note = read_mask(args.mask, w, h)
    except InvertError as e:
        raise CliError(str(e)) from None
    if note:
        print(f"note: {note}")
    if not mask.any():
        raise CliError(f"the mask {Path(args.mask).name} is empty (no white pixels): paint the damaged or missing "
                       "part in white")
    if mask.all():
        raise CliError(f"the mask {Path(args.mask).name} covers the whole image: leave the undamaged part black so "
                       "it can guide the search")
    try:
        up = upscaler_for(model, model.device)
    except UpscalerError as e:
        print(f"note: {e}; the fill is enlarged by Lanczos")
        up = None
    t0 = time.perf_counter()
    try:
        res = restore(model, original, mask, how.settings, args.feather,
                      progress=_progress_bar(Path(args.image).name), fit=fit, background=background,
                      enlarge=lambda im, bw, bh: enlarge(im, bw, bh, up), guess=how.guess)
    except InvertError as e:
        raise CliError(str(e)) from None
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out, out.suffix or ".png") as tmp:
        Image.fromarray(res.image).save(tmp, format="PNG")
    how = enlarging(spec.resolution, *Framing(w, h, spec.resolution, fit).size, up)
    print(f"restored {mask.mean():.0%} of the picture ({int(mask.sum())} pixels) at {w}×{h} in "
          f"{time.perf_counter() - t0:.1f} s; the fill {how}; known pixels matched to "
          f"{res.inversion.pixel_error:.4f} -> {out}")
    return 0

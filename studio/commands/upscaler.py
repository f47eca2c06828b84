"""`ganstudio upscaler RUN` (train the run's upscaler) and `ganstudio upscale RUN IMAGE… --out DIR`."""
from __future__ import annotations

from pathlib import Path

from .common import DEVICE_CHOICES, CliError, positive, stage_printer, stop_on_signals


def add_parser(sub) -> None:
    u = sub.add_parser("upscaler", help="train a run's ×2/×4 upscaler from its original full-size pictures",
                       description="Learn an upscaler for the run's model from the run's own pictures at their "
                       "original size. The best so far is kept in RUN/upscaler.safetensors at every moment: Ctrl-C "
                       "stops and keeps it; running the command again continues.")
    u.add_argument("run", metavar="RUN_DIR")
    u.add_argument("--minutes", type=positive(float), default=5.0, help="training time (default 5)")
    u.add_argument("--factor", type=int, choices=[2, 4], help="the largest factor wanted (default: the largest "
                   "the pictures allow)")
    u.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    u.set_defaults(func=run_upscaler)

    s = sub.add_parser("upscale", help="enlarge pictures with a run's upscaler (GAN Studio metadata kept)")
    s.add_argument("run", metavar="RUN_DIR_OR_MODEL")
    s.add_argument("images", nargs="+", metavar="IMAGE")
    s.add_argument("--out", required=True, metavar="DIR")
    s.add_argument("--factor", type=int, choices=[2, 4], help="default: the upscaler's own factor")
    s.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    s.set_defaults(func=run_upscale)


def run_upscaler(args) -> int:
    from studio.session.devices import resolve_device
    from studio.session.jobs import Job
    from studio.session.upscaling import plan_upscaler, train_upscaler, upscaler_file
    plan = plan_upscaler(args.run, args.factor)
    if plan.note:
        print(f"note: {plan.note}")
    print(f"learning ×{plan.factor} from {len(plan.files)} pictures for {args.minutes:g} min")
    job = Job(interval=1.0)
    job.on_progress(stage_printer())
    with stop_on_signals(job.cancel, lambda: job.cancelled, "stopping: the best upscaler so far is kept "
                         "(press Ctrl-C again to abort)"):
        res = train_upscaler(args.run, job, args.minutes, plan.factor, resolve_device(args.device), plan=plan)
    print(f"\n{'stopped' if res.reason == 'stopped' else 'finished'} after {res.steps} steps "
          f"({res.images_seen} crops seen); best validation loss {res.best:.4f} -> {upscaler_file(args.run)}")
    return 0


def _read(path: Path):
    """(pixels, GAN Studio metadata or None) of any picture; CliError if it cannot be read."""
    from PIL import Image

    from studio.core.images import ImageSkipped, load_image
    from studio.core.pngmeta import PngMetaError, read_text
    if not path.is_file():
        raise CliError(f"{path} does not exist or is not a file")
    try:
        with Image.open(path) as im:
            alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
        img = load_image(path, "rgba" if alpha else "rgb")
    except (ImageSkipped, OSError) as e:
        raise CliError(f"{path.name} cannot be upscaled: {e}") from None
    meta = None
    if path.suffix.lower() == ".png":
        try:
            import json
            text = read_text(path.read_bytes())
            meta = json.loads(text) if text else None
        except (PngMetaError, ValueError, OSError):
            meta = None
    return img, meta


def run_upscale(args) -> int:
    from studio.core.pngmeta import save_png, upscale_record
    from studio.session.devices import resolve_device
    from studio.session.upscaling import upscale, upscaler_for
    from studio.session.devices import model_source
    source = model_source(args.run)
    up = upscaler_for(source, resolve_device(args.device))
    if up is None:
        raise CliError(f"{source} has no upscaler yet: train one with ganstudio upscaler {args.run}")
    factor = args.factor or up.factor
    up.check_factor(factor)
    pictures = [(Path(p), *_read(Path(p))) for p in args.images]      # every picture checked before writing
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path, img, meta in pictures:
        big = upscale(img[None], factor, up)[0]
        if meta is not None:
            meta = {k: v for k, v in meta.items() if k not in ("format", "version")}
            meta["upscale"] = upscale_record(factor, (img.shape[1], img.shape[0]))
        dest = save_png(out / f"{path.stem}-x{factor}.png", big, meta)
        print(f"{path.name}: {img.shape[1]}×{img.shape[0]} -> {big.shape[1]}×{big.shape[0]} {dest}")
    return 0

"""`ganstudio generate MODEL --out DIR`: PNG images from a trained model (each remembers its latent)."""
from __future__ import annotations

import sys
from pathlib import Path

from .common import DEVICE_CHOICES, CliError, add_upscale_arg, direction, positive, upscaler_of


def add_parser(sub) -> None:
    g = sub.add_parser("generate", help="write PNG images from a trained model")
    g.add_argument("model", metavar="RUN_DIR_OR_CHECKPOINT",
                   help="a project folder, a .safetensors model, or demo for the bundled demo model")
    g.add_argument("--count", type=positive(int), default=16)
    g.add_argument("--seed", type=int, default=0, help="first seed; image i uses seed S+i")
    g.add_argument("--out", required=True, metavar="DIR")
    g.add_argument("--truncation", type=float, default=1.0, metavar="PSI", help="1 = none, 0 = the mean image")
    g.add_argument("--direction", action="append", type=direction, metavar="K=VALUE",
                   help="move along principal direction K (1-64, as in the explorer) by VALUE σ; repeatable")
    g.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    add_upscale_arg(g)
    g.set_defaults(func=run)


def run(args) -> int:
    from studio.core.explore import LatentState, batch_latents, state_to_meta
    from studio.core.pngmeta import save_png, upscale_record
    from studio.session.devices import load_model

    model = load_model(args.model, args.device)
    up = upscaler_of(model, args.upscale)
    seeds = list(range(args.seed, args.seed + args.count))
    look, dirs, names = LatentState(psi=args.truncation), None, None
    for k, v in args.direction or []:
        look = look.with_direction(k, v)
    if args.direction:
        from studio.core.directions import directions_for
        print("finding the model's directions (once per model; cached in its project)", file=sys.stderr)
        d = directions_for(model)
        if max(k for k, _ in args.direction) >= len(d):
            raise CliError(f"this model has {len(d)} directions; use K from 1 to {len(d)}")
        dirs, names = d.vectors, d.names
    states = [look.replace(seed=s) for s in seeds]
    z = batch_latents(states, model.z_dim, dirs)
    images = model.render(z)
    if up is not None:
        images = up.upscale(images, args.upscale)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for s, st, zi, img in zip(seeds, states, z, images):
        meta = state_to_meta(st, model, zi, names)
        if up is not None:
            meta["upscale"] = upscale_record(args.upscale, (model.spec.resolution,) * 2)
        save_png(out / f"seed{s:06d}.png", img, meta)
    print(f"wrote {len(seeds)} image{'s' if len(seeds) != 1 else ''} to {out}")
    return 0

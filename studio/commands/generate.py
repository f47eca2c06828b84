"""`ganstudio generate MODEL --out DIR`: PNG images from a trained model (each remembers its latent and kind);
`--class NAME` (or a mix "a:0.3,b:0.7") for a model with kinds; `--from PNG` makes a GAN Studio PNG again."""
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
    g.add_argument("--class", dest="kind_mix", metavar="NAME",
                   help="for a model trained with kinds: make pictures of this kind, or of a mix of kinds "
                        "('elf:0.3,knight:0.7'); default: each latent's own kind, in the folder's proportions")
    g.add_argument("--from", dest="sources", action="append", metavar="PNG",
                   help="make a GAN Studio PNG again from its metadata (its latent, kind and enlargement; "
                        "--seed, --count, --truncation and --direction do not apply); repeatable")
    g.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    add_upscale_arg(g)
    g.set_defaults(func=run)


def run(args) -> int:
    from studio.core.explore import LatentState, batch_latents, state_to_meta
    from studio.core.pngmeta import save_png, upscale_record
    from studio.session.devices import load_model

    model = load_model(args.model, args.device)
    if args.sources:
        return _again(args, model)
    up = upscaler_of(model, args.upscale)
    kind = kind_record(model, args.kind_mix)           # an unknown kind: one sentence, before anything is made
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
    images = model.render(z, kind=kind)
    if up is not None:
        images = up.upscale(images, args.upscale)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for s, st, zi, img in zip(seeds, states, z, images):
        meta = state_to_meta(st, model, zi, names)
        if up is not None:
            meta["upscale"] = upscale_record(args.upscale, (model.spec.resolution,) * 2)
        if kind is not None:
            meta["kind"] = kind
        save_png(out / f"seed{s:06d}.png", img, meta)
    print(f"wrote {len(seeds)} image{'s' if len(seeds) != 1 else ''} to {out}")
    return 0


def kind_record(model, kind) -> dict | None:
    """The metadata's "kind" record for --class (or a PNG's own record); KindError's sentence when the model
    has no such kind, or no kinds."""
    from studio.core.kinds import kind_dict, kind_weights
    return kind_dict(model.kinds, kind_weights(model.kinds, kind))


def _again(args, model) -> int:
    """--from: each PNG made again, the same latent, kind and enlargement, by this model; checked before any is
    written."""
    from studio.core.explore import state_from_meta, state_to_meta
    from studio.core.pngmeta import read_png_meta, save_png, upscale_record
    if args.direction or args.truncation != 1.0:
        raise CliError("--from makes a picture again exactly as its metadata says: leave out --direction and "
                       "--truncation")
    out = Path(args.out)
    jobs = []
    for src in map(Path, args.sources):
        meta = read_png_meta(src)
        if meta.z_dim != model.z_dim:
            raise CliError(f"{src.name} has a {meta.z_dim}-value latent but this model takes {model.z_dim}: "
                           f"it was made by {meta.model_name or 'another model'}")
        made_as = _recorded_kind(meta, src)
        if made_as and not model.kinds:
            raise CliError(f"{src.name} was made as the kind {', '.join(made_as)} and this model has no kinds: "
                           "use the model that made it")
        kind = kind_record(model, args.kind_mix if args.kind_mix else made_as)
        factor = args.upscale or (meta.upscale if meta.upscale > 1 else None)
        why = _cannot_enlarge(model, factor) if factor and not args.upscale else ""
        if why:                               # its enlargement is left out, and said; the rest as recorded
            print(f"note: {src.name} was enlarged ×{factor}; made at {model.spec.resolution} px: {why}",
                  file=sys.stderr)
            factor = None
        target = out / src.name
        if target.resolve() == src.resolve():
            raise CliError(f"--out {out} holds {src.name} itself: choose another folder")
        if meta.identity and meta.identity != model.identity:
            print(f"note: {src.name} was made by {meta.model_name or 'another model'}; drawing its latent with "
                  f"{model.path.name}", file=sys.stderr)
        jobs.append((meta, kind, upscaler_of(model, factor), factor, target))
    out.mkdir(parents=True, exist_ok=True)
    for meta, kind, up, factor, target in jobs:
        img = model.render(meta.z[None], kind=kind)
        if up is not None:
            img = up.upscale(img, factor)
        record = state_to_meta(state_from_meta(meta, model.z_dim), model, meta.z)
        if up is not None:
            record["upscale"] = upscale_record(factor, (model.spec.resolution,) * 2)
        if kind is not None:
            record["kind"] = kind
        save_png(target, img[0], record)
    print(f"wrote {len(jobs)} image{'s' if len(jobs) != 1 else ''} to {out}")
    return 0


def _recorded_kind(meta, src: Path) -> dict | None:
    """The PNG's "kind" record ({name: weight}, kinds.kind_dict's; pngmeta.kind_of), None without one; its names
    are checked against the model by kind_weights."""
    from studio.core.pngmeta import PngMetaError, kind_of
    try:
        return kind_of(meta)
    except PngMetaError as e:
        raise CliError(f"{src.name}'s kind record is damaged ({e})") from None


def _cannot_enlarge(model, factor: int) -> str:
    from studio.session.upscaling import missing_factor, upscaler_for
    return missing_factor(factor, upscaler_for(model, model.device))

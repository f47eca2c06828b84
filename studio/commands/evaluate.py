"""`ganstudio evaluate RUN_DIR_OR_CHECKPOINT --data DATA_DIR`: measure a generator against images.

Prints KID, FD, precision/recall, density/coverage and diversity in the EfficientNet-Lite1 feature
space, and KID/FD in EfficientNet-Lite0 beside them (both offline), with the image counts used;
--inception adds true FID from a local file. Then the pictures the samples cover worst, by file name.
"""
from __future__ import annotations

import json
import time
from pathlib import Path


from .common import DEVICE_CHOICES, CliError, positive, scan_progress


def add_parser(sub) -> None:
    e = sub.add_parser("evaluate", help="measure a model's quality against a folder of images (KID, FD, …)",
                       description="Generate images from the model and compare them with the images in DATA_DIR, "
                       "in the EfficientNet-Lite1 feature space that ships with GAN Studio (no download), with KID and FD in "
                   "EfficientNet-Lite0 beside them. "
                       "These are not FID numbers; pass --inception for true FID.")
    e.add_argument("model", metavar="RUN_DIR_OR_CHECKPOINT")
    e.add_argument("--data", required=True, metavar="DATA_DIR", help="the real images (usually the training folder)")
    e.add_argument("--count", type=positive(int), default=1000, metavar="N", help="generated images (default 1000)")
    e.add_argument("--real-count", type=positive(int), default=2000, metavar="N",
                   help="real images at most (default 2000)")
    e.add_argument("--json", metavar="OUT.json", help="also write the numbers as JSON")
    e.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    e.add_argument("--inception", metavar="FILE", help="a local Inception TorchScript file (inception-2015-12-05.pt) "
                   "for true FID; optional and untested without the file")
    e.set_defaults(func=run)


def run(args) -> int:
    from studio.core.config import TrainConfig
    from studio.core.dataset import build_dataset
    from studio.core.files import atomic_write_text
    from studio.core.metrics.features import SPACES, get_extractor
    from studio.core.dataset import show_path
    from studio.core.metrics.quality import (collapse_warning, evaluate_features, generate, pick_real, real_features,
                                             uncovered_phrase)
    from studio.core.run import RunFolder
    from studio.session.devices import load_model

    data = Path(args.data)
    if not data.is_dir():
        raise CliError(f"the image folder {data} does not exist or is not a folder")
    model = load_model(args.model, args.device)
    device = model.device
    spec = model.spec
    target = Path(args.model)
    run_folder = RunFolder(target) if target.is_dir() else None
    cfg = run_folder.config() if run_folder is not None and run_folder.exists() else TrainConfig()
    cfg.data_dir = str(data.resolve())
    cfg.resolution, cfg.channels = spec.resolution, ("rgba" if spec.channels == 4 else "rgb")
    cache = run_folder.cache_dir if run_folder is not None and run_folder.exists() else None
    dataset = build_dataset(cfg, cache, scan_progress())
    if len(dataset.images) < 2:
        raise CliError(f"{data} has fewer than 2 usable images; the metrics need more")
    print(f"model: {model.path}")
    print(f"real images: {data} ({len(dataset.images)} usable)")
    t0 = time.perf_counter()
    pairs = []
    fake_images = generate(model.G, spec.z_dim, args.count, device)
    for space in SPACES:                        # the primary space (Lite1), then the secondary (Lite0)
        extractor = get_extractor(device, space)
        pairs.append((real_features(dataset.images, args.real_count, extractor, cache),
                      extractor.features(fake_images)))
    taken = pick_real(dataset.images, args.real_count)      # the real images measured (real_features' rows)
    report = evaluate_features(*pairs[0], secondary=pairs[1], real_index=taken)
    if args.inception:
        from studio.core.metrics.inception import InceptionError, InceptionFID
        try:
            report.fid = InceptionFID(args.inception, device).fid(dataset.images[taken], fake_images)
        except InceptionError as e:
            raise CliError(str(e)) from None
    report.seconds = time.perf_counter() - t0
    print(report.table())
    if report.missing:
        heading = uncovered_phrase(report.coverage, report.n_real, "the worst, by how far the nearest sample is "
                                   "(× the distance from the picture to its 5th most similar one):")
        print(heading[0].upper() + heading[1:])
        for i, far in zip(report.missing, report.missing_far):
            print(f"  {show_path(dataset.report.usable[i])}  ({far:.2f}×)")
    warning = collapse_warning(report, where="the worst are listed above" if report.missing else None)
    if warning:
        print("warning: " + warning)
    if args.json:
        state = model.meta.get("state")
        out = {"model": str(model.path), "data": str(data), **report.record(0, 0.0)}
        step = state.get("step") if isinstance(state, dict) else model.meta.get("step")
        out["step"] = int(step) if isinstance(step, (int, float)) else None
        out.pop("kimg")
        out["collapse_warning"] = warning
        out["missing_files"] = [show_path(dataset.report.usable[i]) for i in report.missing]
        atomic_write_text(Path(args.json), json.dumps(out, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0

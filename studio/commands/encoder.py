"""`ganstudio encoder RUN [--minutes M]`: train the run's encoder, so finding a picture in the model takes a second."""
from __future__ import annotations

from .common import DEVICE_CHOICES, positive, stage_printer, stop_on_signals


def add_parser(sub) -> None:
    e = sub.add_parser("encoder", help="train a run's encoder: Find Image, invert and restore then take a second",
                       description="Learn an encoder for the run's model: a network that guesses the latent of any "
                       "picture in one pass, from the model's own pictures and the run's. `ganstudio invert` / "
                       "`restore` and the window's Find Image start from its guess and refine it for a few steps. "
                       "The best so far is kept in RUN/encoder.safetensors at every moment: Ctrl-C stops and keeps "
                       "it; running the command again continues.")
    e.add_argument("run", metavar="RUN_DIR")
    e.add_argument("--minutes", type=positive(float), default=3.0, help="training time (default 3)")
    e.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    e.set_defaults(func=run_encoder)


def run_encoder(args) -> int:
    from studio.session.devices import resolve_device
    from studio.session.encoding import encoder_file, prepare_encoder
    from studio.session.jobs import Job
    job = Job(interval=1.0)
    job.on_progress(stage_printer())
    training = prepare_encoder(args.run, job, args.minutes, resolve_device(args.device))
    n = training.meta.get("training_images", 0)
    pictures = "the model's own pictures" + (f" and the run's {n}" if n else " (the run's are gone)")
    print(f"learning the encoder from {pictures} for {args.minutes:g} min")
    with stop_on_signals(job.cancel, lambda: job.cancelled, "stopping: the best encoder so far is kept "
                         "(press Ctrl-C again to abort)"):
        res = training.run(job)
    print(f"\n{'stopped' if res.reason == 'stopped' else 'finished'} after {res.steps} steps "
          f"({res.images_seen} pictures seen); the model's pictures are guessed {res.best:.1%} off (mean pixel "
          f"difference, before the search refines them) -> {encoder_file(args.run)}")
    return 0

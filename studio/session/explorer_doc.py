"""ExplorerDocument: what Explore edits and Animate reads, Qt-free.

    doc = ExplorerDocument(prefs)
    model = ExplorerDocument.load(path, prefs)          # slow (reads + hashes the file): on a worker
    doc.set_model(model)                               # fast: on the UI thread
    doc.edit(doc.state.replace(seed=3), "Seed")        # one undoable step; doc.history.undo()
    doc.add_keyframe(); doc.keyframes.items            # saved with the model (session.model_home)
    doc.subscribe(handler, LatentChanged)              # ModelChanged, LatentChanged, DirectionsChanged, ListChanged
    doc.set_upscale(2); doc.upscale; doc.upscaler()    # the canvas's size through the model's upscaler (UpscaleChanged)
    doc.animation.upscale                              # Animate's frame size (saved with the model)
    doc.set_kind("elf"); doc.set_kind({"elf": .7, "orc": .3}); doc.set_kind(None)   # state.kind_mix

It owns the model, the current latent (LatentState, with the kind it is shown as: state.kind_mix, see
session.explorer_kinds) with its undo history, the GANSpace directions, the keyframes, the favourites and the
canvas's size (1, 2 or 4 × the model's, through the model's upscaler, which Export PNG uses too); nobody keeps a
copy. All of it belongs to the model it was made on: it is kept in the model's folder (`model_home`: the run
folder, or a folder beside a loose model or per user for the demo), written atomically as it changes, and comes
back when that model is opened again — whatever project the window has open. The position (the current latent) is
written at most twice a second while it changes and at once when the model changes or the document is closed
(`save_position`). Slow work (loading, directions, exports, finding the model of a PNG) is offered as blocking
methods that take a Job, for a worker to run.
"""
from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import torch

from studio.core.checkpoint import file_identity, load_generator
from studio.core.demo_data import demo_model_path
from studio.core.directions import Directions, cache_path, directions_for, save_directions
from studio.core.errors import StudioError
from studio.core.events import Notice
from studio.core.explore import (LatentState, batch_latents, compose, contact_sheet, state_from_dict, state_from_meta,
                                 state_to_dict, state_to_meta)
from studio.core.files import atomic_write_text
from studio.core.keyframes import Keyframe
from studio.core.kinds import KindError, kind_dict, kind_weights
from studio.core.pngmeta import PngMetaError, kind_of, read_png_meta, save_png, upscale_record
from studio.core.run import BEST_NAME, RunFolder, list_checkpoints

from .animation_settings import AnimationSettings
from .devices import load_model
from .explorer_kinds import kind_array, latent_kinds, usable_kind
from .events import DirectionsChanged, Hub, LatentChanged, ListChanged, ModelChanged, UpscaleChanged
from .history import History
from .latent_list import LatentList
from .model_home import model_home
from .preferences import Preferences

KEYFRAMES_FILE, FAVOURITES_FILE = "keyframes.json", "favourites.json"
POSITION_FILE = "explorer.json"
POSITION_FORMAT = "ganstudio-explorer"
POSITION_EVERY_S = 0.5                 # while the latent changes (a drag), the position is written this often


class ExplorerError(StudioError, ValueError):
    pass


class ExplorerDocument:
    def __init__(self, prefs: Preferences | None = None, hub: Hub | None = None) -> None:
        self.prefs = prefs
        self.hub = hub or Hub()
        self.model = None                                  # core.checkpoint.GeneratorModel
        self.state = LatentState(seed=0)
        self.directions: Directions | None = None
        self.history = History(self._apply)
        self.keyframes = LatentList("keyframes", KEYFRAMES_FILE, "Key", per_segment_easing=True,
                                    on_change=lambda error: self._list_changed("keyframes", error))
        self.favourites = LatentList("favourites", FAVOURITES_FILE, "Fav",
                                     on_change=lambda error: self._list_changed("favourites", error))
        self.animation = AnimationSettings()               # Animate's choices that belong to the model
        self._upscaler: tuple | None = None                # (model, Upscaler | None), loaded when first asked
        self.upscale = 1                                   # the canvas's size, × the model's (saved with the position)
        self.home: Path | None = None                      # the window's project (its model opens in Explore)
        self.folder: Path | None = None                    # the model's own folder (model_home)
        self.render_lock = threading.Lock()                # held while the generator runs
        self._position_saved_at = 0.0
        self._position_dirty = False

    def subscribe(self, handler, *types):
        return self.hub.subscribe(handler, *types)

    def _list_changed(self, name: str, error: str) -> None:
        if error:
            self.hub.emit(Notice(error, "warning"))
        self.hub.emit(ListChanged(name))

    # ------------------------------------------------------------------ project
    @property
    def project(self) -> Path | None:
        """Where keyframes, favourites, directions and the position are kept: the model's own folder."""
        return self.folder

    def set_home(self, path: Path | None) -> None:
        """The window's project changed: nothing the artist made moves with it (it belongs to the model)."""
        self.home = Path(path) if path else None

    def home_model(self) -> Path | None:
        """The model the window's project opens with (None before its first checkpoint)."""
        return RunFolder(self.home).model_file() if self.home else None

    def _load_lists(self) -> None:
        z_dim = self.model.z_dim if self.model is not None else None
        self.keyframes.load(self.project, z_dim)
        self.favourites.load(self.project, z_dim)

    # ------------------------------------------------------------------ the model
    @staticmethod
    def load(path: Path | str, prefs: Preferences | None = None):
        """Load a model for exploring (slow: call on a worker). Raises CheckpointError with a sentence."""
        return load_model(path, None, prefs)

    def set_model(self, model) -> None:
        self.save_position()                               # the previous model's, before it goes
        self.model, self.directions = model, None
        self.folder = model_home(model.path, model.identity) if model is not None else None
        self.history.clear()
        self._load_lists()
        self._upscaler = None
        saved, factor = self._saved_position()
        self.upscale = factor if factor in self.upscale_choices() else 1
        error = self.animation.load(self.folder)
        if error:
            self.hub.emit(Notice(error, "warning"))
        self.hub.emit(ModelChanged(model))
        self.hub.emit(DirectionsChanged(None))
        self.hub.emit(UpscaleChanged(self.upscale, self.upscale_choices()))
        self._apply(saved if saved is not None else self.state, remember=False)

    def upscaler(self):
        """The model's upscaler (session.upscaling), or None when it has none or its file is damaged (said once,
        as a Notice). Loaded on first use: a small file, read in milliseconds."""
        from .upscaling import UpscalerError, upscaler_for
        model = self.model
        if model is None:
            return None
        if self._upscaler is None or self._upscaler[0] is not model:
            try:
                up = upscaler_for(model, model.device)
            except UpscalerError as e:
                self.hub.emit(Notice(str(e), "warning"))
                up = None
            self._upscaler = (model, up)
        return self._upscaler[1]

    # ------------------------------------------------------------------ the canvas's size (kept with the position)
    def upscale_choices(self) -> list[int]:
        """The sizes the canvas can show, × the model's: [1] without a model or an upscaler, [1, 2] or [1, 2, 4]."""
        from .upscaling import factor_choices
        return factor_choices(self.upscaler())

    def set_upscale(self, factor: int) -> bool:
        """Show the canvas at `factor` × the model's size through its upscaler; kept with the model at once."""
        from .upscaling import missing_factor
        if factor not in self.upscale_choices():
            why = missing_factor(factor, self.upscaler())
            raise ExplorerError(f"{why[:1].upper()}{why[1:]}.")
        if factor == self.upscale:
            return False
        self.upscale = int(factor)
        self.hub.emit(UpscaleChanged(self.upscale, self.upscale_choices()))
        self._position_dirty = True
        self.save_position()
        self._apply(self.state, remember=False)              # the canvas renders again at the new size
        return True

    def set_animation_upscale(self, factor: int) -> None:
        """Animate's frame size (1, 2 or 4 × the model's), kept with the model."""
        error = self.animation.set_upscale(factor)
        if error:
            self.hub.emit(Notice(error, "warning"))

    # ------------------------------------------------------------------ the position, kept with the model
    def _position_file(self) -> Path | None:
        return self.folder / POSITION_FILE if self.folder is not None else None

    def _saved_position(self) -> tuple[LatentState | None, int]:
        """The saved latent (None: none or unreadable, said) and canvas size (1 unless a size was saved)."""
        path = self._position_file()
        if path is None or not path.is_file():
            return None, 1
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or doc.get("format") != POSITION_FORMAT:
                raise ValueError("it is not a GAN Studio explorer file")
            state = state_from_dict(doc.get("state"), self.model.z_dim)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            self.hub.emit(Notice(f"The explorer's saved position in {path} could not be read ({e}); starting "
                                 "from the current one.", "warning"))
            return None, 1
        factor = doc.get("upscale", 1)
        return state, factor if type(factor) is int else 1

    def save_position(self) -> None:
        """Write the current latent to the model's folder now, if it changed since it was last written."""
        path = self._position_file()
        if path is None or not self._position_dirty:
            return
        self._position_dirty = False
        self._position_saved_at = time.monotonic()
        doc = {"format": POSITION_FORMAT, "version": 1, "model": self.model.identity,
               "state": state_to_dict(self.state), "upscale": self.upscale}
        try:
            atomic_write_text(path, json.dumps(doc))
        except OSError as e:
            self.hub.emit(Notice(f"Could not save the explorer's position in {path.parent}: "
                                 f"{e.strerror or e}", "warning"))

    def close(self) -> None:
        """The window closes: write what is not written yet."""
        self.save_position()

    # ------------------------------------------------------------------ the latent (undoable)
    def edit(self, new: LatentState, text: str, key=None) -> bool:
        """Make `new` the current latent as one undoable step (merged with the previous one of the same key)."""
        if new.same_as(self.state):
            return False
        old = self.state
        self._apply(new)
        self.history.push(text, old, self.state, key)
        return True

    def _apply(self, state: LatentState, remember: bool = True) -> None:
        zd = self.model.z_dim if self.model is not None else None
        if zd and state.base is not None and len(state.base) != zd:
            state = state.replace(base=None)                 # an edit made with another model
        if zd and state.mix_z is not None and len(state.mix_z) != zd:
            state = state.replace(mix_z=None, mix_t=0.0)
        if state.kind_mix is not None and self.model is not None:
            state = state.replace(kind_mix=usable_kind(self.model, state.kind_mix))   # none for a model without kinds
        self.state = state
        self.hub.emit(LatentChanged(state))
        if self.model is not None and remember:
            self._position_dirty = True
            if time.monotonic() - self._position_saved_at >= POSITION_EVERY_S:
                self.save_position()

    def current_z(self) -> torch.Tensor | None:
        if self.model is None:
            return None
        return compose(self.state, self.model.z_dim, self.directions.vectors if self.directions else None)

    # ------------------------------------------------------------------ the kind (a model with kinds)
    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.model.kinds) if self.model is not None else ()

    def set_kind(self, kind, key=None) -> bool:
        """Show `kind`: None ("Any kind": each latent's own), a name or {name: weight} (one undoable step)."""
        if kind is not None:
            try:
                kind_weights(self.kinds, kind)
            except KindError as e:
                raise ExplorerError(f"{str(e)[:1].upper()}{str(e)[1:]}.") from None
        return self.edit(self.state.replace(kind_mix=usable_kind(self.model, kind)), "Kind", key)

    def kind_weights(self):
        """(K,) weights the canvas gives G, or None: each latent's own kind."""
        return kind_array(self.model, self.state.kind_mix)

    def random_seed(self) -> bool:
        return self.edit(self.state.replace(seed=random.randrange(0, 2 ** 31), base=None, label=""), "Random seed")

    def step_seed(self, delta: int) -> bool:
        from studio.core.explore import SEED_MAX
        return self.edit(self.state.replace(seed=max(0, min(SEED_MAX, self.state.seed + delta)), base=None),
                         "Seed")

    def mix(self, source, t: float, key=None) -> bool:
        """Blend toward a seed (int) or keyframe (('key', index)) by t."""
        if isinstance(source, tuple):
            kfs = self.keyframes.items
            kz = kfs[source[1]].z if source[1] < len(kfs) else None
            new = self.state.replace(mix_seed=None, mix_z=kz, mix_t=t)
        else:
            new = self.state.replace(mix_seed=source, mix_z=None, mix_t=t)
        return self.edit(new, "Mix", key)

    def jump_to(self, kf: Keyframe) -> bool:
        if self.model is None or len(kf.z) != self.model.z_dim:
            return False
        return self.edit(LatentState(seed=kf.seed or 0, psi=1.0, base=kf.z.clone(), label=kf.label,
                                     kind_mix=kf.kind_mix),
                         f"Jump to {kf.label}")

    # ------------------------------------------------------------------ directions
    def cached_directions(self) -> Directions | None:
        return directions_for(self.model, self.project, compute=False) if self.model is not None else None

    def compute_directions(self, job=None) -> Directions:
        """GANSpace directions of the current model, cached in its project (slow: on a worker)."""
        model, project = self.model, self.project
        own = load_generator(model.path, "cpu")             # own copy: the canvas keeps rendering meanwhile
        return directions_for(own, project, progress=job.progress if job else None,
                              cancel=job.cancel_event if job else None)

    def set_directions(self, d: Directions | None) -> None:
        self.directions = d
        self.hub.emit(DirectionsChanged(d))
        self._apply(self.state, remember=False)

    def direction_name(self, k: int) -> str:
        d = self.directions
        return d.names[k] if d is not None and k < len(d) else f"Direction {k + 1}"

    def rename_direction(self, k: int, name: str) -> None:
        d = self.directions
        if d is None or not 0 <= k < len(d) or d.names[k] == name:
            return
        d.names[k] = name or f"Direction {k + 1}"
        if self.project is not None:
            save_directions(cache_path(self.project, self.model.identity), d)
        self.hub.emit(DirectionsChanged(d))

    # ------------------------------------------------------------------ keyframes and favourites
    def _keyframe(self) -> Keyframe | None:
        z = self.current_z()
        return None if z is None else Keyframe(z.clone(), self.state.label, int(self.state.seed),
                                               float(self.state.psi), kind_mix=self.state.kind_mix)

    def add_keyframe(self) -> Keyframe | None:
        kf = self._keyframe()
        return self.keyframes.add(kf, self.model.identity) if kf is not None else None

    def add_favourite(self) -> Keyframe | None:
        kf = self._keyframe()
        return self.favourites.add(kf, self.model.identity) if kf is not None else None

    # ------------------------------------------------------------------ exports (blocking: on a worker)
    def _need_model(self) -> None:
        if self.model is None:
            raise ExplorerError("Open a model first.")

    def export_png(self, path: Path, scale: int = 1, z: torch.Tensor | None = None,
                   state: LatentState | None = None) -> Path:
        """The current latent (or `state` composed as `z`) as a PNG that remembers it (drop it back on the window
        to return to it), `scale` × the model's size: through the model's upscaler where it has that factor
        (upscale_choices), else by Lanczos (the metadata says which)."""
        self._need_model()
        if scale not in (1, 2, 4):
            raise ExplorerError(f"Pictures are exported at 1, 2 or 4 times the model's size, not {scale}.")
        model, up, choices = self.model, self.upscaler(), self.upscale_choices()
        z, st = (z, state) if z is not None and state is not None else (self.current_z(), self.state)
        names = self.directions.names if self.directions else None
        path = path if path.suffix.lower() == ".png" else path.with_suffix(".png")
        by_upscaler = scale > 1 and scale in choices
        weights = kind_array(model, st.kind_mix)
        with self.render_lock:
            img = model.render(z[None], kind=weights)
            if by_upscaler:
                img = up.upscale(img, scale)
        meta = state_to_meta(st, model, z, names)
        if weights is not None:
            meta["kind"] = kind_dict(model.kinds, weights)
        if scale > 1:
            meta["upscale"] = upscale_record(scale, (model.spec.resolution,) * 2, None if by_upscaler else "lanczos")
        return save_png(path, img[0], meta, 1 if by_upscaler else scale)

    def sheet_latents(self, n: int) -> tuple[torch.Tensor, dict]:
        """The latents of a contact sheet: n seeds from the current one (with ψ and directions), or the keyframes
        (n = 0)."""
        self._need_model()
        model, st = self.model, self.state
        if n == 0:
            kfs = self.keyframes.items
            if not kfs:
                raise ExplorerError("There are no keyframes to put on a sheet yet (press K to add one).")
            return torch.stack([k.z for k in kfs]), {"sheet": "keyframes", "labels": [k.label for k in kfs]}
        seeds = [st.seed + i for i in range(n)]
        dirs = self.directions.vectors if self.directions else None
        return batch_latents([st.replace(seed=s, base=None) for s in seeds], model.z_dim, dirs), \
            {"sheet": "seeds", "seeds": seeds}

    def export_sheet(self, path: Path, zs: torch.Tensor, info: dict) -> Path:
        model = self.model
        meta = {"model": {"identity": model.identity, "name": model.path.name, "z_dim": model.z_dim},
                "psi": float(self.state.psi), **info}
        kinds = latent_kinds(model, self.keyframes.items) if info.get("sheet") == "keyframes" else self.kind_weights()
        if info.get("sheet") != "keyframes" and kinds is not None:
            meta["kind"] = kind_dict(model.kinds, kinds)
        with self.render_lock:
            sheet = contact_sheet(model, zs, kind=kinds)
        return save_png(path, sheet, meta)

    # ------------------------------------------------------------------ back from a PNG
    @staticmethod
    def read_png(path: Path):
        """The GAN Studio metadata of an exported PNG (raises PngMetaError with a sentence)."""
        return read_png_meta(path)

    def needs_other_model(self, meta) -> bool:
        return self.model is None or bool(meta.identity and meta.identity != self.model.identity)

    def model_search_folders(self, near: Path | None, recent: list[Path]) -> list[Path]:
        return [f for f in (self.project, self.home, self.model.path.parent if self.model else None, near, *recent)
                if f]

    @staticmethod
    def find_model(identity: str, folders: list[Path], job=None) -> Path | None:
        """The model file with this identity (a hash of the file: slow, on a worker): the bundled demo model,
        then each folder's best model and checkpoints (best models first)."""
        demo = demo_model_path()
        cands = [demo] if demo else []
        for folder in (Path(f) for f in folders):
            cands += [folder / BEST_NAME] + [p for _, p in list_checkpoints(folder / "checkpoints")] \
                + [p for _, p in list_checkpoints(folder)]
        cands.sort(key=lambda p: p.name != BEST_NAME and p != demo)   # stable: the order is kept
        seen = set()
        for p in cands:
            if job is not None:
                job.check()
            if p in seen:
                continue
            seen.add(p)
            try:
                if p.is_file() and file_identity(p) == identity:
                    return p
            except OSError:
                continue
        return None

    def restore(self, meta, name: str) -> None:
        """Make the PNG's latent the current one (one undoable step)."""
        self._need_model()
        if meta.z_dim != self.model.z_dim:
            raise ExplorerError(f"{name} has a {meta.z_dim}-value latent but this model takes {self.model.z_dim}.")
        dirs = self.directions.vectors if self.directions else None
        try:
            kind = usable_kind(self.model, kind_of(meta))                   # its kind, when the model has it
        except PngMetaError as e:
            raise ExplorerError(f"{name}: {e}.") from None
        if meta.upscale > 1 and meta.upscale in self.upscale_choices():   # its size, when the model can show it
            self.set_upscale(meta.upscale)
        self.edit(state_from_meta(meta, self.model.z_dim, dirs).replace(kind_mix=kind), f"Restore {name}")

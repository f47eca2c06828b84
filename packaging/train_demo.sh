#!/bin/sh
# How studio/resources/models/demo.safetensors was made (the exact commands; see studio/resources/models/README.md).
#
# Training data: the colour emoji of Noto Color Emoji (SIL Open Font License 1.1), from Debian's
# fonts-noto-color-emoji package. It is needed only here, at training time; the app never reads it.
#   apt-get update && apt-get install -y fonts-noto-color-emoji
#
# Two stages, both plain `ganstudio train` with the default recipe (projected, 64 px, width 16, batch 16):
#   1. every single-codepoint emoji of the font (1,371 pictures) for EMOJI_KIMG thousand images;
#   2. the 131 face emoji (smileys, cat and animal faces) for FACES_KIMG thousand images, started from stage 1
#      with --init-from: the faces are what the demo shows, the whole set taught it shapes and colours first.
#
# Then the demo's upscaler (issue 27): ×2, learnt from all 1,371 emoji at the size they are rendered (128 px);
# the font's bitmaps are 109 px, so the pictures hold no more than ×2 of the 64 px model (no ×4, as for any folder
# whose pictures are too small).
#
# Then its encoder (issue 29): picture → latent, learnt from the shipped model's own pictures and the 131 faces at
# 64 px, so Find Image and Restore on the demo take a second.
#
# Usage: packaging/train_demo.sh [WORK_DIR] [EMOJI_KIMG] [FACES_KIMG] [UPSCALER_STEPS] [ENCODER_STEPS]
#        (from the repository root). A stage whose run folder exists is not trained again; EMOJI_KIMG=0
#        FACES_KIMG=0 only exports; UPSCALER_STEPS=0 keeps the shipped upscaler, ENCODER_STEPS=0 the encoder.
set -eu
WORK=${1:-/tmp/demo_train}
EMOJI_KIMG=${2:-120}
FACES_KIMG=${3:-150}
UPSCALER_STEPS=${4:-4000}
ENCODER_STEPS=${5:-1200}
PY=${PY:-.venv/bin/python}
FONT=${FONT:-/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf}
mkdir -p "$WORK/emoji" "$WORK/faces"

# 1. Render the emoji at the one size the bitmap font has (109), centred on white, as 128x128 PNGs: every
#    single-codepoint pictograph (no flags, skin-tone swatches or keycaps) into emoji/, the faces into faces/.
"$PY" - "$FONT" "$WORK" <<'PYEOF'
import struct, sys
from pathlib import Path
from PIL import Image, ImageDraw, ImageFont

font_path, work = sys.argv[1], Path(sys.argv[2])
data = Path(font_path).read_bytes()
count = struct.unpack(">H", data[4:6])[0]
tables = {data[12 + 16 * i:16 + 16 * i].decode("latin-1"): struct.unpack(">II", data[20 + 16 * i:28 + 16 * i])
          for i in range(count)}
cmap, _ = tables["cmap"]
codepoints = set()
for i in range(struct.unpack(">H", data[cmap + 2:cmap + 4])[0]):
    _, _, sub = struct.unpack(">HHI", data[cmap + 4 + 8 * i:cmap + 12 + 8 * i])
    s = cmap + sub
    if struct.unpack(">H", data[s:s + 2])[0] == 12:           # format 12: sequential map groups
        for g in range(struct.unpack(">I", data[s + 12:s + 16])[0]):
            a, b, _ = struct.unpack(">III", data[s + 16 + 12 * g:s + 28 + 12 * g])
            codepoints.update(range(a, b + 1))
every = sorted(c for c in codepoints if (0x2190 <= c <= 0x2BFF or 0x1F000 <= c <= 0x1FAFF)
               and not 0x1F1E6 <= c <= 0x1F1FF and not 0x1F3FB <= c <= 0x1F3FF)
FACES = [(0x1F600, 0x1F637), (0x1F641, 0x1F644), (0x1F910, 0x1F915), (0x1F917, 0x1F917), (0x1F920, 0x1F925),
         (0x1F927, 0x1F92F), (0x1F970, 0x1F976), (0x1F978, 0x1F97A), (0x1F9D0, 0x1F9D0), (0x1FAE0, 0x1FAE4),
         (0x1FAE8, 0x1FAE8), (0x263A, 0x263A), (0x2639, 0x2639), (0x1F638, 0x1F640),          # smileys, cats
         (0x1F42D, 0x1F431), (0x1F432, 0x1F432), (0x1F434, 0x1F43D), (0x1F981, 0x1F981),       # animal faces
         (0x1F984, 0x1F984), (0x1F98A, 0x1F98A), (0x1F99D, 0x1F99D), (0x1F428, 0x1F428)]
faces = sorted({c for a, b in FACES for c in range(a, b + 1)} & codepoints)
font = ImageFont.truetype(font_path, 109)

def render(cps, out):
    n = 0
    for c in cps:
        im = Image.new("RGBA", (160, 140), (0, 0, 0, 0))
        ImageDraw.Draw(im).text((4, 4), chr(c), font=font, embedded_color=True)
        box = im.getbbox()
        if not box:
            continue
        glyph = im.crop(box)
        side = max(glyph.size) + 8
        sq = Image.new("RGB", (side, side), (255, 255, 255))
        sq.paste(glyph, ((side - glyph.width) // 2, (side - glyph.height) // 2), glyph)
        sq.resize((128, 128), Image.Resampling.LANCZOS).save(out / f"u{c:05x}.png")
        n += 1
    print(f"rendered {n} emoji to {out}")

render(every, work / "emoji")
render(faces, work / "faces")
PYEOF

# 2. Train: the default recipe on the CPU, a fixed number of images (so the result does not depend on how busy
#    the machine is), seed 7, quality measured as in any run (best.safetensors is the best KID in Lite1).
#    --lr 2e-4: the shipped model was trained before projected's default became 3e-4.
if [ "$EMOJI_KIMG" != 0 ] && [ ! -f "$WORK/run-emoji/config.json" ]; then
  "$PY" -m studio.cli train "$WORK/emoji" --out "$WORK/run-emoji" --device cpu --seed 7 --kimg "$EMOJI_KIMG" \
    --lr 2e-4
fi
if [ "$FACES_KIMG" != 0 ] && [ ! -f "$WORK/run-faces/config.json" ]; then
  "$PY" -m studio.cli train "$WORK/faces" --out "$WORK/run-faces" --device cpu --seed 7 --kimg "$FACES_KIMG" \
    --lr 2e-4 --init-from "$WORK/run-emoji"
fi

# 3. Export the faces run's best model (G_ema, fp16) and the sample sheet (studio/resources/models/).
if [ -f "$WORK/run-faces/config.json" ]; then
"$PY" - "$WORK/run-faces" <<'PYEOF'
import sys
from studio.core.checkpoint import load_generator, save_generator
m = load_generator(sys.argv[1], "cpu", frozen=False)   # a run folder opens with its best.safetensors
meta = {"demo": {"name": "Emoji faces (projected, 64 px)", "data": "Noto Color Emoji faces (SIL OFL 1.1)",
                 "source": m.path.name, "quality": m.meta.get("quality"), "step": m.meta.get("step"),
                 "kimg": m.meta.get("kimg")}}
save_generator("studio/resources/models/demo.safetensors", m.G, m.spec, meta, half=True)
print(f"wrote studio/resources/models/demo.safetensors from {m.path}")
PYEOF
rm -rf "$WORK/sheet"
"$PY" -m studio.cli generate demo --count 64 --seed 0 --out "$WORK/sheet"
"$PY" - "$WORK/sheet" <<'PYEOF'
import sys
from pathlib import Path
import numpy as np
from PIL import Image
from studio.core.latent import make_grid
imgs = np.stack([np.asarray(Image.open(p).convert("RGB")) for p in sorted(Path(sys.argv[1]).glob("seed*.png"))])
Image.fromarray(make_grid(imgs, 8, 8, pad=2, fill=255)).save("studio/resources/models/demo-samples.png")
print("wrote studio/resources/models/demo-samples.png")
PYEOF
fi

# 4. The demo's ×2 upscaler: the upscaler stage's own training (studio/core/upscaler) on every emoji at 128 px,
#    a fixed number of steps and seed, written beside the model as demo.upscaler.safetensors.
if [ "$UPSCALER_STEPS" != 0 ]; then
"$PY" - "$WORK/emoji" "$UPSCALER_STEPS" <<'PYEOF'
import sys
from pathlib import Path
import torch
from studio.core.dataset import iter_files
from studio.core.upscaler import UpscalerSettings, UpscalerTraining, load_targets
torch.set_num_threads(2)
files = sorted(iter_files(Path(sys.argv[1])))
targets = load_targets(files, 128)
s = UpscalerSettings(factor=2, minutes=0, steps=int(sys.argv[2]), seed=7)
meta = {"model_resolution": 64, "model_channels": 3, "training_images": len(targets),
        "data": "Noto Color Emoji (SIL OFL 1.1), 1,371 emoji at 128 px"}
out = Path("studio/resources/models/demo.upscaler.safetensors")
res = UpscalerTraining(targets, s, out, None, meta).run()
print(f"wrote {out}: x2, {res.steps} steps, {res.images_seen} crops, best validation L1 {res.best:.4f}")
PYEOF
fi

# 5. The demo's encoder: the encoder stage's own training (studio/core/encoder) for the shipped model, with the
#    131 faces at the model's 64 px as the real pictures, a fixed number of steps and seed, stored in fp16 beside
#    the model as demo.encoder.safetensors.
if [ "$ENCODER_STEPS" != 0 ]; then
"$PY" - "$WORK/faces" "$ENCODER_STEPS" <<'PYEOF'
import sys
from pathlib import Path
import torch
from studio.core.checkpoint import load_generator
from studio.core.dataset import iter_files
from studio.core.encoder import EncoderSettings, EncoderTraining, load_encoder, save_encoder
from studio.core.upscaler import load_targets
torch.set_num_threads(2)
model = load_generator("studio/resources/models/demo.safetensors", "cpu")
real = load_targets(sorted(iter_files(Path(sys.argv[1]))), 64)
s = EncoderSettings(minutes=0, steps=int(sys.argv[2]), seed=7)
out = Path("studio/resources/models/demo.encoder.safetensors")
meta = {"model_file": "demo.safetensors", "training_images": len(real),
        "data": "the demo model's own pictures and the Noto Color Emoji faces (SIL OFL 1.1) at 64 px"}
res = EncoderTraining(model, real, s, out, None, meta).run()
enc = load_encoder(out)
save_encoder(out, enc.net, enc.meta, half=True)              # fp16 on disk: half the size, the same guesses
print(f"wrote {out}: {res.steps} steps, {res.images_seen} pictures, the model's own found {res.best:.4f} off")
PYEOF
fi

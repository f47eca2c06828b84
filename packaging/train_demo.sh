#!/bin/sh
# How studio/resources/models/demo.safetensors was made (the exact commands; see studio/resources/models/README.md).
#
# Training data: the colour emoji of Noto Color Emoji (SIL Open Font License 1.1), from Debian's
# fonts-noto-color-emoji package. It is needed only here, at training time; the app never reads it.
#   apt-get update && apt-get install -y fonts-noto-color-emoji
#
# Usage: packaging/train_demo.sh [WORK_DIR] [MINUTES]     (run from the repository root)
#        MINUTES 0 = only export the existing run in WORK_DIR; on an existing run, MINUTES more are trained.
set -eu
WORK=${1:-/tmp/demo_train}
MINUTES=${2:-32}
PY=${PY:-.venv/bin/python}
FONT=${FONT:-/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf}
mkdir -p "$WORK/emoji"

# 1. Render every single-codepoint pictograph of the font (no flags, skin-tone swatches or keycaps)
#    at the one size the bitmap font has (109), centred on white, as 128x128 PNGs.
"$PY" - "$FONT" "$WORK/emoji" <<'PYEOF'
import struct, sys
from pathlib import Path
from PIL import Image, ImageDraw, ImageFont

font_path, out = sys.argv[1], Path(sys.argv[2])
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
keep = sorted(c for c in codepoints if (0x2190 <= c <= 0x2BFF or 0x1F000 <= c <= 0x1FAFF)
              and not 0x1F1E6 <= c <= 0x1F1FF and not 0x1F3FB <= c <= 0x1F3FF)
font = ImageFont.truetype(font_path, 109)
n = 0
for c in keep:
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
PYEOF

# 2. Train on the CPU: dcgan, 64 px, width 24, batch 16, mirrored, DiffAugment on. One thread: the
#    2 cores were shared with other jobs, and OpenMP threads waiting on each other made 2 threads 10x slower.
#    --no-quality: the demo was trained before train measured quality by default (same steps as then);
#    --precision fp32: and before auto meant bf16 on CPUs that have it (same maths as then).
if [ "$MINUTES" = 0 ]; then
  echo "exporting $WORK/run without training"
elif [ ! -f "$WORK/run/config.json" ]; then
  OMP_NUM_THREADS=1 nice -n 5 "$PY" -m studio.cli train "$WORK/emoji" --out "$WORK/run" --arch dcgan --resolution 64 \
    --width 24 --batch 16 --mirror --device cpu --seed 7 --no-quality --precision fp32 --minutes "$MINUTES"
else   # continue a stopped run
  OMP_NUM_THREADS=1 nice -n 5 "$PY" -m studio.cli resume "$WORK/run" --no-quality --minutes "$MINUTES"
fi

# 3. Export G_ema in fp16 and the sample sheet (studio/resources/models/).
"$PY" - "$WORK/run" <<'PYEOF'
import sys
from studio.core.checkpoint import load_generator, save_generator
m = load_generator(sys.argv[1], "cpu")
# values are JSON objects: read_file() JSON-decodes every metadata value except format/version/kind
meta = {"demo": {"name": "Emoji demo (dcgan 64 px)", "data": "Noto Color Emoji (SIL OFL 1.1)",
                 "config": m.meta.get("config"), "state": m.meta.get("state")}}
save_generator("studio/resources/models/demo.safetensors", m.G, m.spec, meta, half=True)
print("wrote studio/resources/models/demo.safetensors")
PYEOF
"$PY" -m studio.cli generate studio/resources/models/demo.safetensors --count 64 --seed 0 --out "$WORK/sheet"
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

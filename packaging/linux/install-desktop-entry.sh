#!/bin/sh
# Adds GAN Studio to the desktop's application menu for this user (no root needed), pointing at this folder.
#   ./install-desktop-entry.sh            # run inside the unpacked app folder (next to ./ganstudio)
#   ./install-desktop-entry.sh --remove   # take the menu entry and icon away again
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
APPS="$DATA/applications"
ICONS="$DATA/icons/hicolor/512x512/apps"
if [ "${1:-}" = "--remove" ]; then
  rm -f "$APPS/ganstudio.desktop" "$ICONS/ganstudio.png"
  echo "removed the GAN Studio menu entry"
  exit 0
fi
if [ ! -x "$HERE/ganstudio" ]; then
  echo "error: $HERE/ganstudio is missing: run this script from the unpacked GAN Studio folder" >&2
  exit 2
fi
mkdir -p "$APPS" "$ICONS"
cp "$HERE/ganstudio.png" "$ICONS/ganstudio.png"
# Exec and TryExec name this folder's launcher (quoted: the folder may contain spaces).
sed -e "s|^Exec=ganstudio\$|Exec=\"$HERE/ganstudio\"|" -e "s|^TryExec=ganstudio\$|TryExec=$HERE/ganstudio|" \
  "$HERE/ganstudio.desktop" > "$APPS/ganstudio.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$APPS" >/dev/null 2>&1 || true
echo "added GAN Studio to the application menu ($APPS/ganstudio.desktop)"

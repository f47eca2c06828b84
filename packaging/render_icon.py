"""Render the app icon (studio/resources/icons/ganstudio.svg) to the PNG that packages use.

    .venv/bin/python packaging/render_icon.py        # writes studio/resources/icons/ganstudio.png (512 px)

The PNG is committed: the .desktop entry and the frozen app's icon use it, and PyInstaller turns it into
the Windows .ico and the macOS .icns itself (with Pillow). Rerun this after editing the SVG.
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

from studio import resources  # noqa: E402


def main(size: int = 512) -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - fonts and painting need it
    renderer = QSvgRenderer(str(resources.path("icons", "ganstudio.svg")))
    if not renderer.isValid():
        print("error: studio/resources/icons/ganstudio.svg is not a valid SVG", file=sys.stderr)
        return 1
    img = QImage(size, size, QImage.Format_ARGB32_Premultiplied)
    img.fill(Qt.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    renderer.render(p)
    p.end()
    out = resources.path("icons", "ganstudio.png")
    img.save(str(out))
    print(f"wrote {out} ({size}x{size})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

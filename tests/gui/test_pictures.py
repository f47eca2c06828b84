"""The artist's own pictures in Explore: drop one to find it in the model (progress, preview, A/B, one undo step),
File ▸ Find Image in Model… and the Restore tool with its brush, as a person uses them in the window."""
import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.core.checkpoint import load_generator, save_generator
from studio.core.latent import seed_to_z
from studio.core.models import ModelSpec, build_generator
from studio.core.pngmeta import save_png


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    torch.manual_seed(0)
    spec = ModelSpec("dcgan", 32, 3, 32, 8)
    path = tmp_path_factory.mktemp("pic") / "g.safetensors"
    save_generator(path, build_generator(spec), spec)
    return path


@pytest.fixture
def window(make_main_window, qtbot, model_path):
    w = make_main_window()
    ws = w.workspace("explore")
    ws.auto_directions = False
    with qtbot.waitSignal(ws.frame_shown, timeout=20000):
        w.open_model(model_path)
    return w, ws


def _drop(widget, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    ev = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    widget.dropEvent(ev)


def test_drop_an_outside_picture_find_it_compare_and_undo(window, qtbot, tmp_path, shot):
    w, ws = window
    model = load_generator(ws.model.path)
    target = model.render(seed_to_z(77, model.z_dim)[None])[0]          # a picture the model can make
    Image.fromarray(np.kron(target, np.ones((4, 4, 1), np.uint8))).save(tmp_path / "mine.jpg", quality=95)
    before = ws.doc.state
    previews = []
    ws.pictures.find_bar.found.updates = 0
    with qtbot.waitSignal(ws.pictures.found, timeout=120_000) as found:
        _drop(ws, tmp_path / "mine.jpg")
        assert ws.pictures.find_bar.isVisible() and ws.pictures.find_bar.btn_cancel.isVisible()
        assert ws.pictures.find_bar.found._placeholder == "Looking for it…"     # not an empty box before step one
        qtbot.waitUntil(lambda: ws.pictures.find_bar.progress.value() > 0, timeout=60_000)
        previews.append(ws.pictures.find_bar.progress.value())
    res = found.args[0]
    assert ws.pictures.find_bar.found.updates >= 2                        # the reconstruction grew on screen
    # the found latent is now the explorer's state: one undoable step, labelled with the picture
    st = ws.doc.state
    assert st.base is not None and torch.equal(st.base, res.z) and "mine.jpg" in st.label
    assert res.pixel_error < 0.1
    # the seed box does not claim seed 0 for a latent that came from no seed
    assert ws.controls.seed.text() == "—" and "mine.jpg" in ws.controls.seed.toolTip()
    assert ws.pictures.find_bar.title.text().startswith("Found mine.jpg")
    qtbot.waitUntil(lambda: ws.settled, timeout=10_000)
    shot(w, "explore-found-picture")
    # A/B: B shows the artist's picture (fitted to the model), B again the model's
    ws.canvas.setFocus()
    QTest.keyClick(ws.canvas, Qt.Key_B)
    assert ws.canvas.showing_before and ws.canvas.before.width() == 32
    assert ws.canvas.before_label == "Your picture"                      # issue 26: it said "BEFORE"
    shot(ws.canvas, "explore-found-your-picture")
    QTest.keyClick(ws.canvas, Qt.Key_B)
    assert not ws.canvas.showing_before
    # keyframes work from it (K in the real window), and Ctrl+Z takes the search back
    QTest.keyClick(ws.canvas, Qt.Key_K)
    assert len(ws.doc.keyframes.items) == 1
    assert torch.allclose(ws.doc.keyframes.items[0].z, res.z)
    QTest.keyClick(ws.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert ws.doc.state.same_as(before)
    # the bar no longer says the found latent is the current one; the seed box shows the seed again; Redo returns
    bar = ws.pictures.find_bar
    assert bar.title.text().startswith("Left mine.jpg") and "Redo" in bar.detail.text()
    assert ws.controls.seed.text() == str(before.seed)
    ws.doc.history.redo()
    assert torch.equal(ws.doc.state.base, res.z) and bar.title.text().startswith("Found mine.jpg")
    # typing a seed leaves the found latent
    ws.controls.seed.setValue(3)
    assert ws.doc.state.base is None and ws.doc.state.seed == 3


def test_a_poor_match_says_it_is_poor_and_what_helps(window, qtbot, tmp_path):
    """Issue 26: a picture the model cannot make was announced as "Found … in the model" with no warning."""
    from studio.session.image_search import judge_match
    w, ws = window
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(tmp_path / "static.png")
    messages = []
    ws.notice.connect(lambda text, level: messages.append((text, level)))
    with qtbot.waitSignal(ws.pictures.found, timeout=120_000) as found:
        _drop(ws, tmp_path / "static.png")
    res = found.args[0]
    bar = ws.pictures.find_bar
    assert judge_match("static.png", res.distance, res.pixel_error).level == "poor"
    assert bar.title.text() == "Only a poor match for static.png" and bar.warned
    assert "poor match" in bar.detail.text() and "trained on pictures like this one" in bar.detail.text()
    assert f"{res.pixel_error:.1%}" in bar.detail.text()
    assert messages[-1][1] == "warning" and "poor match" in messages[-1][0]
    # B still compares: the chip names the artist's picture
    ws.canvas.setFocus()
    QTest.keyClick(ws.canvas, Qt.Key_B)
    assert ws.canvas.showing_before and ws.canvas.before_label == "Your picture"


def test_the_seed_box_fits_the_longest_seed(window):
    w, ws = window
    box = ws.controls.seed
    box.setValue(2 ** 31 - 1)
    w.show()
    QApplication.processEvents()
    assert box.lineEdit().width() >= box.fontMetrics().horizontalAdvance("2147483647")


def test_a_gan_studio_png_still_jumps_to_its_latent_at_once(window, qtbot, tmp_path):
    w, ws = window
    z = seed_to_z(5, ws.model.z_dim)
    from studio.core.explore import LatentState, state_to_meta
    img = ws.model.render(z[None])[0]
    save_png(tmp_path / "made.png", img, state_to_meta(LatentState(seed=5), ws.model, z))
    with qtbot.waitSignal(ws.restored, timeout=10_000):
        _drop(ws, tmp_path / "made.png")
    assert not ws.pictures.find_bar.isVisible() and ws.pictures.worker is None
    assert ws.doc.state.seed == 5


def test_cancel_changes_nothing(window, qtbot, tmp_path):
    w, ws = window
    Image.fromarray(np.full((40, 40, 3), 200, np.uint8)).save(tmp_path / "grey.png")
    before = ws.doc.state
    ws.find_image(tmp_path / "grey.png")
    qtbot.waitUntil(lambda: ws.pictures.find_bar.progress.value() > 0, timeout=60_000)
    with qtbot.waitSignal(ws.pictures.finished, timeout=20_000):
        qtbot.mouseClick(ws.pictures.find_bar.btn_cancel, Qt.LeftButton)
    assert ws.doc.state is before and not ws.doc.history.can_undo
    assert "cancelled" in ws.pictures.find_bar.title.text()


def test_bad_pictures_get_a_sentence(window, qtbot, tmp_path):
    w, ws = window
    (tmp_path / "notes.png").write_text("not an image")
    messages = []
    ws.notice.connect(lambda text, level: messages.append(text))
    assert ws.find_image(tmp_path / "notes.png") is None
    assert messages and "notes.png" in messages[-1] and "cannot be used" in messages[-1]
    assert not ws.pictures.find_bar.isVisible()


def test_restore_tool_paints_a_mask_restores_and_exports(window, qtbot, tmp_path, shot):
    w, ws = window
    img = ws.model.render(seed_to_z(9, ws.model.z_dim)[None])[0].copy()
    img[10:20, 10:20] = 0                                                # a hole
    Image.fromarray(img).save(tmp_path / "damaged.png")
    assert ws.pictures.start_restore(tmp_path / "damaged.png")
    bar = ws.pictures.restore_bar
    assert bar.isVisible() and ws.canvas.brush is not None
    # Restore with nothing painted: a sentence, no work
    assert ws.pictures.run_restore() is None and "Paint" in bar.detail.text()
    # paint over the hole with the mouse on the canvas
    r = ws.canvas.target_rect()
    scale = r.width() / 32

    def at(x, y):
        return QPoint(int(r.left() + x * scale), int(r.top() + y * scale))
    QTest.keyClick(ws.canvas, Qt.Key_BracketRight)                       # a bigger brush
    QTest.mousePress(ws.canvas, Qt.LeftButton, Qt.NoModifier, at(12, 12))
    for x, y in ((17, 12), (17, 17), (12, 17), (15, 15)):
        QTest.mouseMove(ws.canvas, at(x, y))
    QTest.mouseRelease(ws.canvas, Qt.LeftButton, Qt.NoModifier, at(15, 15))
    mask = ws.pictures.brush.to_array()
    assert mask[12:18, 12:18].all() and not mask[0:5, 0:5].any()
    shot(w, "explore-restore-mask")
    with qtbot.waitSignal(ws.pictures.restored, timeout=120_000) as done:
        qtbot.mouseClick(bar.btn_restore, Qt.LeftButton)
    res = done.args[0]
    far = np.ones((32, 32), bool)
    far[5:25, 5:25] = False
    assert np.array_equal(res.image[far], img[far])                      # away from the mask: untouched
    assert np.abs(res.image[mask].astype(int) - img[mask]).mean() > 5   # the hole was repainted
    assert bar.btn_export.isEnabled()
    out = ws.pictures.export(tmp_path / "fixed.png")
    assert out is not None and np.array_equal(np.asarray(Image.open(out)), res.image)
    shot(w, "explore-restored")
    QTest.keyClick(ws.canvas, Qt.Key_Escape)                             # leave the tool: latents again
    assert ws.pictures.mode is None and not bar.isVisible() and ws.canvas.brush is None


def test_file_menu_finds_and_restores_on_the_explore_model(window, qtbot, monkeypatch, tmp_path):
    w, ws = window
    from PySide6.QtWidgets import QFileDialog
    Image.fromarray(np.full((32, 32, 3), 90, np.uint8)).save(tmp_path / "p.png")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(tmp_path / "p.png"), "")))
    w.show_workspace("train")
    w.act_restore.trigger()
    assert w.current_workspace() == "explore" and ws.pictures.mode == "restore"
    ws.pictures.end_restore()
    w.act_find_image.trigger()
    assert ws.pictures.mode == "find" and ws.pictures.worker is not None
    ws.pictures.cancel()
    qtbot.waitUntil(lambda: not ws.pictures.busy, timeout=20_000)


def test_the_window_never_widens_itself_while_restoring(window, qtbot, tmp_path):
    """Issue 26: the window grew 11 px while Restore ran (clipping "Random" and "Reset all" on the right)."""
    w, ws = window
    img = ws.model.render(seed_to_z(9, ws.model.z_dim)[None])[0].copy()
    name = "a-scanned-family-photograph-from-grandmothers-attic-with-scratches-and-a-torn-corner.png"
    Image.fromarray(img).save(tmp_path / name)
    assert ws.pictures.start_restore(tmp_path / name)
    QApplication.processEvents()
    for _ in range(3):                                             # as narrow as the window allows
        w.resize(w.minimumSizeHint().width(), 760)
        qtbot.wait(50)
    width = w.width()

    def right_edge(b):
        return b.mapTo(w, b.rect().topRight()).x()
    edges = right_edge(ws.controls.reset_all), right_edge(ws.controls.random)
    r = ws.canvas.target_rect()
    scale = r.width() / 32
    QTest.mousePress(ws.canvas, Qt.LeftButton, Qt.NoModifier, QPoint(int(r.left() + 12 * scale),
                                                                     int(r.top() + 12 * scale)))
    QTest.mouseRelease(ws.canvas, Qt.LeftButton, Qt.NoModifier, QPoint(int(r.left() + 12 * scale),
                                                                       int(r.top() + 12 * scale)))
    bar = ws.pictures.restore_bar
    widths = []
    ws.pictures.restore_bar.progress.valueChanged.connect(lambda _: widths.append(w.width()))
    with qtbot.waitSignal(ws.pictures.restored, timeout=120_000):
        qtbot.mouseClick(bar.btn_restore, Qt.LeftButton)
        QApplication.processEvents()
        widths.append(w.width())
    QApplication.processEvents()
    widths.append(w.width())
    assert set(widths) == {width}, (width, sorted(set(widths)))
    assert ws.controls.reset_all.isVisible() and ws.controls.random.isVisible()
    assert (right_edge(ws.controls.reset_all), right_edge(ws.controls.random)) == edges   # nothing moved


def test_restore_paints_on_and_gives_back_the_photo_at_its_own_size(window, qtbot, tmp_path, monkeypatch):
    """Issue 27: the brush paints on the 128×96 photo itself, not on a 32 px copy; the result and the export
    are 128×96 with every pixel beyond the feathered seam the photo's."""
    from studio.core.invert import InvertSettings
    from studio.core.restore import blend_weights
    from studio.session import image_search as search
    w, ws = window
    quick = search.restore_steps
    monkeypatch.setattr(search, "restore_steps",                        # a short search: the size is the point
                        lambda doc, pic, mask: quick(doc, pic, mask, InvertSettings(steps=4, restarts=1)))
    photo = np.random.default_rng(6).integers(0, 256, (96, 128, 3), dtype=np.uint8)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    assert ws.pictures.start_restore(tmp_path / "photo.png")
    assert ws.pictures.brush.to_array().shape == (96, 128)
    assert "centre 96 px square" in ws.pictures.restore_bar.detail.text()      # the crop the model sees
    r = ws.canvas.target_rect()
    scale = r.width() / 128
    QTest.mousePress(ws.canvas, Qt.LeftButton, Qt.NoModifier, QPoint(int(r.left() + 60 * scale),
                                                                     int(r.top() + 40 * scale)))
    QTest.mouseRelease(ws.canvas, Qt.LeftButton, Qt.NoModifier, QPoint(int(r.left() + 60 * scale),
                                                                       int(r.top() + 40 * scale)))
    mask = ws.pictures.brush.to_array()
    assert mask[40, 60] and not mask[:, :16].any()
    with qtbot.waitSignal(ws.pictures.restored, timeout=120_000) as done:
        qtbot.mouseClick(ws.pictures.restore_bar.btn_restore, Qt.LeftButton)
    res = done.args[0]
    kept = blend_weights(mask, 96 / 32) == 0                             # the crop's 96 px square / 32
    assert res.image.shape == photo.shape and np.array_equal(res.image[kept], photo[kept])
    assert "128×96" in ws.pictures.restore_bar.title.text()
    out = ws.pictures.export(tmp_path / "fixed.png")
    assert np.array_equal(np.asarray(Image.open(out)), res.image)


def test_find_image_starts_from_the_models_encoder(make_main_window, qtbot, tmp_path, monkeypatch):
    """Issue 29: the demo model ships an encoder. Find Image's first preview is its guess, before any search step;
    a few refining steps follow, and the window says once how the search started."""
    from studio.core.demo_data import demo_model_path
    from studio.session.encoding import encoder_for
    w = make_main_window()
    ws = w.workspace("explore")
    ws.auto_directions = False
    with qtbot.waitSignal(ws.frame_shown, timeout=20000):
        w.open_model(demo_model_path())
    model = load_generator(demo_model_path())
    target = model.render(seed_to_z(1234, model.z_dim)[None])[0]
    Image.fromarray(target).save(tmp_path / "face.png")
    previews, said = [], []
    bar, tools = ws.pictures.find_bar, ws.pictures
    shown = bar.preview
    monkeypatch.setattr(bar, "preview", lambda f, p: (previews.append((f, p)), shown(f, p)))
    say = tools.say
    monkeypatch.setattr(tools, "say", lambda text, level: (said.append(text), say(text, level)))
    for _ in range(2):
        with qtbot.waitSignal(tools.found, timeout=60_000) as found:
            tools.find(tmp_path / "face.png")
    fraction, first = previews[0]
    guess = model.render(encoder_for(model).encoder.encode(target[None]))[0]
    assert fraction == 0.0 and np.abs(first.astype(np.float32) - guess).mean() < 1     # the encoder's guess first
    res = found.args[0]
    assert res.steps < 95 and res.pixel_error < 0.03                # ended early: as close as the model's own
    assert sum("Started from the model's encoder" in t for t in said) == 1              # said once, not per search

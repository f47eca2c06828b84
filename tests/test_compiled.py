"""The torch.compile path of the training step: same numbers as eager (to rounding), and a failed compile
falls back to eager with a notice, from the newest checkpoint, without changing the run's numbers."""
import shutil

import pytest
import torch

from studio.core import compiled
from studio.core.events import Failed, Notice
from studio.core.trainer import Trainer


def _weights(t):
    return {**{f"G.{k}": v for k, v in t.G.state_dict().items()}, **{f"D.{k}": v for k, v in t.D.state_dict().items()},
            **{f"E.{k}": v for k, v in t.G_ema.state_dict().items()}}


def test_compile_failure_falls_back_to_eager_with_a_notice(tmp_path, make_image_folder, tiny_config, monkeypatch):
    data = make_image_folder(16)
    plain = Trainer.create(tmp_path / "plain", tiny_config(data, kimg=0.08), device="cpu")
    plain.run()

    class Broken(torch.nn.Module):                 # compiles "fine", then fails inside the first step
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, *a, **k):
            raise torch._dynamo.exc.TorchDynamoException("InvalidCxxCompiler: no working C++ compiler found")

    monkeypatch.setattr(compiled, "compile_module", Broken)
    notes = []
    t = Trainer.create(tmp_path / "broken", tiny_config(data, kimg=0.08, compile=True), device="cpu",
                       on_event=lambda e: notes.append(e) if isinstance(e, (Notice, Failed)) else None)
    assert t.compiled
    assert t.run() == "done"
    assert not t.compiled and t.step == plain.step
    [note] = notes
    assert note.level == "warning" and "C++ compiler" in note.message and "without compilation" in note.message
    a, b = _weights(plain), _weights(t)
    assert all(torch.equal(a[k], b[k]) for k in a)        # the half step was undone: the same run as eager


def test_other_errors_are_not_taken_for_compile_failures():
    assert not compiled.is_compile_error(RuntimeError("mat1 and mat2 shapes cannot be multiplied"))
    assert not compiled.is_compile_error(torch.cuda.OutOfMemoryError("out of memory"))
    assert compiled.is_compile_error(torch._dynamo.exc.TorchDynamoException("x"))


@pytest.mark.skipif(shutil.which("gcc") is None and shutil.which("cc") is None,
                    reason="TorchInductor's CPU backend needs a C++ compiler")
def test_compiled_step_matches_eager_on_cpu(tmp_path, make_image_folder, tiny_config):
    data = make_image_folder(16)
    runs = {}
    for name, flag in (("eager", False), ("compiled", True)):
        notes = []
        t = Trainer.create(tmp_path / name, tiny_config(data, kimg=0.08, compile=flag), device="cpu",
                           on_event=lambda e: notes.append(e) if isinstance(e, (Notice, Failed)) else None)
        t.run()
        assert t.compiled == flag and not notes             # compiled for real, no fallback
        runs[name] = _weights(t)
    a, b = runs["eager"], runs["compiled"]
    # Adam turns rounding noise in a near-zero gradient into a step of up to lr (2e-4) on that weight, so
    # weights may differ by about lr on a few elements; anything structural would differ far more
    for k in a:
        if a[k].is_floating_point():
            torch.testing.assert_close(b[k], a[k], rtol=1e-3, atol=2 * 2e-4, msg=lambda m, k=k: f"{k}: {m}")
        else:
            assert torch.equal(a[k], b[k])
    diff = torch.cat([(a[k] - b[k]).abs().flatten() for k in a if a[k].is_floating_point()])
    assert diff.median() < 1e-5 and (diff > 1e-4).float().mean() < 1e-3

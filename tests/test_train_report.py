"""What the training loop reports: early sample grids (issue 26)."""
from studio.core.train_report import EARLY_SAMPLES, early_sample_due


def test_early_samples_come_at_200_400_800_1600_images_then_the_normal_cadence():
    shown, last = [], 0
    for nimg in range(0, 4000, 32):                              # a metrics line every 32 images
        if early_sample_due(nimg, last, 2.0):
            shown.append(nimg)
            last = nimg
    assert shown == [224, 416, 800, 1600] and EARLY_SAMPLES == (200, 400, 800, 1600)
    assert not early_sample_due(2200, 0, 2.0)                    # a resumed run past the first grid: none
    assert not any(early_sample_due(n, 0, 0.16) for n in range(0, 1000, 16))   # a faster cadence needs none

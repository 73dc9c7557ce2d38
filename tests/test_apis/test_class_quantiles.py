"""Exact per-class quantiles: P % of each class below its threshold, even with peaked confidences."""
import numpy as np
import pytest

from mmseg_da.apis.class_quantiles import exact_class_thresholds


def peaked_images(seed: int = 0):
    """70 % of the pixels in [0.9999, 1) (one old 1e-4-wide bin), the rest uniform; distinct values."""
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(3):
        labels = rng.integers(0, 3, (40, 50))
        high = 1 - rng.random((40, 50)) * 1e-4
        conf = np.where(rng.random((40, 50)) < 0.7, high, rng.random((40, 50))).astype(np.float32)
        images.append((labels, conf))
    return images


@pytest.mark.parametrize('percentile', [0, 10, 50, 85, 99])
def test_thresholds_are_the_exact_order_statistics(percentile):
    images = peaked_images()
    thresholds = exact_class_thresholds(images, 3, percentile / 100)
    for c in range(3):
        values = np.sort(np.concatenate([conf[labels == c] for labels, conf in images]))
        k = int(np.floor(percentile / 100 * len(values)))
        expected = values[k] if percentile else 0.0
        assert thresholds[c] == expected
        ignored = int((values < thresholds[c]).sum())
        assert ignored == k or (ignored < k and np.sum(values == values[k]) > 1)


def test_median_of_peaked_confidences_ignores_half_not_thirty_percent():
    images = peaked_images(1)
    thresholds = exact_class_thresholds(images, 3, 0.5)
    for c in range(3):
        values = np.concatenate([conf[labels == c] for labels, conf in images])
        assert abs((values < thresholds[c]).mean() - 0.5) < 0.002


def test_a_class_without_pixels_gets_threshold_zero():
    labels = np.zeros((4, 4), dtype=np.uint8)
    conf = np.linspace(0.1, 0.9, 16, dtype=np.float32).reshape(4, 4)
    thresholds = exact_class_thresholds([(labels, conf)], 2, 0.25)
    assert thresholds[1] == 0 and thresholds[0] == conf.ravel()[4]

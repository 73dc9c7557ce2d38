"""Exact per-class quantiles of pixel confidences, in memory bounded by the number of classes.

A float32 in [0, 1] orders like its 32-bit pattern, so the quantile is found in two passes: a
histogram of the upper 16 bits locates the bucket of the wanted rank, and a histogram of the lower
16 bits of the pixels in that bucket gives the exact value. No rounding to bins: with peaked
confidences (most of a class in [0.9999, 1]) the percentile is still exact.
"""
from typing import Iterable, Tuple

import numpy as np

_BUCKETS = 1 << 16


def _bits(conf: np.ndarray) -> np.ndarray:
    conf = np.clip(np.asarray(conf, dtype=np.float32), 0.0, 1.0)
    return conf.view(np.uint32)


class ClassQuantiles:
    """Per-class order statistic ``v[floor(q * n)]`` of confidences (``v`` sorted ascending).

    Ignoring the pixels of class ``c`` whose confidence is below its threshold then ignores exactly
    ``floor(q * n_c)`` of them when no two confidences are equal (fewer when the threshold value repeats).

    Usage: :meth:`add` every image (pass 1), :meth:`refine` every image again (pass 2), :meth:`thresholds`.
    """

    def __init__(self, num_classes: int, quantile: float) -> None:
        if not 0 <= quantile < 1:
            raise ValueError(f'quantile must lie in [0, 1), got {quantile}')
        self.num_classes = num_classes
        self.quantile = quantile
        self.coarse = np.zeros((num_classes, _BUCKETS), dtype=np.int64)
        self.fine = np.zeros((num_classes, _BUCKETS), dtype=np.int64)
        self._bucket = None  # per class: the upper 16 bits of its threshold, after pass 1
        self._rank = None  # per class: the rank of the threshold inside that bucket

    def add(self, labels: np.ndarray, conf: np.ndarray) -> None:
        """Pass 1: count an image's pixels by class and upper 16 bits of their confidence."""
        keys = labels.astype(np.int64).ravel() * _BUCKETS + (_bits(conf).ravel() >> 16)
        self.coarse += np.bincount(keys, minlength=self.num_classes * _BUCKETS).reshape(self.coarse.shape)

    def _locate(self) -> None:
        counts = self.coarse.sum(axis=1)
        ranks = np.floor(self.quantile * counts).astype(np.int64)
        cumulative = np.cumsum(self.coarse, axis=1)
        self._bucket = np.array([np.searchsorted(cumulative[c], ranks[c], side='right')
                                 for c in range(self.num_classes)])
        before = np.array([cumulative[c, b - 1] if b > 0 else 0 for c, b in enumerate(self._bucket)])
        self._rank = ranks - before

    def refine(self, labels: np.ndarray, conf: np.ndarray) -> None:
        """Pass 2: count the lower 16 bits of the pixels that fall in their class's threshold bucket."""
        if self._bucket is None:
            self._locate()
        labels = labels.astype(np.int64).ravel()
        bits = _bits(conf).ravel()
        inside = (bits >> 16) == self._bucket[labels]
        keys = labels[inside] * _BUCKETS + (bits[inside] & 0xFFFF)
        self.fine += np.bincount(keys, minlength=self.num_classes * _BUCKETS).reshape(self.fine.shape)

    def thresholds(self) -> np.ndarray:
        """Per-class thresholds (0 for a class without pixels, or when the quantile is 0)."""
        if self._bucket is None:
            self._locate()
        out = np.zeros(self.num_classes, dtype=np.float32)
        for c in range(self.num_classes):
            if self.coarse[c].sum() == 0 or self.quantile == 0:
                continue
            low = int(np.searchsorted(np.cumsum(self.fine[c]), self._rank[c], side='right'))
            pattern = np.array([(int(self._bucket[c]) << 16) | low], dtype=np.uint32)
            out[c] = pattern.view(np.float32)[0]
        return out


def exact_class_thresholds(images: Iterable[Tuple[np.ndarray, np.ndarray]], num_classes: int,
                           quantile: float) -> np.ndarray:
    """Convenience for in-memory data: ``images`` is a re-iterable of ``(labels, conf)`` pairs."""
    quantiles = ClassQuantiles(num_classes, quantile)
    for labels, conf in images:
        quantiles.add(labels, conf)
    for labels, conf in images:
        quantiles.refine(labels, conf)
    return quantiles.thresholds()

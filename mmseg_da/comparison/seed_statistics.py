"""Statistics over training seeds: mean, sample standard deviation, and Welch's interval of a difference.

Runs of one config with different seeds are independent draws of its result; two configs are compared by
the difference of their means, with Welch's t interval (unequal variances, Welch-Satterthwaite degrees of
freedom: ``scipy.stats.ttest_ind(equal_var=False)``). With 3 seeds per config the interval is wide: a
difference is called beyond noise only where the whole interval lies on one side of 0.

Many differences read at once (every class of one comparison) would each be beyond noise by chance with
probability ``1 - confidence``; :func:`holm_adjusted` gives Holm's step-down adjusted p-values of Welch's
tests, so that marking those below ``1 - confidence`` keeps the chance of any false mark in the family at
most ``1 - confidence`` (Holm 1979; valid under any dependence between the tests).
"""
import math
import warnings
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class SeedSummary:
    """One metric of one config over seeds.

    Attributes:
        values: The metric of each seed.
    """
    values: Tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.values or not all(math.isfinite(v) for v in self.values):
            raise ValueError(f'seed statistics need at least one finite value, got {list(self.values)}')

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def std(self) -> Optional[float]:
        """The sample standard deviation (``ddof=1``); None for a single seed."""
        return float(np.std(self.values, ddof=1)) if self.n > 1 else None


@dataclass(frozen=True)
class Difference:
    """The difference of two configs' means, ``a - b``, with a two-sided confidence interval.

    Attributes:
        delta: ``mean(a) - mean(b)``.
        low: Lower end of the interval; None where it is undefined (fewer than 2 seeds on a side, or no
            spread at all: no noise estimate).
        high: Upper end of the interval, as ``low``.
        dof: Welch-Satterthwaite degrees of freedom (None with the interval).
        confidence: The interval's confidence level.
        p_value: Two-sided p-value of Welch's test of no difference (None with the interval); the interval
            excludes 0 exactly when it is below ``1 - confidence``.
    """
    delta: float
    low: Optional[float]
    high: Optional[float]
    dof: Optional[float]
    confidence: float
    p_value: Optional[float] = None

    @property
    def beyond_noise(self) -> bool:
        """Whether the interval excludes 0 (False where there is no interval)."""
        return self.low is not None and (self.low > 0 or self.high < 0)


def welch_difference(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> Difference:
    """``mean(a) - mean(b)`` with Welch's ``confidence`` interval.

    Args:
        a: The compared config's values, one per seed.
        b: The baseline's values, one per seed.
        confidence: Two-sided confidence level, in (0, 1).

    Returns:
        The difference; its interval is None with fewer than 2 values on a side or zero variance on both.
    """
    if not 0 < confidence < 1:
        raise ValueError(f'confidence must lie in (0, 1), got {confidence}')
    sa, sb = SeedSummary(tuple(a)), SeedSummary(tuple(b))
    delta = sa.mean - sb.mean
    if sa.n < 2 or sb.n < 2:
        return Difference(delta, None, None, None, confidence)
    if sa.std == 0 and sb.std == 0:
        return Difference(delta, None, None, None, confidence)
    with warnings.catch_warnings():  # scipy warns about a side whose seeds agree exactly (variance 0 is right)
        warnings.simplefilter('ignore', RuntimeWarning)
        test = stats.ttest_ind(sa.values, sb.values, equal_var=False)
    interval = test.confidence_interval(confidence)
    return Difference(delta, float(interval.low), float(interval.high), float(test.df), confidence,
                      float(test.pvalue))


def holm_adjusted(p_values: Sequence[Optional[float]]) -> List[Optional[float]]:
    """Holm's step-down adjusted p-values of a family of tests (None, a test not made, stays None).

    With the ``m`` p-values sorted, ``p_(1) <= ... <= p_(m)``, the ``i``-th adjusted value is
    ``max_{j <= i} min(1, (m - j + 1) p_(j))``; rejecting where it is below ``alpha`` keeps the family-wise
    error rate at most ``alpha``.
    """
    made = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: List[Optional[float]] = [None] * len(p_values)
    running = 0.0
    for rank, (p, index) in enumerate(made):
        running = max(running, min(1.0, (len(made) - rank) * p))
        adjusted[index] = running
    return adjusted

"""Average Thresholded Confidence (ATC), with the maximum probability as the confidence.

Garg, Balakrishnan, Lipton, Neyshabur, Sedghi. *Leveraging Unlabeled Data to Predict Out-of-Distribution
Performance*, ICLR 2022. A threshold ``t`` is fitted on the labelled source validation set so that the fraction
of its pixels with confidence above ``t`` equals its pixel accuracy; the predicted target pixel accuracy is the
fraction of target pixels with confidence above ``t``. Higher is better.
"""
import numpy as np


def atc_threshold_bin(source_hist: np.ndarray, source_accuracy: float) -> int:
    """The histogram bin ``b`` such that the source fraction in bins ``>= b`` is closest to the accuracy."""
    above = np.cumsum(source_hist[::-1])[::-1] / max(source_hist.sum(), 1.0)  # fraction in bins >= b
    return int(np.argmin(np.abs(above - source_accuracy)))


def average_thresholded_confidence(source_hist: np.ndarray, source_accuracy: float,
                                   target_hist: np.ndarray) -> float:
    """Predicted target pixel accuracy (a fraction) from the two confidence histograms (same bins)."""
    b = atc_threshold_bin(source_hist, source_accuracy)
    return float(target_hist[b:].sum() / max(target_hist.sum(), 1.0))

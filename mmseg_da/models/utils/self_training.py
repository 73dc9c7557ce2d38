"""Losses shared by the self-training and entropy-minimisation segmentors."""
import math

import torch.nn.functional as F
from torch import Tensor


def weighted_cross_entropy(logits: Tensor, labels: Tensor, weights: Tensor,
                           ignore_index: int = 255) -> Tensor:
    """Per-pixel weighted cross-entropy, averaged over all pixels (ignored ones count as 0), as DACS."""
    loss = F.cross_entropy(logits, labels, ignore_index=ignore_index, reduction='none')
    return (loss * weights).mean()


def normalized_entropy(logits: Tensor) -> Tensor:
    """Mean over pixels of the softmax entropy divided by ``log(C)`` (ADVENT's MinEnt), in [0, 1]."""
    log_p = F.log_softmax(logits, dim=1)
    entropy = -(log_p.exp() * log_p).sum(dim=1)
    return entropy.mean() / math.log(logits.shape[1])

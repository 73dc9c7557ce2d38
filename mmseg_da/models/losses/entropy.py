"""The target-entropy loss of entropy minimisation (ADVENT's MinEnt)."""
import math

import torch.nn.functional as F
from torch import Tensor


def normalized_entropy(logits: Tensor) -> Tensor:
    """Mean over pixels of the softmax entropy divided by ``log(C)`` (ADVENT's MinEnt), in [0, 1]."""
    log_p = F.log_softmax(logits, dim=1)
    entropy = -(log_p.exp() * log_p).sum(dim=1)
    return entropy.mean() / math.log(logits.shape[1])

"""The pseudo-label loss of the self-training segmentors (DACS)."""
import torch.nn.functional as F
from torch import Tensor


def weighted_cross_entropy(logits: Tensor, labels: Tensor, weights: Tensor,
                           ignore_index: int = 255) -> Tensor:
    """Per-pixel weighted cross-entropy, averaged over all pixels (ignored ones count as 0), as DACS."""
    loss = F.cross_entropy(logits, labels, ignore_index=ignore_index, reduction='none')
    return (loss * weights).mean()

"""Small pieces shared by the self-training and entropy-minimisation segmentors."""
import math
from typing import Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads import PIDHead
from mmseg.models.utils import resize
from torch import Tensor, nn


def main_logits(output: Union[Tensor, Sequence[Tensor]], seg_model: nn.Module,
                size: Tuple[int, int]) -> Tensor:
    """The main decode-head logits of ``segmentor(inputs, mode='tensor')``, resized to ``size``.

    A decode head returns one tensor, except PIDNet's ``PIDHead`` in training mode, which returns
    ``(P, I, D)`` logits; its main (deployed) output is the I branch. Any other head returning a
    tuple contributes its first element.
    """
    if isinstance(output, (tuple, list)):
        head = seg_model.decode_head
        output = output[1] if isinstance(head, PIDHead) else output[0]
    return resize(output, size=size, mode='bilinear',
                  align_corners=getattr(seg_model.decode_head, 'align_corners', False))


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


@torch.no_grad()
def ema_update(teacher: nn.Module, student: nn.Module, alpha: float) -> None:
    """``teacher = alpha * teacher + (1 - alpha) * student`` for parameters and float buffers.

    Integer buffers (BatchNorm's ``num_batches_tracked``) are copied.
    """
    for t, s in zip(teacher.parameters(), student.parameters()):
        t.mul_(alpha).add_(s.detach(), alpha=1 - alpha)
    for t, s in zip(teacher.buffers(), student.buffers()):
        if t.dtype.is_floating_point:
            t.mul_(alpha).add_(s, alpha=1 - alpha)
        else:
            t.copy_(s)

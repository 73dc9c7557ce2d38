"""The target-statistics control: source-only training whose BatchNorm running statistics track the target."""
from typing import Any, Dict

import torch
from mmseg.registry import MODELS
from torch import Tensor

from ..utils.batch_norm import batch_norms, batch_statistics
from .uda_segmentor import UDASegmentor


@MODELS.register_module()
class TargetBNSegmentor(UDASegmentor):
    """Source-only training, except that BatchNorm running statistics are those of the target (AdaBN-style control).

    Each iteration takes exactly the source-only step (supervised loss on the source batch, which BatchNorm
    normalises with the batch's own statistics as always in training) but keeps the source batch out of the
    running statistics; then the target batch runs through the segmentor in training mode without gradients,
    and only it updates them (BatchNorm's usual exponential average, momentum 0.1). Weights therefore follow
    source-only training and evaluation normalises with target statistics: a method's gain over this row is
    what it adds beyond "BatchNorm saw target images" (Li et al., AdaBN, 2016).

    ``train_cfg`` is unused.

    Args:
        **kwargs: Those of :class:`UDASegmentor` (``segmentor``, ...).
    """

    def uda_losses(self, source: dict, target: dict, step: Dict[str, Any]) -> Dict[str, Tensor]:
        if not batch_norms(self.seg_model):
            raise ValueError(f'TargetBNSegmentor: {type(self.seg_model).__name__} has no BatchNorm layers; the '
                             'target-statistics control needs them')
        with batch_statistics(self.seg_model):
            return super().uda_losses(source, target, step)

    @torch.no_grad()
    def after_update(self, source: dict, target: dict, step: Dict[str, Any]) -> Dict[str, float]:
        self.segmentor(target['inputs'], mode='tensor')  # in training mode: only updates the running statistics
        return {}

"""Entropy minimisation on target outputs (ADVENT's MinEnt, Vu et al., CVPR 2019)."""
from typing import Any, Dict

from mmseg.registry import MODELS
from mmseg.utils import add_prefix
from torch import Tensor

from ..losses import normalized_entropy
from ..utils.output_levels import main_logits
from .uda_segmentor import UDASegmentor


@MODELS.register_module()
class EntropyMinSegmentor(UDASegmentor):
    """Source cross-entropy plus ``lambda_ent`` times the normalised entropy of the target softmax.

    The entropy is that of the decode head's main output (PIDNet: the I branch) at input size,
    divided by ``log(C)`` and averaged over pixels, as ADVENT's MinEnt; one optimizer step on the
    sum per iteration, no other module.

    ``train_cfg`` keys: ``lambda_ent`` (0.001, ADVENT's value).

    Args:
        **kwargs: Those of :class:`UDASegmentor` (``segmentor``, ``train_cfg``, ...).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lambda_ent = float(self.train_cfg.get('lambda_ent', 0.001))
        if self.lambda_ent < 0:
            raise ValueError(f'EntropyMinSegmentor: train_cfg.lambda_ent must be >= 0, got {self.lambda_ent}')

    def uda_losses(self, source: dict, target: dict, step: Dict[str, Any]) -> Dict[str, Tensor]:
        losses = add_prefix(self.segmentor(source['inputs'], source['data_samples'], mode='loss'), 'src')
        tgt = target['inputs']
        logits = main_logits(self.segmentor(tgt, mode='tensor'), self.seg_model, tgt.shape[2:])
        step['entropy'] = normalized_entropy(logits)
        losses['tgt.loss_ent'] = self.lambda_ent * step['entropy']
        return losses

    def after_update(self, source: dict, target: dict, step: Dict[str, Any]) -> Dict[str, float]:
        return {'tgt.entropy': float(step['entropy'].detach())}

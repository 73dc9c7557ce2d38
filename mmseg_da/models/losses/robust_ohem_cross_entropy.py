"""Online hard example mining cross-entropy that is safe with ignore labels and tiny label sets."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmseg.models.losses import OhemCrossEntropy
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class RobustOhemCrossEntropy(OhemCrossEntropy):
    """mmseg's ``OhemCrossEntropy`` (PIDNet's criterion) with its failure cases fixed.

    Like the original it keeps the labelled pixels whose probability of the true class is below
    ``max(thres, p_k)``, where ``p_k`` is the ``min_kept``-th lowest such probability, and averages
    their (optionally class-weighted) cross-entropy. Unlike the original it

    * accepts the ``ignore_index`` argument that mmseg heads pass (the original raises
      ``TypeError``, so it cannot sit in the first slot of ``PIDHead``'s ``loss_decode`` or in any
      other head);
    * never returns NaN: when no pixel is below the threshold (every prediction confident, or a
      single labelled pixel) it averages over all labelled pixels instead of over an empty set;
    * returns a zero that is still connected to the graph when every pixel is ignored;
    * checks that logits and labels agree in shape.

    Args:
        ignore_label (int): Label ignored when the caller passes none. Default: 255.
        thres (float): Probability below which a pixel is hard. Default: 0.7.
        min_kept (int): Least number of pixels kept. Default: 100000.
        loss_weight (float): Weight of the loss. Default: 1.0.
        class_weight (list[float], optional): Per-class weights. Default: None.
        loss_name (str): Name of the loss item. Default: 'loss_ohem'.
    """

    def forward(self, score: Tensor, target: Tensor, ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        """OHEM cross-entropy of ``score`` (N, C, H, W) against ``target`` (N, H, W)."""
        if target.dim() == 4 and target.shape[1] == 1:
            target = target[:, 0]
        if target.shape != score.shape[:1] + score.shape[2:]:
            raise ValueError(f'{type(self).__name__}: logits of shape {tuple(score.shape)} need labels '
                             f'of shape {tuple(score.shape[:1] + score.shape[2:])}, got '
                             f'{tuple(target.shape)}')
        ignore = self.ignore_label if ignore_index is None else ignore_index
        target = target.long()
        class_weight = None if self.class_weight is None else score.new_tensor(self.class_weight)
        pixel_losses = F.cross_entropy(score, target, weight=class_weight, ignore_index=ignore,
                                       reduction='none').reshape(-1)
        valid = target.reshape(-1) != ignore
        num_valid = int(valid.sum())
        if num_valid == 0:
            return score.sum() * 0.0
        with torch.no_grad():
            safe_target = target.masked_fill(target == ignore, 0)
            prob = F.softmax(score.detach().float(), dim=1).gather(1, safe_target.unsqueeze(1))
            prob = prob.reshape(-1)[valid]
            kth = min(self.min_kept, num_valid - 1)
            threshold = max(float(torch.kthvalue(prob, kth + 1).values), self.thresh)
            hard = prob < threshold
            if not bool(hard.any()):
                hard = torch.ones_like(hard)
        return self.loss_weight * pixel_losses[valid][hard].mean()

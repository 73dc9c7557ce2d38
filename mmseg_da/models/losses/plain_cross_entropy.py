"""PyTorch's plain cross-entropy (ignore label 255, mean over labelled pixels) for any mmseg head."""
from typing import Optional

from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class PlainCrossEntropyLoss(CrossEntropyLoss):
    """``nn.CrossEntropyLoss(ignore_index=255)`` with mmseg's loss interface.

    mmseg's ``CrossEntropyLoss`` takes the ignore label only as a call argument (default -100) and
    by default averages over all pixels, ignored ones included. Heads that call their losses without
    ``ignore_index`` (``PIDHead`` does for its second and fourth terms) would then feed label 255 to
    ``F.cross_entropy`` as a class index and fail. This subclass stores the ignore label, uses it
    whenever the caller passes none, and averages over the labelled pixels only, which is exactly the
    plain cross-entropy criterion.

    Args:
        ignore_index (int): Label ignored when the caller does not pass one. Default: 255.
        avg_non_ignore (bool): Average over labelled pixels only. Default: True.
        loss_name (str): Name of the loss item. Default: 'loss_ce'.
        **kwargs: Passed to mmseg's ``CrossEntropyLoss`` (``loss_weight``, ``class_weight``...).
    """

    def __init__(self,
                 ignore_index: int = 255,
                 avg_non_ignore: bool = True,
                 loss_name: str = 'loss_ce',
                 **kwargs) -> None:
        super().__init__(avg_non_ignore=avg_non_ignore, loss_name=loss_name, **kwargs)
        self.ignore_index = ignore_index

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[int] = None,
                reduction_override: Optional[str] = None,
                ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        """Cross-entropy of ``cls_score`` (N, C, H, W) against ``label`` (N, H, W)."""
        if ignore_index is None:
            ignore_index = self.ignore_index
        return super().forward(cls_score, label, weight, avg_factor=avg_factor,
                               reduction_override=reduction_override,
                               ignore_index=ignore_index, **kwargs)

    def extra_repr(self) -> str:
        return f'{super().extra_repr()}, ignore_index={self.ignore_index}'

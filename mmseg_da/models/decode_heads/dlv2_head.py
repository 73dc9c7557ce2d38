"""DeepLabV2's ASPP classifier as an mmseg decode head."""
from typing import Sequence

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class DLV2Head(BaseDecodeHead):
    """The DeepLabV2 (ASPP-v2) classifier: parallel dilated 3x3 convolutions whose logits are summed.

    Each branch maps the input features straight to the classes (with bias); there is no
    intermediate layer, normalisation or dropout. All branches contribute to the sum (the
    AdaptSegNet reference code returns inside its loop and so sums only the first two).

    The branch convolutions are kept in ``self.conv_seg`` (an ``nn.ModuleList``) so that
    :class:`BaseDecodeHead`'s default ``init_cfg`` (normal, std 0.01, on ``conv_seg``) initialises them,
    as DeepLabV2 does.

    Args:
        in_channels (int): Channels of the selected input feature (2048 for ResNet-101 layer4,
            1024 for layer3).
        num_classes (int): Number of classes.
        dilations (Sequence[int]): One 3x3 branch per dilation (padding = dilation).
            Default: (6, 12, 18, 24).
        in_index (int): Which backbone output to classify. Default: -1 (the last).
        **kwargs: Passed to :class:`BaseDecodeHead` (``loss_decode``, ``align_corners``,
            ``ignore_index``, ``init_cfg``...). ``channels`` defaults to ``in_channels`` and
            ``dropout_ratio`` to 0.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 dilations: Sequence[int] = (6, 12, 18, 24),
                 **kwargs) -> None:
        if kwargs.get('input_transform') is not None:
            raise ValueError('DLV2Head takes a single input (input_transform=None), '
                             f'got input_transform={kwargs["input_transform"]!r}')
        if not isinstance(in_channels, int):
            raise TypeError(f'DLV2Head classifies one feature map: in_channels must be an int, '
                            f'got {in_channels!r}')
        if not dilations:
            raise ValueError('DLV2Head needs at least one dilation, got dilations=()')
        kwargs.setdefault('channels', in_channels)
        kwargs.setdefault('dropout_ratio', 0.0)
        super().__init__(in_channels, num_classes=num_classes, **kwargs)
        self.dilations = tuple(int(d) for d in dilations)
        # Replaces BaseDecodeHead's 1x1 classifier, which DeepLabV2 does not have.
        self.conv_seg = nn.ModuleList(
            nn.Conv2d(self.in_channels, self.out_channels, kernel_size=3, padding=d, dilation=d,
                      bias=True) for d in self.dilations)

    def cls_seg(self, feat: Tensor) -> Tensor:
        """Sum of the branch logits."""
        if self.dropout is not None:
            feat = self.dropout(feat)
        logits = self.conv_seg[0](feat)
        for conv in self.conv_seg[1:]:
            logits = logits + conv(feat)
        return logits

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Logits of the backbone output ``inputs[in_index]``, at its resolution."""
        return self.cls_seg(self._transform_inputs(inputs))

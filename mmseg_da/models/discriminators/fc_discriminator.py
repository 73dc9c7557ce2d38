"""The fully-convolutional discriminator of output-space adversarial adaptation (AdaptSegNet)."""
from typing import Sequence

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import OptMultiConfig
from torch import Tensor, nn


@MODELS.register_module()
class FCDiscriminator(BaseModule):
    """Tells source from target segmentation outputs, one logit per output cell.

    A stack of 4x4 convolutions with stride 2 and padding 1, each followed by a LeakyReLU, then a
    1-channel 4x4 classifier (stride 2, padding 1, as AdaptSegNet's). No normalisation layer, so the
    output of a batch does not depend on what else is in it. Every layer halves the resolution:
    an input of ``H x W`` gives ``H / 2**(len(widths) + 1)`` rows (floored), hence inputs of at
    least ``2**(len(widths) + 1)`` pixels a side (32 with the default widths).

    Args:
        in_channels (int): Channels of the input, the number of classes of the softmax it judges.
        widths (Sequence[int]): Output channels of the strided convolutions. Default: (64, 128, 256, 512).
        negative_slope (float): Slope of the LeakyReLU. Default: 0.2.
        init_cfg (dict, optional): Initialisation config (default: PyTorch's default init, as AdaptSegNet).
    """

    def __init__(self,
                 in_channels: int,
                 widths: Sequence[int] = (64, 128, 256, 512),
                 negative_slope: float = 0.2,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f'FCDiscriminator: in_channels must be a positive int, got {in_channels!r}')
        widths = tuple(widths)
        if not widths or any(not isinstance(w, int) or w < 1 for w in widths):
            raise ValueError(f'FCDiscriminator: widths must be a non-empty sequence of positive ints, '
                             f'got {widths!r}')
        self.in_channels = in_channels
        self.widths = widths
        layers = []
        channels = in_channels
        for width in widths:
            layers += [nn.Conv2d(channels, width, kernel_size=4, stride=2, padding=1),
                       nn.LeakyReLU(negative_slope, inplace=True)]
            channels = width
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Conv2d(channels, 1, kernel_size=4, stride=2, padding=1)

    @property
    def min_input_size(self) -> int:
        """The smallest input side that still gives one output cell."""
        return 2 ** (len(self.widths) + 1)

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(N, 1, H', W')``: high means "target", low means "source"."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'FCDiscriminator expects (N, {self.in_channels}, H, W) inputs '
                             f'(in_channels={self.in_channels}), got shape {tuple(x.shape)}')
        if min(x.shape[2:]) < self.min_input_size:
            raise ValueError(
                f'FCDiscriminator with {len(self.widths)} strided layers needs inputs of at least '
                f'{self.min_input_size}x{self.min_input_size}, got {tuple(x.shape[2:])}: enlarge the '
                f"segmentation output it judges (the adversarial segmentor's disc_input_scale, e.g. "
                f"'input') or use fewer widths")
        return self.classifier(self.features(x))

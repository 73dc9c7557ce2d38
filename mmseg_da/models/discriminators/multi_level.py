"""One discriminator per output level, behind one forward (one DDP wrapper, one optimizer)."""
from typing import Dict, Mapping, Tuple

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import ConfigType
from torch import Tensor, nn


@MODELS.register_module()
class MultiLevelDiscriminator(BaseModule):
    """A discriminator per adaptation level, built from one config.

    mmengine's ``MMSeparateDistributedDataParallel`` wraps each child of a model that has
    trainable parameters in its own DDP module and only calls ``forward`` on it, so the
    discriminators of all levels live in this one module whose forward judges every level of
    several branches at once (one DDP forward, one backward per discriminator step).

    Args:
        discriminator (dict): Config of each level's discriminator (e.g. ``FCDiscriminator``), built
            once per level with ``in_channels`` set to that level's number of classes when absent.
        in_channels (Mapping[str, int]): Level name -> channels (classes) of that level's output.
    """

    def __init__(self, discriminator: ConfigType, in_channels: Mapping[str, int]) -> None:
        super().__init__()
        if not in_channels:
            raise ValueError('MultiLevelDiscriminator needs at least one level')
        self.levels = tuple(in_channels)
        self.discriminators = nn.ModuleDict()
        for level, channels in in_channels.items():
            cfg = dict(discriminator)
            given = cfg.setdefault('in_channels', channels)
            if given != channels:
                raise ValueError(
                    f'discriminator.in_channels={given} disagrees with the {channels} classes of the '
                    f'segmentation output it judges (level {level!r}); leave it out to use the number '
                    f'of classes')
            self.discriminators[level] = MODELS.build(cfg)

    def __getitem__(self, level: str) -> nn.Module:
        return self.discriminators[level]

    def forward(self, *branches: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], ...]:
        """Judge each branch: ``{level: softmax}`` -> ``{level: logits}``, for every branch given."""
        return tuple({level: self.discriminators[level](x) for level, x in branch.items()}
                     for branch in branches)

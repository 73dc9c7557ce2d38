"""The mean teacher's exponential moving average: mmengine's averaged model with the DACS warm-up."""
from typing import Any, Callable

from mmengine.model import MomentumAnnealingEMA
from mmseg.registry import MODELS
from torch import nn


@MODELS.register_module()
class WarmupEMA(MomentumAnnealingEMA):
    """EMA with the DACS/DAFormer warm-up: ``avg = a_t * avg + (1 - a_t) * model``.

    ``a_t = min(1 - 1 / (t + 1), alpha)``, ``t`` the number of updates so far (``steps``): the first
    update copies the model. That is mmengine's momentum annealing, ``max(momentum, gamma / (gamma + t))``
    on ``1 - a_t``, with ``momentum = 1 - alpha`` and ``gamma = 1``. Floating-point parameters and buffers
    (BatchNorm statistics) are averaged; integer buffers follow the model.

    Args:
        model (nn.Module): The model to average; a copy without gradients is kept as ``self.module``.
        alpha (float): The largest decay, in (0, 1).
    """

    def __init__(self, model: nn.Module, alpha: float) -> None:
        super().__init__(model, momentum=1 - alpha, gamma=1, update_buffers=True)

    @property
    def alpha(self) -> float:
        """The decay ``a_t`` of the next update."""
        return 1 - max(self.momentum, self.gamma / (self.gamma + int(self.steps)))

    def update_parameters(self, model: nn.Module) -> None:
        super().update_parameters(model)
        # mmengine averages only floating-point entries after the first step; integer buffers
        # (BatchNorm's num_batches_tracked) would keep their first value
        for avg, src in zip(self.module.buffers(), model.buffers()):
            if not avg.dtype.is_floating_point:
                avg.copy_(src)

    def _apply(self, fn: Callable, *args: Any, **kwargs: Any) -> 'WarmupEMA':
        super()._apply(fn, *args, **kwargs)
        # mmengine keeps the tensors of state_dict() taken at construction; .to()/.cuda() replace them,
        # after which the averages would be written into the stale copies
        self.avg_parameters = self.module.state_dict()
        return self

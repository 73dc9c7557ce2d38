"""BatchNorm helpers of the UDA segmentors: which batches enter the running statistics."""
import contextlib
from typing import Iterator, List

from torch import nn


def batch_norms(module: nn.Module) -> List[nn.modules.batchnorm._BatchNorm]:
    """Every BatchNorm layer of ``module``."""
    return [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


@contextlib.contextmanager
def batch_statistics(module: nn.Module) -> Iterator[None]:
    """BatchNorms of ``module`` normalise with the batch's statistics, without updating their running ones."""
    norms = batch_norms(module)
    saved = [(m.training, m.momentum, m.num_batches_tracked.clone() if m.num_batches_tracked is not None else None)
             for m in norms]
    for m in norms:
        m.train()
        m.momentum = 0.0  # running = (1 - 0) * running + 0 * batch: unchanged
    try:
        yield
    finally:
        for m, (training, momentum, tracked) in zip(norms, saved):
            m.train(training)
            m.momentum = momentum
            if tracked is not None:
                m.num_batches_tracked.copy_(tracked)

"""BatchNorm helpers of the UDA segmentors: which batches enter the running statistics.

The rest of the BatchNorm code: re-estimating statistics on images in :mod:`mmseg_da.apis.bn_statistics`, used by
AdaBN (:mod:`mmseg_da.apis.adapt_bn`) and the per-domain evaluation (:mod:`mmseg_da.apis.domain_bn`); the
target-statistics segmentor in :mod:`mmseg_da.models.segmentors.target_bn`; folding into convolutions for
inference in :mod:`mmseg_da.deploy.fast_inference`.
"""
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
    saved = [(m.training, m.track_running_stats) for m in norms]
    for m in norms:
        # train mode without tracking: torch passes no running buffers, so they are never touched (a momentum
        # of 0 would still multiply them by 0 * batch statistics, and a NaN batch variance poisons them)
        m.train()
        m.track_running_stats = False
    try:
        yield
    finally:
        for m, (training, tracking) in zip(norms, saved):
            m.train(training)
            m.track_running_stats = tracking

"""Re-estimate a segmentor's BatchNorm statistics on unlabelled images (test-time BN adaptation, AdaBN).

AdaBN (Li et al., 2016) and test-time BatchNorm adaptation (Schneider et al., NeurIPS 2020) keep a trained
network's weights and replace each BatchNorm layer's running mean and variance by those of the images it will
be applied to. :func:`reestimate_bn_statistics` does this for an mmseg segmentor over mmengine dataloader
batches, so that an evaluation can tell how much of a domain gap is statistics and how much is weights.
"""
from typing import Dict, Iterable, List, Optional

import torch
from torch import Tensor, nn

from mmseg_da.models.utils.batch_norm import batch_norms


def _check_positive(name: str, value: Optional[int]) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f'reestimate_bn_statistics: {name} must be a positive whole number, got {value!r}')


def _images(segmentor: nn.Module, batch: dict) -> List[Tensor]:
    """The preprocessed images (``C, H, W`` each) of one dataloader batch, as the segmentor tests them."""
    if not isinstance(batch, dict) or 'inputs' not in batch:
        raise TypeError('reestimate_bn_statistics: batches must be mmengine dataloader batches, dicts with '
                        f'"inputs" (and "data_samples"), got {type(batch).__name__}'
                        + (f' with keys {list(batch)}' if isinstance(batch, dict) else ''))
    inputs = segmentor.data_preprocessor(batch, False)['inputs']
    return list(inputs.unbind(0)) if isinstance(inputs, Tensor) else list(inputs)  # a batch, or C, H, W each


def _forward(segmentor: nn.Module, images: List[Tensor], number: int) -> None:
    """One forward pass of ``images`` stacked into a batch (BatchNorms in training mode update their statistics)."""
    shapes = sorted({tuple(image.shape) for image in images})
    if len(shapes) > 1:
        raise ValueError(f'reestimate_bn_statistics: batch {number} regroups images of different sizes '
                         f'{shapes} (after the data preprocessor); images are stacked into batches of '
                         'batch_size, so they must share one size: resize them to one size in the test '
                         'pipeline, or pass batch_size=1 with a dataloader whose batches already share a size')
    inputs = torch.stack(images, 0)
    try:
        segmentor(inputs, mode='tensor')
    except ValueError as err:
        if 'Expected more than 1 value per channel' not in str(err):
            raise
        raise ValueError(f'reestimate_bn_statistics: batch {number} holds {len(images)} image(s) of size '
                         f'{tuple(inputs.shape[1:])}, too few for a BatchNorm layer in training mode (a layer '
                         'sees a single value per channel, e.g. after global pooling); use a larger batch_size '
                         'or more images') from err


@torch.no_grad()
def reestimate_bn_statistics(segmentor: nn.Module, batches: Iterable[dict], max_batches: Optional[int] = None,
                             batch_size: int = 4) -> int:
    """Replace the running statistics of every BatchNorm in ``segmentor`` by those of the given images.

    Each BatchNorm's running statistics are reset and its momentum set to None (a cumulative average),
    then the segmentor runs without gradients on the images, in eval mode except its BatchNorm layers:
    dropout, drop-path and any branch a module takes only in training stay off, so the images take the
    path of inference. Every BatchNorm on that path gets as running mean and (unbiased) variance the plain
    average of its per-batch statistics; a BatchNorm off that path (e.g. an auxiliary head used only in
    training) keeps its statistics. Weights are not changed. Afterwards each module's momentum and training
    mode are restored (a segmentor in eval mode stays in eval mode), so evaluating it uses the new
    statistics.

    Every dataloader batch (``dict(inputs=list, data_samples=list)``, labels unused) goes through
    ``segmentor.data_preprocessor(batch, False)``, as in testing; the preprocessed images are regrouped
    into batches of ``batch_size`` images, stacked, and passed to ``segmentor(inputs, mode='tensor')``.
    A batch-1 test dataloader can thus feed a model whose BatchNorm cannot see a single image in training
    mode (PIDNet's pooled 1x1 features). The images left over at the end (fewer than ``batch_size``) join
    the last batch, so no batch is smaller than ``batch_size`` unless there are fewer images in all.

    Args:
        segmentor: An mmseg segmentor (``data_preprocessor`` and ``forward(inputs, mode='tensor')``),
            e.g. :func:`mmseg_da.models.utils.deployable.deployable_segmentor` of a runner's model.
        batches: mmengine dataloader batches (e.g. a test ``DataLoader``); images must share one size.
        max_batches: Stop after this many regrouped batches (forward passes); None uses every image.
        batch_size: Images per forward pass.

    Returns:
        The number of batches (forward passes) the statistics average over.

    Raises:
        ValueError: If the segmentor has no BatchNorm layer, no batch was given, images of one regrouped
            batch differ in size, a batch is too small for training-mode BatchNorm, or ``max_batches`` or
            ``batch_size`` is not a positive integer. The statistics are then those of the batches run so
            far (or reset): load the checkpoint again before using the segmentor.
    """
    _check_positive('max_batches', max_batches)
    _check_positive('batch_size', batch_size)
    norms = batch_norms(segmentor)
    if not norms:
        raise ValueError(f'reestimate_bn_statistics: {type(segmentor).__name__} has no BatchNorm layer, so there '
                         'are no statistics to re-estimate (normalisation such as GroupNorm/LayerNorm keeps none)')
    modes: Dict[nn.Module, bool] = {m: m.training for m in segmentor.modules()}
    momenta = [m.momentum for m in norms]
    saved = [{k: v.clone() for k, v in m.state_dict().items()} for m in norms]
    used = 0
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average: the update factor is 1 / num_batches_tracked
        segmentor.eval()
        for m in norms:  # only the normalisation layers: dropout and drop-path stay off
            m.train()
        pending: List[Tensor] = []
        done = False
        for batch in batches:
            pending.extend(_images(segmentor, batch))
            # hold back a batch while more images may come, so that leftovers join the last batch
            while len(pending) >= 2 * batch_size or (max_batches is not None and used == max_batches - 1
                                                     and len(pending) >= batch_size):
                _forward(segmentor, pending[:batch_size], used + 1)
                del pending[:batch_size]
                used += 1
                if max_batches is not None and used >= max_batches:
                    done = True
                    break
            if done:
                break
        if not done and pending:
            _forward(segmentor, pending, used + 1)
            used += 1
        if used == 0:
            raise ValueError('reestimate_bn_statistics: no batch was given (an empty dataloader or dataset?), '
                             'so there are no images to estimate BatchNorm statistics from')
    finally:
        for m, momentum, state in zip(norms, momenta, saved):
            m.momentum = momentum
            if m.track_running_stats and int(m.num_batches_tracked) == 0:  # off the inference path: unchanged
                m.load_state_dict(state)
        for module, training in modes.items():
            module.training = training
    return used

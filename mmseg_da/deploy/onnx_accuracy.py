"""Accuracy of exported graphs on a config's test split: mIoU per domain beside PyTorch's, and argmax agreement.

    from mmseg_da.deploy.onnx_accuracy import evaluate_backends
    scores = evaluate_backends(segmentor, cfg, {'onnxruntime': fp32_model, 'onnxruntime-int8': int8_model})
    scores['onnxruntime-int8']['metrics']['dusk/mIoU'], scores['onnxruntime-int8']['argmax_agreement']

Every test image goes through the test pipeline and the data preprocessor once; PyTorch's logits and each
graph's are resized to the preprocessed size as the decode head resizes them, then mmseg's
``postprocess_result`` takes them to the label's size, and the config's test evaluator (per-domain IoU) scores
them. A graph of a fixed input size gets each image resized (bilinear) to it first, as a deployment at that
size would.
"""
import copy
import logging
from typing import Callable, Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmseg.models.utils import resize
from torch import Tensor, nn

from mmseg_da.models.utils.deployable import deployable_segmentor
from mmseg_da.models.utils.output_levels import head_align_corners

from .onnx_export import TensorForward
from .onnx_runtime import OnnxSegmentor, input_shape

#: The reference every other backend is compared with.
REFERENCE = 'pytorch'


def fixed_input_size(model: Callable[[Tensor], Tensor]):
    """The (H, W) an :class:`OnnxSegmentor`'s graph is fixed to, or None (dynamic, or a PyTorch model)."""
    if not isinstance(model, OnnxSegmentor):
        return None
    height, width = input_shape(model.session)[-2:]
    return (height, width) if isinstance(height, int) and isinstance(width, int) else None


def _logits(model: Callable[[Tensor], Tensor], inputs: Tensor, align_corners: bool) -> Tensor:
    """The model's logits for ``inputs``, at the size of ``inputs``."""
    size = fixed_input_size(model)
    x = inputs if size is None or tuple(inputs.shape[-2:]) == size else F.interpolate(
        inputs, size=size, mode='bilinear', align_corners=False)
    with torch.no_grad():
        logits = model(x).float().cpu()
    return resize(logits, size=inputs.shape[-2:], mode='bilinear', align_corners=align_corners)


def evaluate_backends(segmentor: nn.Module, cfg: Config, models: Dict[str, Callable[[Tensor], Tensor]],
                      max_images: Optional[int] = None, quiet: bool = True) -> Dict[str, dict]:
    """Score PyTorch and each model on the test split of ``cfg`` (mIoU per domain), and their agreement.

    Args:
        segmentor: The PyTorch segmentor (its deployable segmentor is the reference, ``'pytorch'``).
        cfg: The config (``test_dataloader``, ``test_evaluator``).
        models: Named models, ``model(normalised images) -> logits`` as ``forward(mode='tensor')``.
        max_images: Score only the first images of the split.
        quiet: Keep the evaluator's per-class tables out of the log.

    Returns:
        Per name (``'pytorch'`` first): ``metrics`` (the evaluator's, e.g. ``'dusk/mIoU'``), and for the
        models ``argmax_agreement`` with PyTorch over all pixels at the preprocessed size; ``images``.

    Raises:
        ValueError: If the config has no test evaluator; FileNotFoundError where the test data are missing.
    """
    from mmseg_da.apis import build_split_dataset
    if not cfg.get('test_evaluator'):
        raise ValueError(f'{cfg.filename} has no test_evaluator to score the test split with')
    seg = deployable_segmentor(segmentor).eval()
    align_corners = head_align_corners(seg)
    dataset = build_split_dataset(cfg, 'test')
    count = len(dataset) if max_images is None else min(max_images, len(dataset))
    if count == 0:
        raise FileNotFoundError(f'the test split of {cfg.filename} holds no images to score')
    named = {REFERENCE: TensorForward(seg).eval(), **models}
    evaluators = {name: Evaluator(copy.deepcopy(cfg.test_evaluator)) for name in named}
    for evaluator in evaluators.values():
        evaluator.dataset_meta = dataset.metainfo
    same = {name: 0 for name in models}
    pixels = 0
    for index in range(count):
        data = pseudo_collate([dataset[index]])
        with torch.no_grad():
            processed = seg.data_preprocessor(copy.deepcopy(data), False)
        inputs = processed['inputs'].float()
        labels = {}
        for name, model in named.items():
            logits = _logits(model, inputs, align_corners)
            labels[name] = logits.argmax(dim=1)
            with torch.no_grad():
                results = seg.postprocess_result(logits.to(inputs.device), copy.deepcopy(processed['data_samples']))
            evaluators[name].process(data_samples=results, data_batch=data)
        pixels += labels[REFERENCE].numel()
        for name in models:
            same[name] += int((labels[name] == labels[REFERENCE]).sum())
    logger = MMLogger.get_current_instance()
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        scores = {name: dict(metrics=evaluator.evaluate(count), images=count) for name, evaluator in evaluators.items()}
    finally:
        logger.setLevel(level)
    for name in models:
        scores[name]['argmax_agreement'] = same[name] / max(pixels, 1)
    return scores


def domains_of(metrics: Dict[str, float]) -> list:
    """The domains with an mIoU among the metric names (``'dusk/mIoU'`` -> ``'dusk'``), in order."""
    return [key[:-len('/mIoU')] for key in metrics if key.endswith('/mIoU')]


def format_scores(scores: Dict[str, dict]) -> str:
    """A table: one row per backend, mIoU per domain (and overall), the change from PyTorch, the agreement."""
    reference = scores[REFERENCE]['metrics']
    domains = domains_of(reference) or []
    columns = [f'{d}/mIoU' for d in domains] + (['mIoU'] if 'mIoU' in reference else [])
    header = f"{'backend':<18}" + ''.join(f'{c:>14}' for c in columns) + f"{'agreement':>12}"
    lines = [f"mIoU on the test split ({scores[REFERENCE]['images']} images); change from PyTorch in brackets",
             header]
    for name, score in scores.items():
        row = f'{name:<18}'
        for column in columns:
            value = score['metrics'].get(column)
            delta = '' if name == REFERENCE or value is None else f' ({value - reference[column]:+.2f})'
            row += f'{(f"{value:.2f}" if value is not None else "-") + delta:>14}'
        agreement = score.get('argmax_agreement')
        row += f"{'-' if agreement is None else f'{100 * agreement:.2f}%':>12}"
        lines.append(row)
    return '\n'.join(lines)

"""What a criterion needs from one checkpoint, collected in one pass over the selection data.

The deployable segmentor's logits are taken at the test pipeline's size (``segmentor.inference``, padding
cropped) and turned into softmax probabilities. Per target image only summaries are kept (hard labels, entropy
and probability sums, the probabilities at a fixed sample of pixels, the pooled backbone features), so that many
checkpoints fit in memory. Source validation samples are scored at their label's size, as the validation
metric scores them.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dataset import pseudo_collate
from torch import nn

from .data import Loader, SelectionData

#: Pixels sampled per target image for the neighbourhood criterion (the same positions for every checkpoint).
PIXELS_PER_IMAGE = 32
IGNORE_INDEX = 255
#: Bins of the maximum-probability histograms (ATC).
CONFIDENCE_BINS = 1000
#: MixVal's mix ratio (Hu et al. 2023; a fixed value in (0.5, 1), 0.55 in their code and in skada).
MIX_RATIO = 0.55


def confidence_histogram(max_probs: torch.Tensor) -> np.ndarray:
    """Histogram of maximum probabilities over [0, 1] in :data:`CONFIDENCE_BINS` bins."""
    return torch.histc(max_probs.float().flatten(), bins=CONFIDENCE_BINS, min=0.0, max=1.0).double().cpu().numpy()


@dataclass
class TargetOutputs:
    """Summaries of the predictions on the target images.

    Attributes:
        labels: (N, H, W) uint8 arg-max labels.
        entropy_sum: Sum over all pixels of the prediction entropy (nats).
        prob_sum: (C,) sum over all pixels of the class probabilities.
        pixels: Number of pixels summed.
        sampled: (N * PIXELS_PER_IMAGE, C) probabilities at fixed pixel positions.
        features: (N, D) globally average-pooled backbone outputs (the last one).
        confidence: (CONFIDENCE_BINS,) histogram of the pixels' maximum probability over [0, 1].
        mix_hits: (2,) MixVal probe pixels predicted as the dominant image's pseudo-label: intra-cluster
            (both images' pseudo-labels agree there), inter-cluster (they differ).
        mix_counts: (2,) MixVal probe pixels of each kind.
    """
    labels: np.ndarray
    entropy_sum: float
    prob_sum: np.ndarray
    pixels: int
    sampled: np.ndarray
    features: np.ndarray
    confidence: Optional[np.ndarray] = None
    mix_hits: Optional[np.ndarray] = None
    mix_counts: Optional[np.ndarray] = None


@dataclass
class SourceOutputs:
    """Predictions on the labelled source validation samples.

    Attributes:
        areas: (4, C) intersection, union, prediction and label areas per class, over all samples.
        losses: (N,) mean pixel cross-entropy of each sample (labelled pixels only).
        features: (N, D) globally average-pooled backbone outputs (the last one).
        confidence: (CONFIDENCE_BINS,) histogram of the labelled pixels' maximum probability over [0, 1].
    """
    areas: np.ndarray
    losses: np.ndarray
    features: np.ndarray
    confidence: Optional[np.ndarray] = None


@dataclass
class CheckpointOutputs:
    """Everything the criteria read about one checkpoint."""
    checkpoint: str
    target: TargetOutputs
    source: Optional[SourceOutputs] = None


class _FeatureTap:
    """Records the globally pooled output of a module (the backbone) on every forward pass."""

    def __init__(self, module: nn.Module) -> None:
        self.pooled: Optional[torch.Tensor] = None
        self.handle = module.register_forward_hook(self._hook)

    def _hook(self, _module: nn.Module, _args: tuple, x) -> None:
        while isinstance(x, (list, tuple)):
            x = x[-1]
        self.pooled = x.float().mean(dim=(2, 3))


def _batches(loaders: Sequence[Loader], size: int):
    for start in range(0, len(loaders), size):
        yield pseudo_collate([load() for load in loaders[start:start + size]])


def _logits(segmentor: nn.Module, batch: dict) -> Tuple[torch.Tensor, list, torch.Tensor]:
    """Logits at the test pipeline's size (padding cropped), the preprocessed data samples and inputs."""
    data = segmentor.data_preprocessor(batch, False)
    samples = data['data_samples']
    logits = _infer(segmentor, data['inputs'], samples)
    return logits, samples, data['inputs']


def _infer(segmentor: nn.Module, inputs: torch.Tensor, samples: list) -> torch.Tensor:
    metas = [s.metainfo for s in samples]
    h, w = metas[0]['img_shape'][:2]
    return segmentor.inference(inputs, metas)[..., :h, :w]


def mix_probe_counts(labels: torch.Tensor, mixed_labels: torch.Tensor,
                     partner: torch.Tensor) -> Tuple[np.ndarray, np.ndarray]:
    """MixVal's hits and counts of one batch: intra-cluster, then inter-cluster probe pixels.

    Args:
        labels: (N, H, W) pseudo-labels of the images (the dominant ones of the mix).
        mixed_labels: (N, H, W) predictions on ``MIX_RATIO * image + (1 - MIX_RATIO) * image[partner]``.
        partner: (N,) index of each image's partner in the batch.
    """
    other = labels[partner]
    same = labels == other
    hit = mixed_labels == labels
    hits = np.array([int((hit & same).sum()), int((hit & ~same).sum())], np.float64)
    counts = np.array([int(same.sum()), int((~same).sum())], np.float64)
    return hits, counts


def sample_positions(index: int, height: int, width: int, count: int = PIXELS_PER_IMAGE) -> np.ndarray:
    """Flat pixel indices sampled for image ``index`` (seeded by the index: the same for every checkpoint)."""
    rng = np.random.default_rng(index)
    return rng.choice(height * width, size=min(count, height * width), replace=False)


def entropy(probs: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Shannon entropy (nats) along ``dim``."""
    return -(probs * torch.log(probs.clamp_min(1e-12))).sum(dim)


@torch.no_grad()
def collect_target(segmentor: nn.Module, loaders: Sequence[Loader], batch_size: int = 4,
                   mix_probes: bool = True) -> TargetOutputs:
    """Run ``segmentor`` on the target images and keep the summaries of :class:`TargetOutputs`.

    ``mix_probes`` adds MixVal's second forward pass on mixed images (only the ``mixval`` criterion reads it).
    """
    tap = _FeatureTap(segmentor.backbone)
    labels, features, sampled = [], [], []
    entropy_sum, prob_sum, pixels, seen = 0.0, None, 0, 0
    confidence = np.zeros(CONFIDENCE_BINS)
    mix_hits, mix_counts = np.zeros(2), np.zeros(2)
    try:
        for batch in _batches(loaders, batch_size):
            logits, samples, inputs = _logits(segmentor, batch)
            probs = logits.float().softmax(dim=1)
            entropy_sum += float(entropy(probs).sum())
            batch_sum = probs.sum(dim=(0, 2, 3)).double()
            prob_sum = batch_sum if prob_sum is None else prob_sum + batch_sum
            n, c, h, w = probs.shape
            pixels += n * h * w
            top, arg = probs.max(dim=1)
            confidence += confidence_histogram(top)
            labels.append(arg.to(torch.uint8).cpu().numpy())
            features.append(tap.pooled.cpu().numpy())
            flat = probs.flatten(2).cpu().numpy()
            for k in range(n):
                sampled.append(flat[k][:, sample_positions(seen + k, h, w)].T)
            seen += n
            if mix_probes and n > 1:
                # MixVal probes: each image mixed with the next one of its batch (the same pairs for every
                # checkpoint; a batch of one image has no partner and adds no probe)
                partner = torch.roll(torch.arange(n), -1)
                mixed = MIX_RATIO * inputs + (1 - MIX_RATIO) * inputs[partner]
                hits, counts = mix_probe_counts(arg, _infer(segmentor, mixed, samples).argmax(dim=1), partner)
                mix_hits += hits
                mix_counts += counts
    finally:
        tap.handle.remove()
    return TargetOutputs(labels=np.concatenate(labels), entropy_sum=entropy_sum,
                         prob_sum=prob_sum.cpu().numpy(), pixels=pixels, sampled=np.concatenate(sampled),
                         features=np.concatenate(features), confidence=confidence, mix_hits=mix_hits,
                         mix_counts=mix_counts)


def class_areas(pred: torch.Tensor, label: torch.Tensor, num_classes: int) -> np.ndarray:
    """(4, C) intersection, union, prediction and label areas, labelled pixels only (as mmseg's IoUMetric)."""
    keep = label != IGNORE_INDEX
    pred, label = pred[keep], label[keep]
    inter = torch.bincount(pred[pred == label], minlength=num_classes)[:num_classes]
    area_pred = torch.bincount(pred, minlength=num_classes)[:num_classes]
    area_label = torch.bincount(label, minlength=num_classes)[:num_classes]
    return torch.stack([inter, area_pred + area_label - inter, area_pred, area_label]).double().cpu().numpy()


def mean_iou(areas: np.ndarray) -> float:
    """Mean IoU in percent over the classes present in prediction or label (mmseg's nan-mean)."""
    union = areas[1]
    with np.errstate(invalid='ignore', divide='ignore'):
        iou = np.where(union > 0, areas[0] / union, np.nan)
    return float(np.nanmean(iou) * 100) if np.any(union > 0) else float('nan')


@torch.no_grad()
def collect_labelled(segmentor: nn.Module, loaders: Sequence[Loader],
                     batch_size: int = 4) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Class areas, per-sample losses, pooled features and the labelled pixels' confidence histogram on
    labelled samples, scored at the label's size.

    The logits are resized to each label's size as mmseg's ``postprocess_result`` does (bilinear, with the
    decode head's ``align_corners``).
    """
    num_classes = segmentor.decode_head.num_classes
    align = bool(getattr(segmentor.decode_head, 'align_corners', False))
    tap = _FeatureTap(segmentor.backbone)
    areas = np.zeros((4, num_classes))
    losses: List[float] = []
    features = []
    confidence = np.zeros(CONFIDENCE_BINS)
    try:
        for batch in _batches(loaders, batch_size):
            logits, samples, _ = _logits(segmentor, batch)
            features.append(tap.pooled.cpu().numpy())
            for k, sample in enumerate(samples):
                label = sample.gt_sem_seg.data[0].long()
                logit = F.interpolate(logits[k:k + 1].float(), size=label.shape, mode='bilinear',
                                      align_corners=align)
                top, pred = logit.softmax(dim=1).max(dim=1)
                pred = pred[0]
                confidence += confidence_histogram(top[0][label != IGNORE_INDEX])
                areas += class_areas(pred, label, num_classes)
                loss = F.cross_entropy(logit, label[None], ignore_index=IGNORE_INDEX, reduction='sum')
                count = int((label != IGNORE_INDEX).sum())
                losses.append(float(loss) / count if count else float('nan'))
    finally:
        tap.handle.remove()
    return areas, np.asarray(losses), np.concatenate(features), confidence


def collect_outputs(segmentor: nn.Module, data: SelectionData, checkpoint: str = '',
                    batch_size: int = 4, mix_probes: bool = True) -> CheckpointOutputs:
    """The target summaries and, where ``data`` has source samples, the source validation outputs."""
    target = collect_target(segmentor, data.target, batch_size, mix_probes)
    source = None
    if data.source:
        areas, losses, features, confidence = collect_labelled(segmentor, data.source, batch_size)
        source = SourceOutputs(areas=areas, losses=losses, features=features, confidence=confidence)
    return CheckpointOutputs(checkpoint=checkpoint, target=target, source=source)

"""Label-free selection criteria: one score per checkpoint from its :class:`CheckpointOutputs`.

No criterion reads a target label: the target side of the outputs holds only predictions. ``source_miou``,
``source_loss`` and ``dev`` read the labelled *source* validation set.

==============  ==========================================================================  ======
name            score                                                                       better
==============  ==========================================================================  ======
entropy         mean prediction entropy over target pixels (nats)                           lower
info_max        entropy of the mean target prediction minus the mean entropy (IM)           higher
agreement       fraction of target pixels whose label equals the reference's                higher
snd             soft neighbourhood density of sampled target pixels (Saito et al. 2021)     higher
source_miou     source validation mIoU (%), the naive choice                                higher
source_loss     mean source validation cross-entropy                                        lower
dev             importance-weighted source validation loss, DEV (You et al. 2019)            lower
atc             target pixel accuracy predicted by ATC (Garg et al. 2022)                   higher
mixval          accuracy on mixed target images vs pseudo-labels, MixVal (Hu et al. 2023)   higher
==============  ==========================================================================  ======
"""
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Sequence

import numpy as np
import torch

from .atc import average_thresholded_confidence
from .dev import density_ratios, dev_risk
from .outputs import CheckpointOutputs, mean_iou
from .snd import soft_neighbourhood_density


@dataclass
class Context:
    """What a criterion may need beside the checkpoint's own outputs.

    Attributes:
        reference: (N, H, W) reference target labels for ``agreement`` (majority vote or a given checkpoint).
    """
    reference: Optional[np.ndarray] = None


@dataclass(frozen=True)
class Criterion:
    """A label-free selection criterion.

    Attributes:
        score: Maps a checkpoint's outputs and the context to a number.
        higher_is_better: Whether the best checkpoint has the highest score.
        needs_source: Whether it reads the labelled source validation set.
        needs_reference: Whether it compares with reference target labels.
        summary: One line for the tool's listing.
    """
    score: Callable[[CheckpointOutputs, Context], float]
    higher_is_better: bool
    needs_source: bool = False
    needs_reference: bool = False
    summary: str = ''


def _entropy_of(p: np.ndarray) -> float:
    p = np.asarray(p, np.float64)
    p = p / p.sum()
    return float(-(p * np.log(np.clip(p, 1e-12, None))).sum())


def mean_entropy(out: CheckpointOutputs, _ctx: Context = None) -> float:
    """Mean prediction entropy over the target pixels (lower: more confident)."""
    return out.target.entropy_sum / out.target.pixels


def information_maximisation(out: CheckpointOutputs, _ctx: Context = None) -> float:
    """Entropy of the mean target prediction minus the mean entropy: confident and diverse (higher)."""
    return _entropy_of(out.target.prob_sum) - mean_entropy(out)


def agreement(out: CheckpointOutputs, ctx: Context) -> float:
    """Fraction of target pixels whose arg-max label equals the reference label."""
    if ctx is None or ctx.reference is None:
        raise ValueError('the agreement criterion needs reference target labels')
    return float(np.mean(resize_labels(out.target.labels, ctx.reference.shape) == ctx.reference))


def snd(out: CheckpointOutputs, _ctx: Context = None) -> float:
    """Soft neighbourhood density of the sampled target pixels' probabilities (higher)."""
    return soft_neighbourhood_density(out.target.sampled)


def _source(out: CheckpointOutputs):
    if out.source is None:
        raise ValueError('this criterion needs the labelled source validation set (no source samples)')
    return out.source


def source_miou(out: CheckpointOutputs, _ctx: Context = None) -> float:
    """Source validation mIoU in percent."""
    return mean_iou(_source(out).areas)


def source_loss(out: CheckpointOutputs, _ctx: Context = None) -> float:
    """Mean per-image cross-entropy on the source validation set."""
    return float(np.nanmean(_source(out).losses))


def dev(out: CheckpointOutputs, _ctx: Context = None) -> float:
    """DEV's estimate of the target risk (lower)."""
    source = _source(out)
    weights = density_ratios(source.features, out.target.features)
    return dev_risk(source.losses, weights)


def atc(out: CheckpointOutputs, _ctx: Context = None) -> float:
    """Target pixel accuracy predicted by average thresholded confidence (higher)."""
    source = _source(out)
    if source.confidence is None or out.target.confidence is None:
        raise ValueError('ATC needs the confidence histograms of source and target')
    accuracy = source.areas[0].sum() / max(source.areas[3].sum(), 1.0)
    return average_thresholded_confidence(source.confidence, accuracy, out.target.confidence)


def mixval(out: CheckpointOutputs, _ctx: Context = None) -> float:
    """MixVal (Hu et al., NeurIPS 2023): the mean of the intra- and inter-cluster probe accuracies (higher).

    Each target image is mixed with a partner (``0.55 * a + 0.45 * b``) and the prediction on the mix is
    compared with ``a``'s own pseudo-label: where the two images' pseudo-labels agree (intra-cluster: is the
    neighbourhood dense?) and where they differ (inter-cluster: is the boundary where the model puts it?).
    A kind of probe that never occurs counts as accuracy 0: a model that predicts one class everywhere has no
    boundary to probe and must not score a perfect 1.
    """
    target = out.target
    if target.mix_counts is None or not target.mix_counts.sum():
        raise ValueError('MixVal needs at least two target images scored in one batch (--batch-size >= 2)')
    accuracy = np.divide(target.mix_hits, target.mix_counts, out=np.zeros(2), where=target.mix_counts > 0)
    return float(accuracy.mean())


CRITERIA: Dict[str, Criterion] = {
    'entropy': Criterion(mean_entropy, False, summary='mean target prediction entropy'),
    'info_max': Criterion(information_maximisation, True, summary='entropy of mean prediction - mean entropy'),
    'agreement': Criterion(agreement, True, needs_reference=True,
                           summary='pixel agreement with the reference (majority vote or --reference)'),
    'snd': Criterion(snd, True, summary='soft neighbourhood density (Saito et al. 2021)'),
    'source_miou': Criterion(source_miou, True, needs_source=True, summary='source validation mIoU (naive)'),
    'source_loss': Criterion(source_loss, False, needs_source=True, summary='source validation cross-entropy'),
    'dev': Criterion(dev, False, needs_source=True,
                     summary='importance-weighted source validation loss (DEV, You et al. 2019)'),
    'atc': Criterion(atc, True, needs_source=True,
                     summary='predicted target pixel accuracy, ATC (Garg et al. 2022)'),
    'mixval': Criterion(mixval, True, summary='accuracy on mixed target images, MixVal (Hu et al. 2023)'),
}


def resize_labels(labels: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """(N, H, W) labels resized (nearest) to ``shape`` (N, H', W'), e.g. to compare runs of two test sizes.

    Raises:
        ValueError: If the number of images differs.
    """
    if labels.shape == tuple(shape):
        return labels
    if labels.shape[0] != shape[0]:
        raise ValueError(f'labels of {labels.shape[0]} target images cannot be compared with {shape[0]}')
    resized = torch.nn.functional.interpolate(torch.from_numpy(labels)[:, None].float(), size=tuple(shape[1:]),
                                              mode='nearest')
    return resized[:, 0].to(torch.uint8).numpy()


def majority_vote(labels: Sequence[np.ndarray], num_classes: int) -> np.ndarray:
    """Per-pixel most frequent label over the candidates, at the first one's size (ties: the lowest class)."""
    shape = labels[0].shape
    counts = np.zeros((num_classes, *shape), np.int32)
    for lab in labels:
        lab = resize_labels(lab, shape)
        for c in range(num_classes):
            counts[c] += lab == c
    return counts.argmax(axis=0).astype(np.uint8)

"""MIC's masked image (Hoyer et al., CVPR 2023): random square patches of the target image set to zero."""
import math
from typing import Any, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

#: MIC's patch size at full resolution (Cityscapes at 2048x1024); 32 px at half resolution.
MIC_BLOCK_AT_FULL_RESOLUTION = 64


def resize_factor(data_samples: Optional[Sequence[Any]]) -> float:
    """How much the pipeline resized the images of ``data_samples`` from their original resolution.

    Read from each sample's ``scale_factor`` (mmcv's ``Resize``: ``(w_scale, h_scale)``, the geometric mean
    of the two), averaged over the batch; a sample without one was not resized (a crop does not change the
    resolution), factor 1. ``scale_factor`` is relative to the image its ``Resize`` received, so a pipeline
    with two resizes reports the last one only.
    """
    factors = []
    for sample in data_samples or ():
        meta = sample.metainfo if hasattr(sample, 'metainfo') else dict(sample)
        scale = meta.get('scale_factor')
        if scale is None:
            factors.append(1.0)
            continue
        scale = [float(v) for v in np.atleast_1d(np.asarray(scale, dtype=float))]
        factors.append(math.sqrt(scale[0] * scale[-1]))
    return float(np.mean(factors)) if factors else 1.0


def mask_block_size(factor: float = 1.0, block_size: Optional[int] = None) -> int:
    """``block_size``, or MIC's 64 px at full resolution times the images' resize ``factor`` (at least 1).

    MIC masks 64 px blocks at Cityscapes' full resolution and 32 px at half resolution, so the block covers
    the same part of the scene at any input size: e.g. Cityscapes resized to 1280x640 gets 40 px.
    """
    if block_size is not None:
        if isinstance(block_size, bool) or int(block_size) < 1:
            raise ValueError(f'MIC mask block size must be >= 1, got {block_size}')
        return int(block_size)
    if not factor > 0:
        raise ValueError(f'MIC mask block size: the images\' resize factor must be > 0, got {factor}')
    return max(1, round(MIC_BLOCK_AT_FULL_RESOLUTION * factor))


def block_mask(shape: Tuple[int, int, int], block_size: int, mask_ratio: float,
               generator: Optional[torch.Generator] = None, device=None) -> Tensor:
    """A ``(N, 1, H, W)`` float mask of ``block_size`` squares, each 0 (masked) with probability ``mask_ratio``."""
    if not 0 <= mask_ratio < 1:
        raise ValueError(f'MIC mask ratio must be in [0, 1), got {mask_ratio}')
    n, h, w = shape
    grid = (-(-h // block_size), -(-w // block_size))
    keep = (torch.rand((n, 1) + grid, generator=generator) >= mask_ratio).float()
    keep = F.interpolate(keep, scale_factor=block_size, mode='nearest')[:, :, :h, :w]
    return keep.to(device) if device is not None else keep


def masked_images(inputs: Tensor, block_size: int, mask_ratio: float,
                  generator: Optional[torch.Generator] = None) -> Tensor:
    """``inputs`` (normalised) with masked patches set to 0, the dataset mean colour, as MIC."""
    mask = block_mask((inputs.shape[0], ) + tuple(inputs.shape[2:]), block_size, mask_ratio, generator,
                      inputs.device)
    return inputs * mask.to(inputs.dtype)

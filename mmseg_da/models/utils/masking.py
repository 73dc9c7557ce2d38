"""MIC's masked image (Hoyer et al., CVPR 2023): random square patches of the target image set to zero."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

MIC_BLOCK_AT_1024 = 64  # MIC's patch size at its 1024x1024 crops


def mask_block_size(image_size: Tuple[int, int], block_size: Optional[int] = None) -> int:
    """``block_size``, or MIC's 64 px at 1024 px scaled to the shorter side of ``image_size`` (at least 1)."""
    if block_size is not None:
        if int(block_size) < 1:
            raise ValueError(f'MIC mask block size must be >= 1, got {block_size}')
        return int(block_size)
    return max(1, round(min(image_size) * MIC_BLOCK_AT_1024 / 1024))


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

"""ClassMix (Olsson et al., WACV 2021) as used by DACS (Tranheden et al., WACV 2021)."""
from typing import List, Optional, Tuple

import torch
from torch import Tensor


def class_mix_masks(labels: Tensor,
                    ignore_index: int = 255,
                    generator: Optional[torch.Generator] = None) -> Tuple[Tensor, List[Tensor]]:
    """Masks of half of the classes present in each source label map.

    For each ``(H, W)`` label map, ``ceil(n / 2)`` of its ``n`` classes (``ignore_index`` excluded)
    are drawn at random without replacement; the mask is True where the label is one of them.

    Args:
        labels (Tensor): ``(N, H, W)`` or ``(N, 1, H, W)`` integer source labels.
        ignore_index (int): Label value that is never selected.
        generator (torch.Generator, optional): Source of randomness (global RNG by default).

    Returns:
        tuple: Bool masks ``(N, H, W)`` and, per image, the selected classes.
    """
    if labels.dim() == 4:
        labels = labels.squeeze(1)
    masks, chosen = [], []
    for label in labels:
        classes = torch.unique(label)
        classes = classes[classes != ignore_index]
        n_pick = (classes.numel() + 1) // 2
        perm = torch.randperm(classes.numel(), generator=generator)[:n_pick].to(classes.device)
        picked = classes[perm]
        masks.append(torch.isin(label, picked))
        chosen.append(picked)
    if not masks:
        return labels.new_zeros(labels.shape, dtype=torch.bool), chosen
    return torch.stack(masks), chosen


def mix(mask: Tensor, source: Tensor, target: Tensor) -> Tensor:
    """``source`` where ``mask`` is True, ``target`` elsewhere; ``mask`` is ``(N, H, W)``.

    ``source``/``target`` are ``(N, H, W)`` or ``(N, C, H, W)`` (the mask is broadcast over C).
    """
    if source.shape != target.shape:
        raise ValueError(f'ClassMix: source and target must have the same shape, got '
                         f'{tuple(source.shape)} and {tuple(target.shape)} (use the same crop size on '
                         'both branches).')
    if source.dim() == 4:
        mask = mask.unsqueeze(1)
    return torch.where(mask, source, target)

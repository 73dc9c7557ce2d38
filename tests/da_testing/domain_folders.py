"""Writers of tiny own-data folders (a domain per sub-folder or per file-name prefix) and ISPRS tile folders."""
from pathlib import Path
from typing import Dict, Sequence

import cv2
import numpy as np

from .writers import paint_mask


def _write_pair(rng: np.random.Generator, img_path: Path, mask_path: Path, size: int, n_values: int,
                tint: int) -> None:
    mask = paint_mask(rng, size, n_values)
    img_path.parent.mkdir(parents=True, exist_ok=True)
    # the image shows its mask (one grey level per value) plus a per-domain tint: the domains differ
    image = np.clip(np.dstack([mask * (200 // max(n_values - 1, 1))] * 3).astype(np.int32) + tint, 0, 255)
    assert cv2.imwrite(str(img_path), image.astype(np.uint8))
    if mask_path is not None:
        mask_path.parent.mkdir(parents=True, exist_ok=True)
        assert cv2.imwrite(str(mask_path), mask)


def write_domain_folders(root: Path, counts: Dict[str, Dict[str, int]], labelled: Dict[str, Sequence[str]],
                         n_classes: int = 3, size: int = 32, by_pattern: bool = False, img_dir: str = 'images',
                         ann_dir: str = 'masks', seed: int = 0) -> Path:
    """Write ``root/<img_dir>/<split>/<domain>/<i>.png`` and masks under ``<ann_dir>`` the same way.

    Args:
        counts: split -> domain -> number of images.
        labelled: split -> the domains whose images get masks (values ``0..n_classes-1``).
        by_pattern: Put every domain in one folder per split, as ``<domain>_<i>.png``, instead.
    """
    rng = np.random.default_rng(seed)
    for split, domains in counts.items():
        for d, (domain, n) in enumerate(domains.items()):
            for i in range(n):
                rel = Path(split) / (f'{domain}_{i}.png' if by_pattern else f'{domain}/{i}.png')
                mask = root / ann_dir / rel if domain in labelled.get(split, ()) else None
                _write_pair(rng, root / img_dir / rel, mask, size, n_classes, tint=40 * d)
    return root


# Tile names as mmseg's converters write them: Potsdam <i>_<j>_<x0>_<y0>_<x1>_<y1>.png, Vaihingen
# area<k>_<x0>_<y0>_<x1>_<y1>.png.
ISPRS_NAMES = {'potsdam': {'train': ['2_10_0_0_32_32', '2_10_16_0_48_32'], 'val': ['2_13_0_0_32_32']},
               'vaihingen': {'train': ['area1_0_0_32_32', 'area1_16_0_48_32'], 'val': ['area6_0_0_32_32']}}


def write_isprs(root: Path, size: int = 32, seed: int = 0) -> Path:
    """Write ``root/{potsdam,vaihingen}/{img_dir,ann_dir}/{train,val}/<tile>.png`` as mmseg's converters do.

    Masks hold 0 (boundary, ignored) and the classes 1..6.
    """
    rng = np.random.default_rng(seed)
    for d, (dataset, splits) in enumerate(ISPRS_NAMES.items()):
        for split, names in splits.items():
            for name in names:
                _write_pair(rng, root / dataset / 'img_dir' / split / f'{name}.png',
                            root / dataset / 'ann_dir' / split / f'{name}.png', size, 7, tint=60 * d)
    return root

"""A small, deterministic two-domain dataset in LoveDA's original layout (the demo's and the tests' data).

Layout: ``{Train,Val}/{Urban,Rural}/{images_png,masks_png}/<i>.png`` and ``Test/{Urban,Rural}/images_png``;
masks are uint8 with 0 = no-data and 1..7 = background, building, road, water, barren, forest,
agriculture, as in LoveDA. Both domains draw their scenes from the same layout generator (fields, roads,
buildings, water, forest, barren patches), with Urban favouring buildings and roads and Rural favouring
fields and forest; they differ in appearance (each class's colour, texture and the illumination), so a
model trained on one domain loses accuracy on the other, as with real Urban/Rural tiles.
"""
import os
import os.path as osp
from typing import Dict, Tuple

import cv2
import numpy as np

NO_DATA, BACKGROUND, BUILDING, ROAD, WATER, BARREN, FOREST, AGRICULTURE = range(8)

# Per-domain appearance: BGR base colour of each class, texture strength and global illumination.
APPEARANCE: Dict[str, dict] = {
    'Urban': dict(
        colours={BACKGROUND: (150, 150, 150), BUILDING: (90, 90, 200), ROAD: (70, 70, 70),
                 WATER: (140, 90, 40), BARREN: (120, 170, 200), FOREST: (40, 110, 40),
                 AGRICULTURE: (80, 170, 120)},
        texture=12, gain=1.0, bias=0),
    'Rural': dict(
        colours={BACKGROUND: (110, 140, 120), BUILDING: (150, 150, 150), ROAD: (120, 170, 200),
                 WATER: (90, 70, 40), BARREN: (150, 150, 170), FOREST: (30, 70, 30),
                 AGRICULTURE: (40, 140, 150)},
        texture=28, gain=0.8, bias=15),
}
# Expected number of each structure per tile: (buildings, roads, water, forest, barren, fields).
LAYOUT: Dict[str, Tuple[int, int, int, int, int, int]] = {
    'Urban': (9, 3, 1, 1, 1, 1),
    'Rural': (2, 1, 1, 3, 1, 4),
}


def make_mask(rng: np.random.Generator, size: int, domain: str) -> np.ndarray:
    """Paint one scene layout: shapes of each class over a background, sometimes a no-data band."""
    mask = np.full((size, size), BACKGROUND, np.uint8)
    buildings, roads, water, forest, barren, fields = LAYOUT[domain]
    s = size
    for _ in range(rng.poisson(fields)):
        x, y = rng.integers(0, s, 2)
        w, h = rng.integers(s // 6, s // 2, 2)
        cv2.rectangle(mask, (int(x), int(y)), (int(x + w), int(y + h)), AGRICULTURE, -1)
    for cls, n in ((FOREST, forest), (WATER, water), (BARREN, barren)):
        for _ in range(rng.poisson(n)):
            centre = tuple(int(v) for v in rng.integers(0, s, 2))
            axes = tuple(int(v) for v in rng.integers(s // 12, s // 4, 2))
            cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, cls, -1)
    for _ in range(max(1, rng.poisson(roads))):
        p1 = tuple(int(v) for v in rng.integers(0, s, 2))
        p2 = tuple(int(v) for v in rng.integers(0, s, 2))
        cv2.line(mask, p1, p2, ROAD, int(rng.integers(max(2, s // 40), max(3, s // 16))))
    for _ in range(rng.poisson(buildings)):
        x, y = rng.integers(0, s, 2)
        w, h = rng.integers(max(3, s // 20), max(4, s // 7), 2)
        cv2.rectangle(mask, (int(x), int(y)), (int(x + w), int(y + h)), BUILDING, -1)
    if rng.random() < 0.25:  # a no-data band along one edge, as at LoveDA's tile borders
        mask[:, : int(rng.integers(2, max(3, s // 10)))] = NO_DATA
    return mask


def render(rng: np.random.Generator, mask: np.ndarray, domain: str) -> np.ndarray:
    """Colour a mask with the domain's class colours, texture noise and illumination gradient."""
    look = APPEARANCE[domain]
    size = mask.shape[0]
    img = np.zeros((size, size, 3), np.float32)
    for cls, colour in look['colours'].items():
        img[mask == cls] = colour
    noise = rng.normal(0, look['texture'], (size // 4 + 1, size // 4 + 1, 3)).astype(np.float32)
    img += cv2.resize(noise, (size, size), interpolation=cv2.INTER_LINEAR)
    img += rng.normal(0, look['texture'] / 3, img.shape).astype(np.float32)
    ramp = np.linspace(0.85, 1.15, size, dtype=np.float32)[None, :, None]
    img = img * look['gain'] * ramp + look['bias']
    img[mask == NO_DATA] = 0
    return np.clip(img, 0, 255).astype(np.uint8)


def write_split(root: str, split: str, domain: str, count: int, size: int, seed: int,
                with_masks: bool = True) -> None:
    """Write ``count`` tiles (and masks) of one split and domain; each split and domain has its own stream."""
    rng = np.random.default_rng([seed, ['Train', 'Val', 'Test'].index(split),
                                 ['Urban', 'Rural'].index(domain)])
    img_dir = osp.join(root, split, domain, 'images_png')
    os.makedirs(img_dir, exist_ok=True)
    if with_masks:
        os.makedirs(osp.join(root, split, domain, 'masks_png'), exist_ok=True)
    for i in range(count):
        mask = make_mask(rng, size, domain)
        cv2.imwrite(osp.join(img_dir, f'{i}.png'), render(rng, mask, domain))
        if with_masks:
            cv2.imwrite(osp.join(root, split, domain, 'masks_png', f'{i}.png'), mask)


def make_synthetic_loveda(root: str, size: int = 128, train: int = 24, val: int = 8, test: int = 4,
                          seed: int = 0) -> str:
    """Write the dataset under ``root`` (deterministic for a given seed) and return ``root``."""
    for domain in ('Urban', 'Rural'):
        write_split(root, 'Train', domain, train, size, seed)
        write_split(root, 'Val', domain, val, size, seed)
        write_split(root, 'Test', domain, test, size, seed, with_masks=False)
    return root

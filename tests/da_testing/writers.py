"""Writers of tiny LoveDA- and CamVid-layout folders (real PNGs) for the dataset tests."""
from pathlib import Path
from typing import Dict, Sequence

import cv2
import numpy as np

# One distinct BGR colour per LoveDA mask value 0..7, so an image painted from its mask tells the label.
LOVEDA_COLOURS = np.array([[0, 0, 0], [200, 200, 200], [0, 0, 220], [90, 90, 90], [220, 120, 0],
                           [60, 180, 230], [0, 120, 0], [80, 220, 160]], np.uint8)


def paint_mask(rng: np.random.Generator, size: int, n_values: int = 8) -> np.ndarray:
    """A mask of 8x8 blocks with random values in ``0..n_values-1``."""
    blocks = rng.integers(0, n_values, (size // 8 + 1, size // 8 + 1)).astype(np.uint8)
    return np.kron(blocks, np.ones((8, 8), np.uint8))[:size, :size]


def write_loveda(root: Path,
                 counts: Dict[str, Dict[str, int]] = None,
                 size: int = 32,
                 seed: int = 0) -> Path:
    """Write ``root/{split}/{domain}/{images_png,masks_png}/<i>.png``; ``Test`` gets images only.

    ``counts`` maps split -> domain -> number of tiles (default: Train 4/3, Val 2/2, Test 1/1 for
    Urban/Rural). Images are the masks painted with ``LOVEDA_COLOURS``.
    """
    counts = counts or {'Train': {'Urban': 4, 'Rural': 3}, 'Val': {'Urban': 2, 'Rural': 2},
                        'Test': {'Urban': 1, 'Rural': 1}}
    rng = np.random.default_rng(seed)
    for split, domains in counts.items():
        for domain, n in domains.items():
            img_dir = root / split / domain / 'images_png'
            img_dir.mkdir(parents=True, exist_ok=True)
            mask_dir = root / split / domain / 'masks_png'
            if split != 'Test':
                mask_dir.mkdir(parents=True, exist_ok=True)
            for i in range(n):
                mask = paint_mask(rng, size)
                assert cv2.imwrite(str(img_dir / f'{i}.png'), LOVEDA_COLOURS[mask])
                if split != 'Test':
                    assert cv2.imwrite(str(mask_dir / f'{i}.png'), mask)
    return root


def write_camvid(root: Path, names: Dict[str, Sequence[str]], size=(24, 32), seed: int = 0) -> Path:
    """Write a SegNet-layout CamVid folder: ``{split}.txt`` with /SegNet/CamVid/ paths, images, masks 0..11."""
    rng = np.random.default_rng(seed)
    for split, stems in names.items():
        (root / split).mkdir(parents=True, exist_ok=True)
        (root / f'{split}annot').mkdir(parents=True, exist_ok=True)
        lines = []
        for stem in stems:
            mask = paint_mask(rng, max(size), 12)[:size[0], :size[1]]
            mask[:4, :4] = 11  # every mask has some 'unlabelled'
            assert cv2.imwrite(str(root / split / f'{stem}.png'), np.dstack([mask * 20] * 3))
            assert cv2.imwrite(str(root / f'{split}annot' / f'{stem}.png'), mask)
            lines.append(f'/SegNet/CamVid/{split}/{stem}.png /SegNet/CamVid/{split}annot/{stem}.png')
        (root / f'{split}.txt').write_text('\n'.join(lines) + '\n')
    return root


def truncate_file(path: Path, keep: float = 0.5) -> Path:
    """Cut a real file to its first ``keep`` fraction of bytes, as an interrupted copy or download leaves it."""
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    return path


def write_text_as_png(path: Path) -> Path:
    """Overwrite ``path`` with text (an HTML error page saved under the image's name, say)."""
    path.write_text('<html><body>404 Not Found</body></html>\n')
    return path


def write_rgb_mask(path: Path) -> Path:
    """Overwrite the mask at ``path`` with a 3-channel copy of itself (values unchanged, channels tripled)."""
    mask = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert mask is not None and mask.ndim == 2
    assert cv2.imwrite(str(path), np.dstack([mask] * 3))
    return path


def write_gta5_and_cityscapes(root, size=(64, 64)):
    """GTA5 (images/, labels/ with Cityscapes label ids) and Cityscapes (leftImg8bit/, gtFine/) under one root."""
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    ids = np.array([7, 8, 11, 21, 23, 26, 0, 9])  # road, sidewalk, building, vegetation, sky, car, 2 ignored
    w, h = size

    def save(path, array):
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(array).save(path)

    for i in range(4):
        label = ids[np.kron(rng.integers(0, len(ids), (h // 8, w // 8)), np.ones((8, 8), int))].astype(np.uint8)
        save(root / 'images' / f'{i:05d}.png', np.dstack([label * 9, 255 - label * 7, label * 3]))
        save(root / 'labels' / f'{i:05d}.png', label)
    for split, n in (('train', 3), ('val', 2)):
        for i in range(n):
            train_ids = rng.integers(0, 19, (h, w)).astype(np.uint8)
            stem = f'city_{i:06d}_000019'
            save(root / 'leftImg8bit' / split / 'city' / f'{stem}_leftImg8bit.png',
                 np.dstack([train_ids * 12, train_ids * 5, 200 - train_ids * 9]))
            save(root / 'gtFine' / split / 'city' / f'{stem}_gtFine_labelTrainIds.png', train_ids)
    return root


def write_seg_folder(root: Path, masks: Sequence[np.ndarray]) -> Path:
    """Write ``root/img/<i>.png`` (grey, painted from the mask) and ``root/ann/<i>.png`` (the mask) per mask.

    The layout of mmseg's ``BaseSegDataset`` with ``data_prefix=dict(img_path='img', seg_map_path='ann')``.
    """
    (root / 'img').mkdir(parents=True, exist_ok=True)
    (root / 'ann').mkdir(parents=True, exist_ok=True)
    for i, mask in enumerate(masks):
        mask = np.asarray(mask, np.uint8)
        assert cv2.imwrite(str(root / 'img' / f'{i}.png'), np.dstack([mask * 20] * 3))
        assert cv2.imwrite(str(root / 'ann' / f'{i}.png'), mask)
    return root

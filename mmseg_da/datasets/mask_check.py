"""Check a dataset's mask files (channels, size, label values) without running its pipeline."""
import os
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image

from ._files import unreadable_file_error
from .dataset_wrappers import leaf_datasets

_MAX_NAMED = 5  # problems spelled out in the error before "... and N more"


def label_lut(reduce_zero_label: bool, label_map: Optional[dict]) -> np.ndarray:
    """Stored value -> training label for every uint8 value, as mmseg's ``LoadAnnotations`` maps them."""
    lut = np.arange(256, dtype=np.int64)
    if reduce_zero_label:
        lut = np.where(lut == 0, 255, lut - 1)
        lut[lut == 254] = 255
    if label_map:
        mapped = lut.copy()
        for old, new in label_map.items():
            mapped[lut == old] = new
        lut = mapped
    return lut


_JPEG_END = b'\xff\xd9'
_JPEG_TAIL = 1024  # bytes searched for the end-of-image marker (a few writers append padding or metadata)


def image_problem(img_path: str) -> Tuple[Optional[str], Optional[Tuple[int, int]]]:
    """``(what is wrong with the image file, its size (w, h))``, without decoding its pixels.

    PIL's ``verify`` walks a PNG's chunks and checks their CRCs up to the end chunk (a truncated or corrupt
    PNG fails; cost measured: docs/promises.md); a JPEG must end with its end-of-image marker (a cut-short
    JPEG does not).
    """
    try:
        with Image.open(img_path) as img:
            img_size, img_format = img.size, img.format
            img.verify()
        if img_format == 'JPEG':
            with open(img_path, 'rb') as f:
                f.seek(max(0, os.path.getsize(img_path) - _JPEG_TAIL))
                if _JPEG_END not in f.read():
                    raise OSError('no JPEG end-of-image marker: the file is cut short')
    except (OSError, SyntaxError) as exc:
        return str(unreadable_file_error(img_path, 'image', exc)), None
    return None, img_size


def mask_problem(info: dict, num_classes: int, ignore_index: int = 255, read_values: bool = True) -> Optional[str]:
    """What is wrong with the mask of one data info (a sentence naming it), or None.

    Reads the PNG header of the mask, verifies its image's file without decoding it (:func:`image_problem`:
    a truncated validation image is found before training, not at the first validation); with
    ``read_values`` also decodes the mask and checks that, after the sample's
    ``reduce_zero_label``/``label_map``, every value is a class index or ``ignore_index`` (which also finds
    truncated mask files).
    """
    seg_path, img_path = info['seg_map_path'], info['img_path']
    problem, img_size = image_problem(img_path)
    if problem is not None:
        return problem
    try:
        with Image.open(seg_path) as seg:
            bands = seg.getbands()
            if len(bands) != 1:
                return (f'mask {seg_path} has {len(bands)} channels (PNG mode {seg.mode}), but masks must be '
                        f'single-channel images of label values (mode L or P)')
            if seg.size != img_size:
                return (f'mask {seg_path} is {seg.size[1]}x{seg.size[0]} (HxW) but its image {img_path} is '
                        f'{img_size[1]}x{img_size[0]}')
            values = np.asarray(seg) if read_values else None
    except (OSError, SyntaxError) as exc:
        return str(unreadable_file_error(seg_path, 'mask', exc))
    if values is None:
        return None
    if values.dtype != np.uint8:  # 16-bit masks: mmseg casts them to uint8
        wide = np.unique(values[(values < 0) | (values > 255)])
        if wide.size:
            return f'mask {seg_path} holds values {wide[:10].tolist()} that do not fit in 8 bits'
        values = values.astype(np.uint8)
    present = np.flatnonzero(np.bincount(values.ravel(), minlength=256))
    labels = label_lut(info.get('reduce_zero_label', False), info.get('label_map'))[present]
    bad = (labels >= num_classes) & (labels != ignore_index)
    if bad.any():
        return (f'mask {seg_path} holds values {present[bad].tolist()}, which become labels '
                f'{sorted(set(labels[bad].tolist()))} outside the classes 0..{num_classes - 1} and the ignore '
                f'index {ignore_index} (reduce_zero_label={info.get("reduce_zero_label", False)}, label_map '
                f'{"set" if info.get("label_map") else "None"})')
    return None


def check_dataset_masks(dataset, what: str = 'dataset', read_values: bool = True) -> int:
    """Check the mask of every sample of ``dataset`` (see :func:`mask_problem`); return how many were checked.

    Samples without ``seg_map_path`` (image-only splits) are skipped.

    Raises:
        ValueError: One paragraph with the number of bad masks and the first few problems, by file.
    """
    problems: List[str] = []
    checked = 0
    for leaf in leaf_datasets(dataset):
        leaf.full_init()
        num_classes = len(leaf.metainfo['classes'])
        ignore_index = getattr(leaf, 'ignore_index', 255)
        for idx in range(len(leaf)):
            info = leaf.get_data_info(idx)
            if 'seg_map_path' not in info:
                continue
            checked += 1
            problem = mask_problem(info, num_classes, ignore_index, read_values)
            if problem is not None:
                problems.append(problem)
    if problems:
        more = f'; ... and {len(problems) - _MAX_NAMED} more' if len(problems) > _MAX_NAMED else ''
        raise ValueError(f'{len(problems)} of the {checked} masks of the {what} are unusable: '
                         + '; '.join(problems[:_MAX_NAMED]) + more)
    return checked

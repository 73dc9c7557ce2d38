"""Rare-class sampling (DAFormer, Hoyer et al., CVPR 2022): per-class source label statistics and the sampler.

Per class c, ``f_c`` is its share of all labelled source pixels and ``P(c) = softmax((1 - f_c) / T)``. A source
sample is drawn as: a class c from P, then uniformly one image whose label file holds at least
``min_pixel_ratio`` of its pixels of c, then the source pipeline is re-run (a new random crop) while its output
keeps fewer than ``min_crop_ratio * crop_pixel_ratio`` of the resized image's pixels of c.

DAFormer counts 3000 pixels of c in the label file as GTA5 ships it (1914x1052; the statistics are computed
before any resize), and asks the 512x512 crop of the image resized to 1280x720 to keep ``0.5 * 3000`` pixels.
As shares: ``min_pixel_ratio = 3000 / (1914 * 1052)`` of the label file, and ``crop_pixel_ratio = 3000 /
(1280 * 720)`` of the resized image (its label pixels times the area of the pipeline's ``scale_factor``), so
other datasets and sizes keep DAFormer's proportions.
"""
import hashlib
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import LoadAnnotations
from mmengine.dataset import ConcatDataset
from mmengine.logging import print_log

from mmseg_da.fileio.atomic_files import write_text_atomically

IGNORE_INDEX = 255
DEFAULT_CACHE_DIR = os.path.join('work_dirs', '.cache', 'rare_class_sampling')
#: DAFormer's 3000 pixels of the original 1914x1052 GTA5 label (image eligibility), as a share of the label.
GTA5_MIN_PIXEL_RATIO = 3000 / (1914 * 1052)
#: DAFormer's 3000 pixels of the GTA5 image resized to 1280x720 (the crop check's unit), as a share of it.
GTA5_CROP_PIXEL_RATIO = 3000 / (1280 * 720)
RCS_DEFAULTS: Dict[str, Any] = dict(temperature=0.01, min_pixel_ratio=GTA5_MIN_PIXEL_RATIO,
                                    crop_pixel_ratio=GTA5_CROP_PIXEL_RATIO, min_crop_ratio=0.5,
                                    max_crop_tries=10, cache_dir=None)
_CACHE_VERSION = 1


def rcs_options(cfg: Optional[dict]) -> Optional[dict]:
    """Check the ``rare_class_sampling`` option of ``UDADataset`` and fill in its defaults (None: off).

    Raises:
        TypeError: ``cfg`` is not a dict or None.
        ValueError: An unknown key, a temperature <= 0, a ratio outside (0, 1], or ``max_crop_tries`` < 1.
    """
    if cfg is None:
        return None
    if not isinstance(cfg, dict):
        raise TypeError(f'rare_class_sampling must be a dict (of {sorted(RCS_DEFAULTS)}) or None, got {cfg!r}')
    unknown = sorted(set(cfg) - set(RCS_DEFAULTS))
    if unknown:
        raise ValueError(f'unknown rare_class_sampling key(s) {unknown}; known keys: {sorted(RCS_DEFAULTS)}')
    opts = {**RCS_DEFAULTS, **cfg}
    temperature = opts['temperature']
    if not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ValueError(f'rare_class_sampling temperature must be > 0, got {temperature!r}')
    for key in ('min_pixel_ratio', 'crop_pixel_ratio', 'min_crop_ratio'):
        if not isinstance(opts[key], (int, float)) or not 0 < opts[key] <= 1:
            raise ValueError(f'rare_class_sampling {key} must be in (0, 1], got {opts[key]!r}')
    tries = opts['max_crop_tries']
    if not isinstance(tries, int) or isinstance(tries, bool) or tries < 1:
        raise ValueError(f'rare_class_sampling max_crop_tries must be an int >= 1, got {tries!r}')
    return opts


@dataclass
class LabelStats:
    """Pixel counts of the source labels, as the source pipelines load them.

    Attributes:
        label_files (list[str]): The label file of each source sample, in dataset order.
        class_pixels (np.ndarray): ``(n_samples, n_classes)`` pixels of each class (ignore index excluded).
        image_pixels (np.ndarray): ``(n_samples,)`` pixels of each label map.
    """

    label_files: List[str]
    class_pixels: np.ndarray
    image_pixels: np.ndarray


def _leaves(dataset: Any) -> Iterator[Any]:
    """The datasets with a pipeline under (nested) ``ConcatDataset``s, in index order."""
    if isinstance(dataset, ConcatDataset):
        for sub in dataset.datasets:
            yield from _leaves(sub)
    elif hasattr(dataset, 'pipeline') and hasattr(dataset, 'get_data_info'):
        yield dataset
    else:
        raise TypeError(f'rare-class sampling needs source datasets with a pipeline (mmengine BaseDataset, or '
                        f'ConcatDataset of them), got {type(dataset).__name__}')


def _annotation_loader(dataset: Any) -> LoadAnnotations:
    for transform in getattr(dataset.pipeline, 'transforms', []):
        if isinstance(transform, LoadAnnotations):
            return transform
    raise ValueError(f'rare-class sampling reads the source labels with the source pipeline\'s LoadAnnotations, '
                     f'but the pipeline of {type(dataset).__name__} has none: {dataset.pipeline!r}')


def _label_infos(source: Any) -> List[Tuple[LoadAnnotations, dict]]:
    """(label loader, data info) of every source sample, in index order."""
    pairs = []
    for leaf in _leaves(source):
        loader = _annotation_loader(leaf)
        for i in range(len(leaf)):
            info = leaf.get_data_info(i)
            if not info.get('seg_map_path'):
                raise ValueError(f'rare-class sampling: source sample {i} of {type(leaf).__name__} '
                                 f'({info.get("img_path")}) has no seg_map_path')
            pairs.append((loader, info))
    return pairs


def _cache_key(pairs: Sequence[Tuple[LoadAnnotations, dict]], num_classes: int) -> str:
    digest = hashlib.sha256(f'v{_CACHE_VERSION} classes={num_classes}\n'.encode())
    for loader, info in pairs:
        path = info['seg_map_path']
        stat = os.stat(path)
        label_map = info.get('label_map')
        label_map = sorted(label_map.items()) if label_map else None
        # reduce_zero_label and label_map travel in the data info, not in the loader's repr
        digest.update(f'{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{loader!r}\0{info.get("reduce_zero_label")}'
                      f'\0{label_map}\n'.encode())
    return digest.hexdigest()


def load_label(loader: LoadAnnotations, info: dict) -> np.ndarray:
    """One source label map, loaded by the source pipeline's own annotation loader."""
    results = dict(info)
    results.setdefault('seg_fields', [])
    return np.asarray(loader(results)['gt_seg_map'])


def _count(label: np.ndarray, num_classes: int, path: str) -> np.ndarray:
    values = label[label != IGNORE_INDEX].astype(np.int64)
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        bad = int(values.max() if values.max() >= num_classes else values.min())
        raise ValueError(f'rare-class sampling: label {path} holds the value {bad}, not a class index 0..'
                         f'{num_classes - 1} nor the ignore index {IGNORE_INDEX}')
    return np.bincount(values, minlength=num_classes)


def _read_cache(path: Path, key: str, n_samples: int, num_classes: int) -> Optional[LabelStats]:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        if data['key'] != key:
            raise ValueError('its key does not match')
        class_pixels = np.asarray(data['class_pixels'], dtype=np.int64).reshape(-1, num_classes)
        image_pixels = np.asarray(data['image_pixels'], dtype=np.int64)
        if not (len(class_pixels) == len(image_pixels) == len(data['label_files']) == n_samples):
            raise ValueError(f'it does not hold {n_samples} samples')
        if (class_pixels < 0).any() or (class_pixels.sum(1) > image_pixels).any():
            raise ValueError('it holds impossible pixel counts')
    except (OSError, ValueError, KeyError, TypeError) as exc:
        warnings.warn(f'rare-class sampling: the statistics cache {path} is unreadable ({exc}); recomputing it')
        return None
    return LabelStats(list(data['label_files']), class_pixels, image_pixels)


def _write_cache(path: Path, key: str, stats: LabelStats) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dict(version=_CACHE_VERSION, key=key, label_files=stats.label_files,
                class_pixels=stats.class_pixels.tolist(), image_pixels=stats.image_pixels.tolist())
    # concurrent writers (DDP ranks, dataloader workers) never leave a half-written cache
    write_text_atomically(str(path), json.dumps(data))


def label_stats(source: Any, num_classes: int, cache_dir: Optional[str] = None) -> LabelStats:
    """Per-sample class pixel counts of ``source``, read from the JSON cache in ``cache_dir`` or computed.

    Each label is loaded by the ``LoadAnnotations`` of its dataset's pipeline alone, with its data info, so
    ``label_map`` and ``reduce_zero_label`` apply as in training. The cache file is named by a hash of the
    label files (paths, sizes, modification times), the loader, the label maps and ``num_classes``: a
    changed label file gives a new file. ``cache_dir`` defaults to ``work_dirs/.cache/rare_class_sampling``
    under the current directory.
    """
    pairs = _label_infos(source)
    key = _cache_key(pairs, num_classes)
    path = Path(cache_dir or DEFAULT_CACHE_DIR) / f'{key[:24]}.json'
    stats = _read_cache(path, key, len(pairs), num_classes)
    if stats is not None:
        print_log(f'rare-class sampling: source label statistics read from {path}', logger='current')
        return stats
    print_log(f'rare-class sampling: counting the classes of {len(pairs)} source labels (once; cached in {path})',
              logger='current')
    class_pixels = np.zeros((len(pairs), num_classes), np.int64)
    image_pixels = np.zeros(len(pairs), np.int64)
    for i, (loader, info) in enumerate(pairs):
        label = load_label(loader, info)
        class_pixels[i] = _count(label, num_classes, info['seg_map_path'])
        image_pixels[i] = label.size
    stats = LabelStats([info['seg_map_path'] for _, info in pairs], class_pixels, image_pixels)
    _write_cache(path, key, stats)
    return stats


def _ground_truth(data: Any) -> Tuple[np.ndarray, float]:
    """The label of a source pipeline output (packed or not) and the area scale of its resize."""
    sample = data.get('data_samples') if isinstance(data, dict) else None
    if sample is not None and 'gt_sem_seg' in sample:
        label, meta = sample.gt_sem_seg.data, sample.metainfo
    elif isinstance(data, dict) and 'gt_seg_map' in data:
        label, meta = data['gt_seg_map'], data
    else:
        raise ValueError('rare-class sampling: the source pipeline output has no labels (neither '
                         'data_samples.gt_sem_seg nor gt_seg_map)')
    scale = meta.get('scale_factor')
    area = float(np.prod(scale)) if scale is not None else 1.0
    return np.asarray(label), area


class RareClassSampler:
    """Draws source samples by rare-class sampling from the statistics of the source labels.

    Args:
        stats (LabelStats): The source label statistics.
        class_names (Sequence[str]): Name of each class (for the log).
        temperature (float): Softmax temperature T; small T favours rare classes strongly.
        min_pixel_ratio (float): An image is drawn for class c if its label file holds at least this share
            of its pixels of c.
        min_crop_ratio (float): The pipeline output must keep ``min_crop_ratio * crop_pixel_ratio`` of the
            resized image's pixels of c (the label file's pixels times the area of the pipeline's resize,
            ``scale_factor``), else the pipeline runs again.
        max_crop_tries (int): Pipeline runs per sample at most; the last one is kept.
        crop_pixel_ratio (float): The unit of the crop check, a share of the resized image (None: the
            ``min_pixel_ratio``).

    Attributes:
        frequencies (np.ndarray): ``f_c`` of every class (0 for absent classes).
        classes (np.ndarray): The classes that can be drawn: present with at least one qualifying image.
        probabilities (np.ndarray): ``P(c)`` of each of ``classes``.
        samples_with_class (dict): class -> indices of the source samples it can be drawn from.
    """

    def __init__(self, stats: LabelStats, class_names: Sequence[str], temperature: float, min_pixel_ratio: float,
                 min_crop_ratio: float, max_crop_tries: int, crop_pixel_ratio: Optional[float] = None) -> None:
        totals = stats.class_pixels.sum(0)
        if totals.sum() == 0:
            raise ValueError(f'rare-class sampling: the {len(stats.label_files)} source labels hold no labelled '
                             f'pixel (all are the ignore index {IGNORE_INDEX})')
        self.class_names = list(class_names)
        self.min_pixel_ratio = min_pixel_ratio
        self.min_crop_ratio = min_crop_ratio
        self.crop_pixel_ratio = min_pixel_ratio if crop_pixel_ratio is None else crop_pixel_ratio
        self.max_crop_tries = max_crop_tries
        self.image_pixels = stats.image_pixels
        self.frequencies = totals / totals.sum()
        min_pixels = min_pixel_ratio * stats.image_pixels
        self.samples_with_class: Dict[int, np.ndarray] = {}
        for c in np.flatnonzero(totals):
            samples = np.flatnonzero(stats.class_pixels[:, c] >= min_pixels)
            if len(samples):
                self.samples_with_class[int(c)] = samples
        self.unsampled = [int(c) for c in np.flatnonzero(totals) if int(c) not in self.samples_with_class]
        self.classes = np.array(sorted(self.samples_with_class), np.int64)
        logits = (1 - self.frequencies[self.classes]) / temperature
        weights = np.exp(logits - logits.max())
        self.probabilities = weights / weights.sum()

    def draw(self, rng: np.random.Generator) -> Tuple[int, int]:
        """A class by ``P`` and, uniformly, a source sample index holding enough pixels of it."""
        c = int(self.classes[rng.choice(len(self.classes), p=self.probabilities)])
        samples = self.samples_with_class[c]
        return c, int(samples[rng.integers(len(samples))])

    def sample(self, source: Any, rng: np.random.Generator) -> Any:
        """Draw a class and a sample, and run the source pipeline until the output keeps enough of the class."""
        c, index = self.draw(rng)
        for _ in range(self.max_crop_tries):
            data = source[index]  # the pipeline draws a new random crop / augmentation each time
            label, area = _ground_truth(data)
            if (label == c).sum() >= self.min_crop_pixels(index, area):
                break
        return data

    def min_crop_pixels(self, index: int, area: float = 1.0) -> float:
        """Pixels of the drawn class the pipeline output of sample ``index`` must keep, for a resize of
        ``area`` (the product of its ``scale_factor``)."""
        return self.min_crop_ratio * self.crop_pixel_ratio * float(self.image_pixels[index]) * area

    def summary(self) -> str:
        """One line per class: frequency, sampling probability and number of images it is drawn from."""
        probs = dict(zip(self.classes.tolist(), self.probabilities.tolist()))
        lines = ['rare-class sampling: class, source pixel frequency, sampling probability, images']
        for c, name in enumerate(self.class_names):
            images = len(self.samples_with_class.get(c, ()))
            lines.append(f'  {c:3d} {name:<20} {self.frequencies[c]:.6f} {probs.get(c, 0.0):.6f} {images}')
        if self.unsampled:
            lines.append(f'  present but never drawn (no image holds {self.min_pixel_ratio:.2e} of its pixels '
                         f'of them): {[self.class_names[c] for c in self.unsampled]}')
        return '\n'.join(lines)


def build_rare_class_sampler(source: Any, opts: dict) -> RareClassSampler:
    """Statistics (cached) and sampler for ``source`` with the checked options of :func:`rcs_options`."""
    class_names = list(source.metainfo['classes'])
    stats = label_stats(source, len(class_names), opts['cache_dir'])
    sampler = RareClassSampler(stats, class_names, opts['temperature'], opts['min_pixel_ratio'],
                               opts['min_crop_ratio'], opts['max_crop_tries'], opts['crop_pixel_ratio'])
    print_log(sampler.summary(), logger='current')
    return sampler

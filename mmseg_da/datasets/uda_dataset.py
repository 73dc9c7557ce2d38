"""Paired sampling for unsupervised domain adaptation: one labelled source and one unlabelled target sample."""
import copy
import logging
import os
from typing import Any, List, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import LoadAnnotations
from mmengine.dataset import BaseDataset, ConcatDataset
from mmengine.dataset.base_dataset import force_full_init
from mmengine.dist import get_rank
from mmengine.logging import print_log
from mmseg.registry import DATASETS
from torch.utils.data import get_worker_info

from .rare_class_sampling import RareClassSampler, build_rare_class_sampler, rcs_options

DatasetLike = Union[dict, BaseDataset]
# Data-info keys through which a pipeline could reach the target's labels.
_TARGET_LABEL_KEYS = ('seg_map_path', 'label_map')


def _is_label_key(key: str) -> bool:
    return key.lstrip('_').startswith('gt_')


def strip_labels(data: Any) -> Any:
    """Remove every ground-truth field (``gt_*``) from a pipeline output, packed or not, in place."""
    if isinstance(data, dict):
        for key in [k for k in data if _is_label_key(k)]:
            del data[key]
        sample = data.get('data_samples')
        if sample is not None and hasattr(sample, 'keys'):
            for key in [k for k in sample.keys() if _is_label_key(k)]:
                delattr(sample, key)
    return data


@DATASETS.register_module()
class UDADataset:
    """Items that pair a labelled source sample with an unlabelled target sample, each through its own pipeline.

    ``dataset[i]`` is ``dict(source=<source[i]>, target=<a target sample without labels>)``; mmengine's
    ``pseudo_collate`` turns a batch of them into ``{'source': {'inputs', 'data_samples'}, 'target': {...}}``.
    One epoch is one pass over the source (``len(dataset) == len(source)``) and the metainfo is the
    source's. The target index is drawn independently of ``i``, from the run's random state: in the
    main process (``num_workers=0``) from a Generator seeded per draw by ``seed`` and numpy's global
    generator (which mmengine seeds with ``randomness.seed`` and ``IterationSeedHook`` reseeds from the
    iteration, so a resumed run draws as the uninterrupted one); in a dataloader worker from a Generator
    seeded once by ``(seed, rank, worker id, the worker's base seed)``, the base seed coming from torch's
    generator when the workers start. So runs with the same seeds draw the same targets, another
    ``randomness.seed`` draws others, workers and ranks draw different ones, and non-persistent workers
    do not repeat the same sequence every epoch.

    With ``rare_class_sampling`` (DAFormer's rare-class sampling, see
    :mod:`mmseg_da.datasets.rare_class_sampling`), ``dataset[i]`` ignores ``i`` for the source too: it draws a
    class (rare ones likelier), then a source image holding enough of it, from the same Generator as the
    target draw, and re-runs the source pipeline (a new random crop) up to ``max_crop_tries`` times until
    the output keeps enough of the class. The per-class statistics are computed once from the source labels,
    loaded by the source pipeline's ``LoadAnnotations`` (``label_map``, ``reduce_zero_label`` applied), and
    cached as JSON in ``cache_dir`` (default: ``work_dirs/.cache/rare_class_sampling/`` under the current
    directory); ``dataset.rcs`` holds them and the class probabilities, logged once at initialisation.

    The target's labels never reach the model: its ``seg_map_path`` and ``label_map`` are removed from
    the data info *before* its pipeline runs, and any ``gt_*`` field after.

    Args:
        source (dict | BaseDataset | list): The labelled dataset, or several (concatenated with
            mmengine's ``ConcatDataset``).
        target (dict | BaseDataset): The unlabelled dataset; its pipeline must not load annotations.
        target_subset (int, optional): Keep only this many target samples, chosen with ``seed``.
        seed (int): Seed of the target subset, mixed into the target draws. Defaults to 0.
        lazy_init (bool): Defer loading the data lists until :meth:`full_init` (as mmengine datasets).
        max_refetch (int): Target draws to try when the target pipeline returns None.
        rare_class_sampling (dict, optional): Draw the source by rare-class sampling; keys (defaults):
            ``temperature`` (0.01), ``min_pixel_ratio`` (3000 / (1914 * 1052), DAFormer's 3000 pixels of an
            original GTA5 label), ``crop_pixel_ratio`` (3000 / (1280 * 720)), ``min_crop_ratio`` (0.5),
            ``max_crop_tries`` (10), ``cache_dir`` (None: the default folder). ``dict()`` uses them all. None
            (default): the source is ``source[i]``.

    Raises:
        ValueError: A bad ``rare_class_sampling`` key or value (named in the message), a source pipeline
            without ``LoadAnnotations`` or source labels without any labelled pixel (with it).
    """

    def __init__(self,
                 source: Union[DatasetLike, Sequence[DatasetLike]],
                 target: DatasetLike,
                 target_subset: Optional[int] = None,
                 seed: int = 0,
                 lazy_init: bool = False,
                 max_refetch: int = 100,
                 rare_class_sampling: Optional[dict] = None) -> None:
        rcs_opts = rcs_options(rare_class_sampling)
        if isinstance(source, (list, tuple)):
            if not source:
                raise ValueError('UDADataset needs at least one source dataset, got an empty list')
            sources = [self._build(s, lazy_init, 'source') for s in source]
            self.source = sources[0] if len(sources) == 1 else ConcatDataset(sources, lazy_init=lazy_init)
        else:
            self.source = self._build(source, lazy_init, 'source')
        self.target = self._build(target, lazy_init, 'target')
        if not (hasattr(self.target, 'get_data_info') and hasattr(self.target, 'pipeline')):
            raise TypeError(f'the UDADataset target must be a dataset with a pipeline (an mmengine '
                            f'BaseDataset), got {type(self.target).__name__}')
        for transform in getattr(self.target.pipeline, 'transforms', []):
            if isinstance(transform, LoadAnnotations):
                raise ValueError(f'the UDADataset target pipeline loads annotations ({transform!r}); target '
                                 'samples are unlabelled, remove LoadAnnotations (and GenerateEdge) from it')
        if target_subset is not None and (not isinstance(target_subset, int) or target_subset < 1):
            raise ValueError(f'target_subset must be a positive int or None, got {target_subset!r}')
        self.target_subset = target_subset
        self.seed = int(seed)
        self.max_refetch = max_refetch
        self.rcs_options = rcs_opts
        self.rcs: Optional[RareClassSampler] = None
        self.target_indices: np.ndarray
        self._rng: Optional[np.random.Generator] = None
        self._rng_owner: Optional[tuple] = None
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @staticmethod
    def _build(cfg: DatasetLike, lazy_init: bool, role: str) -> Any:
        if isinstance(cfg, dict):
            cfg = copy.deepcopy(cfg)
            if lazy_init:
                cfg.setdefault('lazy_init', True)
            return DATASETS.build(cfg)
        if hasattr(cfg, '__getitem__') and hasattr(cfg, '__len__'):
            return cfg
        raise TypeError(f'UDADataset {role} must be a dataset config (dict) or a dataset, got {type(cfg).__name__}')

    @property
    def metainfo(self) -> dict:
        """The source dataset's meta information (classes, palette, ...)."""
        return copy.deepcopy(self.source.metainfo)

    def full_init(self) -> None:
        """Load both data lists and choose the target subset; does nothing the second time."""
        if self._fully_initialized:
            return
        self.source.full_init()
        self.target.full_init()
        n_target = len(self.target)
        if n_target == 0:
            raise ValueError('the UDADataset target dataset is empty')
        if self.target_subset is None:
            self.target_indices = np.arange(n_target)
        else:
            if self.target_subset > n_target:
                raise ValueError(f'target_subset={self.target_subset} exceeds the {n_target} target samples')
            chosen = np.random.default_rng(self.seed).choice(n_target, self.target_subset, replace=False)
            self.target_indices = np.sort(chosen)
        if self.rcs_options is not None:
            self.rcs = build_rare_class_sampler(self.source, self.rcs_options)
        self._fully_initialized = True

    @force_full_init
    def __len__(self) -> int:
        return len(self.source)

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """The data info of the ``idx``-th source sample."""
        return self.source.get_data_info(idx)

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            print_log('Please call `full_init` method manually to accelerate the speed.', logger='current',
                      level=logging.WARNING)
            self.full_init()
        if self.rcs is None:
            return dict(source=self.source[idx], target=self._draw_target())
        rng = self._target_rng()  # one Generator for both draws of the item
        source = self.rcs.sample(self.source, rng)
        return dict(source=source, target=self._draw_target(rng))

    def _target_rng(self) -> np.random.Generator:
        """The Generator of the next draw: a worker's own (made on first use), or one from the global state.

        It serves the target draws and, with rare-class sampling, the source draws.
        """
        worker = get_worker_info()
        if worker is None:  # follows the run's seed and iteration, as the augmentation in this process
            return np.random.default_rng([self.seed, get_rank(), 0, np.random.randint(2**31)])
        owner = (os.getpid(), worker.id)
        if self._rng is None or self._rng_owner != owner:
            # worker.seed differs per epoch for non-persistent workers (drawn from torch's generator)
            self._rng = np.random.default_rng([self.seed, get_rank(), worker.id + 1, int(worker.seed) % 2**32])
            self._rng_owner = owner
        return self._rng

    def _draw_target(self, rng: Optional[np.random.Generator] = None) -> dict:
        rng = rng if rng is not None else self._target_rng()
        for _ in range(self.max_refetch + 1):
            index = int(self.target_indices[rng.integers(len(self.target_indices))])
            data = self.prepare_target(index)
            if data is not None:
                return data
        raise RuntimeError(f'the UDADataset target pipeline returned None for {self.max_refetch + 1} draws')

    def prepare_target(self, index: int) -> Any:
        """Run the target pipeline on target sample ``index`` with its labels removed."""
        info = self.target.get_data_info(index)
        for key in [k for k in info if k in _TARGET_LABEL_KEYS or _is_label_key(k)]:
            del info[key]
        info['seg_fields'] = []
        try:
            data = self.target.pipeline(info)
        except KeyError as exc:
            raise KeyError(f'the UDADataset target pipeline needs {exc} for {info.get("img_path")}, but target '
                           'samples are unlabelled: remove label transforms such as LoadAnnotations and '
                           'GenerateEdge from the target pipeline') from exc
        return strip_labels(data)

    def get_subset_(self, indices: Union[List[int], int]) -> None:
        raise NotImplementedError('UDADataset has no subsets: set `indices` on the source dataset and '
                                  '`target_subset` for the target')

    def get_subset(self, indices: Union[List[int], int]) -> Any:
        self.get_subset_(indices)

"""A target dataset whose ground truth is a folder of pseudo-label PNGs (``tools/pseudo_label.py``)."""
import copy
import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset, Compose
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import DATASETS
from PIL import Image

_MAX_NAMED = 5  # files named in an error message before "... and N more"


def pseudo_label_name(img_path: str, img_dir: Optional[str] = None) -> str:
    """Relative path of the pseudo-label PNG of ``img_path``.

    The image's path relative to the dataset's image folder ``img_dir`` (its base name when it is not
    under ``img_dir``), with the extension replaced by ``.png``: ``leftImg8bit/train/aachen/x.png`` ->
    ``aachen/x.png``. The pseudo-label tool writes and :class:`PseudoLabelDataset` reads these names.
    """
    rel = osp.basename(img_path)
    if img_dir:
        candidate = osp.relpath(img_path, img_dir)
        if not candidate.startswith('..'):
            rel = candidate
    return osp.splitext(rel)[0] + '.png'


def _describe(paths: Sequence[str]) -> str:
    shown = ', '.join(paths[:_MAX_NAMED])
    return shown + (f' ... and {len(paths) - _MAX_NAMED} more' if len(paths) > _MAX_NAMED else '')


@DATASETS.register_module()
class PseudoLabelDataset:
    """Wrap a (target) dataset and read its labels from ``label_dir`` instead of its own annotations.

    Image ``i`` of ``dataset`` gets the label ``label_dir / pseudo_label_name(img_path, img_dir)``,
    already in train ids (255 = ignored), so the wrapped dataset's ``label_map`` and
    ``reduce_zero_label`` are switched off for it. At initialisation every label must exist and have
    its image's size; otherwise a ``FileNotFoundError`` or ``ValueError`` names the files.

    Args:
        dataset (dict | BaseDataset): The target dataset (its images; its own labels are not read).
        label_dir (str): Folder written by ``tools/pseudo_label.py``.
        pipeline (list, optional): Pipeline with a ``LoadAnnotations`` step; defaults to the wrapped
            dataset's pipeline, which must then load annotations.
        check_sizes (bool): Compare every label's size with its image's (PNG/JPEG headers only).
        lazy_init (bool): Defer the file checks to :meth:`full_init`.
    """

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 label_dir: str,
                 pipeline: Optional[List[Union[dict, Callable]]] = None,
                 check_sizes: bool = True,
                 lazy_init: bool = False) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.label_dir = label_dir
        self.check_sizes = check_sizes
        self.pipeline = Compose(pipeline) if pipeline is not None else self.dataset.pipeline
        self._check_pipeline()
        self._metainfo = copy.deepcopy(self.dataset.metainfo)
        self._metainfo.update(label_map=None, reduce_zero_label=False)
        self._label_paths: List[str] = []
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def _check_pipeline(self) -> None:
        loaders = [t for t in self.pipeline.transforms if isinstance(t, LoadAnnotations)]
        if not loaders:
            raise ValueError(
                'PseudoLabelDataset: the pipeline has no `LoadAnnotations` step, so the pseudo-labels '
                f'in {self.label_dir!r} would never be read; pass `pipeline=` with one.')
        if any(t.reduce_zero_label for t in loaders):
            raise ValueError(
                'PseudoLabelDataset: pseudo-labels are already train ids; use `LoadAnnotations()` '
                'without `reduce_zero_label=True` in its pipeline.')

    def full_init(self) -> None:
        """Resolve every image's pseudo-label and check that it exists and has the image's size."""
        if self._fully_initialized:
            return
        if not osp.isdir(self.label_dir):
            raise FileNotFoundError(f'PseudoLabelDataset: label_dir {self.label_dir!r} is not a folder '
                                    '(write it with tools/pseudo_label.py).')
        self.dataset.full_init()
        img_dir = getattr(self.dataset, 'data_prefix', {}).get('img_path')
        paths, missing, wrong_size = [], [], []
        for idx in range(len(self.dataset)):
            img_path = self.dataset.get_data_info(idx)['img_path']
            path = osp.join(self.label_dir, pseudo_label_name(img_path, img_dir))
            paths.append(path)
            if not osp.isfile(path):
                missing.append(path)
            elif self.check_sizes:
                with Image.open(img_path) as img, Image.open(path) as label:
                    if img.size != label.size:
                        wrong_size.append(f'{path} is {label.size[0]}x{label.size[1]} but '
                                          f'{img_path} is {img.size[0]}x{img.size[1]}')
        if missing:
            raise FileNotFoundError(
                f'PseudoLabelDataset: {len(missing)} of {len(paths)} target images have no pseudo-label '
                f'in {self.label_dir!r}: {_describe(missing)}')
        if wrong_size:
            raise ValueError(f'PseudoLabelDataset: {len(wrong_size)} pseudo-labels have the wrong size: '
                             f'{_describe(wrong_size)}')
        self._label_paths = paths
        self._fully_initialized = True

    def get_data_info(self, idx: int) -> dict:
        """The wrapped dataset's sample ``idx`` with its label path pointing at the pseudo-label."""
        self.full_init()
        info = self.dataset.get_data_info(idx)
        info.update(seg_map_path=self._label_paths[idx], label_map=None, reduce_zero_label=False)
        info.setdefault('seg_fields', [])
        return info

    def __getitem__(self, idx: int) -> dict:
        return self.pipeline(self.get_data_info(idx))

    def __len__(self) -> int:
        self.full_init()
        return len(self._label_paths)

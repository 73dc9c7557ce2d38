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
class PseudoLabelDataset(BaseDataset):
    """The samples of a (target) dataset, with their labels read from ``label_dir`` instead.

    Image ``i`` of ``dataset`` gets the label ``label_dir / pseudo_label_name(img_path, img_dir)``,
    already in train ids (255 = ignored), so each sample's ``label_map`` and ``reduce_zero_label`` are
    switched off. The metainfo is the wrapped dataset's, unchanged (mmseg keeps the raw-label decoding of a
    dataset in it too), so it concatenates with a source of the same classes and label format (LoveDA with
    LoveDA, GTA5 with Cityscapes) in mmengine's ``ConcatDataset`` or as one of several UDA sources. When the
    data list is loaded every label must exist and have its image's size; otherwise a
    ``FileNotFoundError`` or ``ValueError`` names the files.

    Args:
        dataset (dict | BaseDataset): The target dataset (its images; its own labels are not read).
        label_dir (str): Folder written by ``tools/pseudo_label.py``.
        pipeline (list, optional): Pipeline with a ``LoadAnnotations`` step; defaults to the wrapped
            dataset's pipeline, which must then load annotations.
        check_sizes (bool): Compare every label's size with its image's (PNG/JPEG headers only).
        **kwargs: Passed to ``BaseDataset`` (``lazy_init``, ``indices``, ``serialize_data``, ...).
    """

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 label_dir: str,
                 pipeline: Optional[List[Union[dict, Callable]]] = None,
                 check_sizes: bool = True,
                 **kwargs) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.label_dir = label_dir
        self.check_sizes = check_sizes
        self._check_pipeline(Compose(pipeline) if pipeline is not None else self.dataset.pipeline)
        # The wrapped dataset's metainfo as it is, `label_map`/`reduce_zero_label` included, so that a
        # ConcatDataset accepts it next to a source of the same family (e.g. LoveDA Urban + pseudo-labelled
        # Rural); only the samples load their labels without them.
        super().__init__(metainfo=copy.deepcopy(self.dataset.metainfo), pipeline=pipeline or [], **kwargs)
        if pipeline is None:
            self.pipeline = self.dataset.pipeline

    def _check_pipeline(self, pipeline: Compose) -> None:
        loaders = [t for t in pipeline.transforms if isinstance(t, LoadAnnotations)]
        if not loaders:
            raise ValueError(
                'PseudoLabelDataset: the pipeline has no `LoadAnnotations` step, so the pseudo-labels '
                f'in {self.label_dir!r} would never be read; pass `pipeline=` with one.')
        if any(t.reduce_zero_label for t in loaders):
            raise ValueError(
                'PseudoLabelDataset: pseudo-labels are already train ids; use `LoadAnnotations()` '
                'without `reduce_zero_label=True` in its pipeline.')

    def load_data_list(self) -> List[dict]:
        """The wrapped dataset's samples pointing at their pseudo-labels, all checked to exist and fit."""
        if not osp.isdir(self.label_dir):
            raise FileNotFoundError(f'PseudoLabelDataset: label_dir {self.label_dir!r} is not a folder '
                                    '(write it with tools/pseudo_label.py).')
        self.dataset.full_init()
        img_dir = getattr(self.dataset, 'data_prefix', {}).get('img_path')
        data_list, missing, wrong_size = [], [], []
        for idx in range(len(self.dataset)):
            info = self.dataset.get_data_info(idx)
            info.pop('sample_idx', None)
            path = osp.join(self.label_dir, pseudo_label_name(info['img_path'], img_dir))
            info.update(seg_map_path=path, label_map=None, reduce_zero_label=False, seg_fields=[])
            data_list.append(info)
            if not osp.isfile(path):
                missing.append(path)
            elif self.check_sizes:
                with Image.open(info['img_path']) as img, Image.open(path) as label:
                    if img.size != label.size:
                        wrong_size.append(f'{path} is {label.size[0]}x{label.size[1]} but '
                                          f'{info["img_path"]} is {img.size[0]}x{img.size[1]}')
        if missing:
            raise FileNotFoundError(
                f'PseudoLabelDataset: {len(missing)} of {len(data_list)} target images have no pseudo-label '
                f'in {self.label_dir!r}: {_describe(missing)}')
        if wrong_size:
            raise ValueError(f'PseudoLabelDataset: {len(wrong_size)} pseudo-labels have the wrong size: '
                             f'{_describe(wrong_size)}')
        return data_list

"""GTA5 (Richter et al., ECCV 2016) with its labels mapped to the 19 Cityscapes training classes."""
from typing import Dict, List

import numpy as np
from mmseg.datasets import BaseSegDataset, CityscapesDataset
from mmseg.registry import DATASETS, TRANSFORMS

from .transforms import CheckedLoadAnnotations

IGNORE_INDEX = 255

# Cityscapes label id -> train id, for the 19 evaluated classes (cityscapesScripts, helpers/labels.py).
# GTA5's label PNGs hold Cityscapes label ids; every id not listed here is ignored (255).
CITYSCAPES_ID_TO_TRAIN_ID: Dict[int, int] = {
    7: 0,  # road
    8: 1,  # sidewalk
    11: 2,  # building
    12: 3,  # wall
    13: 4,  # fence
    17: 5,  # pole
    19: 6,  # traffic light
    20: 7,  # traffic sign
    21: 8,  # vegetation
    22: 9,  # terrain
    23: 10,  # sky
    24: 11,  # person
    25: 12,  # rider
    26: 13,  # car
    27: 14,  # truck
    28: 15,  # bus
    31: 16,  # train
    32: 17,  # motorcycle
    33: 18,  # bicycle
}


def cityscapes_id_label_map() -> Dict[int, int]:
    """Map of every uint8 label id (0..254) to its Cityscapes train id or 255.

    The identity entry 255 -> 255 is left out, so mmseg's loop over ``label_map`` skips it.
    """
    return {i: CITYSCAPES_ID_TO_TRAIN_ID.get(i, IGNORE_INDEX) for i in range(IGNORE_INDEX)}


@DATASETS.register_module()
class GTA5Dataset(BaseSegDataset):
    """The GTA5 release: ``images/xxxxx.png`` and ``labels/xxxxx.png`` under ``data_root``.

    Its label PNGs hold Cityscapes label ids (0..33); they are mapped to the 19 Cityscapes train
    ids (``CityscapesDataset`` classes and palette), every other id to 255. The mapping travels as
    each sample's ``label_map`` (not the metainfo's), so mmseg's ``LoadAnnotations`` gives correct labels;
    :class:`LoadGTA5Annotations` applies the same map with a lookup table, which is much faster on
    1914x1052 labels. The CycleGAN-translated copy of GTA5 ("CycleGTA5") has the same layout and
    labels: use this class with its own ``data_root``.

    Args:
        data_prefix (dict): Image and label folders under ``data_root``.
        img_suffix (str): Image file suffix.
        seg_map_suffix (str): Label file suffix.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset` (``ann_file`` with one image name
            without suffix per line selects a split, e.g. ``indices`` a subset).
    """

    METAINFO = CityscapesDataset.METAINFO

    def __init__(self,
                 data_prefix: dict = dict(img_path='images', seg_map_path='labels'),
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        if kwargs.get('reduce_zero_label'):
            raise ValueError('GTA5Dataset: `reduce_zero_label=True` makes no sense for Cityscapes '
                             'label ids (id 0 is already ignored); leave it False.')
        super().__init__(
            data_prefix=data_prefix, img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self) -> List[dict]:
        """mmseg's data list, each sample's ``label_map`` being the label id -> train id map.

        The map travels with each sample only: the metainfo's ``label_map`` keeps mmseg's meaning (the
        class-subset map, None for all 19 classes), so the metainfo equals Cityscapes' and GTA5 concatenates
        with Cityscapes-labelled sets (pseudo-labels, a labelled subset) in a ``ConcatDataset``.
        """
        id_map = cityscapes_id_label_map()
        if self.label_map:  # a class subset: compose with mmseg's train id -> subset index map
            id_map = {k: (self.label_map[v] if v != IGNORE_INDEX else v) for k, v in id_map.items()}
        data_list = super().load_data_list()
        for info in data_list:
            info['label_map'] = id_map
        return data_list


@TRANSFORMS.register_module()
class LoadGTA5Annotations(CheckedLoadAnnotations):
    """The project's ``CheckedLoadAnnotations`` applying the sample's ``label_map`` with one lookup table.

    Same result as ``LoadAnnotations`` (``reduce_zero_label`` first, then ``label_map``), in one
    vectorised pass instead of one pass per map entry. Works for any dataset with a ``label_map``;
    named for GTA5, whose map covers every label id.
    """

    def _load_seg_map(self, results: dict) -> None:
        label_map = results.pop('label_map', None)
        try:
            super()._load_seg_map(results)
        finally:
            results['label_map'] = label_map
        if label_map:
            lut = np.arange(256, dtype=np.uint8)
            for old_id, new_id in label_map.items():
                lut[old_id] = new_id
            results['gt_seg_map'] = lut[results['gt_seg_map']]

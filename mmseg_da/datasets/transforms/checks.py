"""Fail early, naming the file, on masks that do not fit their image or the dataset's label set."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


def check_single_channel(seg: np.ndarray, path: str) -> None:
    """Raise a ValueError naming ``path`` unless the decoded mask ``seg`` is a 2-D array."""
    if seg.ndim != 2:
        raise ValueError(
            f'mask {path} decodes to an array of shape {tuple(seg.shape)}, but masks must be single-channel '
            f'images of label values (PNG mode L or P), one value per pixel; a colour-coded (RGB) mask must be '
            f'converted to label values first')


@TRANSFORMS.register_module()
class CheckSegMap(BaseTransform):
    """Check a freshly loaded ``gt_seg_map`` against its image and the label set; pass it on unchanged.

    Put it right after ``LoadAnnotations`` (before any geometric transform of the mask). It checks that
    the mask is single-channel, has the size of the original image (``ori_shape``) and that, after
    ``LoadAnnotations``' mapping (``reduce_zero_label``/``label_map``), every value is a class index
    ``0..num_classes-1`` or ``ignore_index``. A sample without ``gt_seg_map`` (image only) passes unchecked.

    Args:
        num_classes (int): Number of classes of the dataset.
        ignore_index (int): The ignore index. Defaults to 255.

    Raises:
        ValueError: naming the mask and image files, their sizes or the offending values.
    """

    def __init__(self, num_classes: int, ignore_index: int = 255) -> None:
        if num_classes < 1:
            raise ValueError(f'CheckSegMap needs num_classes >= 1, got {num_classes}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> Optional[dict]:
        seg = results.get('gt_seg_map')
        if seg is None:
            return results
        seg_path = results.get('seg_map_path', '<unknown mask>')
        img_path = results.get('img_path', '<unknown image>')
        check_single_channel(seg, seg_path)
        expected = results.get('ori_shape') or results['img'].shape[:2]
        if tuple(seg.shape[:2]) != tuple(expected[:2]):
            raise ValueError(f'mask {seg_path} is {seg.shape[0]}x{seg.shape[1]} (HxW) but its image {img_path} '
                             f'is {expected[0]}x{expected[1]}')
        if seg.min() >= 0 and seg.max() < self.num_classes:
            return results
        # only the (usually few) out-of-range pixels need a closer look
        values = np.unique(seg[(seg < 0) | (seg >= self.num_classes)])
        bad = values[values != self.ignore_index]
        if bad.size:
            raise ValueError(
                f'mask {seg_path} (image {img_path}) has labels {bad.tolist()} outside the classes '
                f'0..{self.num_classes - 1} and the ignore index {self.ignore_index}, after LoadAnnotations '
                f'mapped it with reduce_zero_label={results.get("reduce_zero_label")} and label_map='
                f'{results.get("label_map")}; check the values stored in that mask file')
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(num_classes={self.num_classes}, ignore_index={self.ignore_index})'

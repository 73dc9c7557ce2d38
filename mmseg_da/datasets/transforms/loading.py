"""mmseg's image and mask loaders, with files that do not decode reported by name.

Registered in mmseg's scope under the names the configs use (``LoadImageFromFile``, ``LoadAnnotations``), as
mmseg's own ``LoadAnnotations`` shadows mmcv's: every pipeline of the project, and anything keyed by these
type names (mmseg's inferencer, the label-transform filters), keeps working unchanged. They behave exactly
as mmcv's/mmseg's on good files.
"""
from typing import Optional

import cv2
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmseg.datasets.transforms import LoadAnnotations as MMSegLoadAnnotations
from mmseg.registry import TRANSFORMS

from .._files import unreadable_file_error
from .checks import check_single_channel

# What decoders raise on bad bytes: Pillow OSError (truncated; UnidentifiedImageError) or SyntaxError (broken
# chunk), OpenCV cv2.error. On data it cannot decode, cv2 returns None instead, which mmcv then asserts on
# (AssertionError) and mmseg calls ``.squeeze()`` on (AttributeError).
_IMAGE_DECODE_ERRORS = (OSError, SyntaxError, cv2.error, AssertionError)
_MASK_DECODE_ERRORS = (OSError, SyntaxError, cv2.error, AttributeError)


@TRANSFORMS.register_module(name='LoadImageFromFile', force=True)
class LoadImageFromFile(MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile``; a file that does not decode raises a ValueError naming it.

    A truncated file, or one that is not the image format its name says, stops with one paragraph naming
    the file, its size and the likely reason, instead of mmcv's bare assertion. A missing file still
    raises FileNotFoundError. Arguments as :class:`mmcv.transforms.LoadImageFromFile`.
    """

    def transform(self, results: dict) -> Optional[dict]:
        try:
            return super().transform(results)
        except FileNotFoundError:
            raise
        except _IMAGE_DECODE_ERRORS as exc:
            raise unreadable_file_error(results['img_path'], 'image', exc) from exc


@TRANSFORMS.register_module(name='LoadAnnotations', force=True)
class LoadAnnotations(MMSegLoadAnnotations):
    """mmseg's ``LoadAnnotations``; a mask that does not decode, or has several channels, raises a ValueError.

    Masks must be single-channel images of label values (PNG mode ``L`` or ``P``). mmseg squeezes a colour
    mask into an HxWx3 array that later fails far from the file (an IndexError in ``GenerateEdge``); here it
    stops at loading, naming the file. Arguments as :class:`mmseg.datasets.transforms.LoadAnnotations`.
    """

    def _load_seg_map(self, results: dict) -> None:
        path = results['seg_map_path']
        try:
            super()._load_seg_map(results)
        except FileNotFoundError:
            raise
        except _MASK_DECODE_ERRORS as exc:
            raise unreadable_file_error(path, 'mask', exc) from exc
        check_single_channel(results['gt_seg_map'], path)


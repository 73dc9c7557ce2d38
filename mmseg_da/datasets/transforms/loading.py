"""mmcv's/mmseg's image and mask loaders, with files that do not decode reported by name.

Registered under the project's own names, ``CheckedLoadImageFromFile`` and ``CheckedLoadAnnotations``, which
the project's configs use: mmcv's ``LoadImageFromFile`` and mmseg's ``LoadAnnotations`` stay what they are for
every other config in the process. Both behave exactly as the host's loaders on good files, and code that
looks for a loader by class (``isinstance(t, LoadAnnotations)``) finds them, as they subclass them. Code that
looks for one by type name must know both names (e.g. ``mmseg_da.config.inference_pipeline.LABEL_TRANSFORMS``).
"""
from typing import Any, Optional

import cv2
from mmcv.transforms import LoadImageFromFile
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS

from .._files import unreadable_file_error
from .checks import check_single_channel

_HOST_NAMES = {'CheckedLoadImageFromFile': 'LoadImageFromFile', 'CheckedLoadAnnotations': 'LoadAnnotations'}

# What decoders raise on bad bytes: Pillow OSError (truncated; UnidentifiedImageError) or SyntaxError (broken
# chunk), OpenCV cv2.error. On data it cannot decode, cv2 returns None instead, which mmcv then asserts on
# (AssertionError) and mmseg calls ``.squeeze()`` on (AttributeError).
_IMAGE_DECODE_ERRORS = (OSError, SyntaxError, cv2.error, AssertionError)
_MASK_DECODE_ERRORS = (OSError, SyntaxError, cv2.error, AttributeError)


@TRANSFORMS.register_module()
class CheckedLoadImageFromFile(LoadImageFromFile):
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


@TRANSFORMS.register_module()
class CheckedLoadAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations``; a mask that does not decode, or has several channels, raises a ValueError.

    Masks must be single-channel images of label values (PNG mode ``L`` or ``P``). mmseg squeezes a colour
    mask into an HxWx3 array that later fails far from the file (an IndexError in ``GenerateEdge``); here it
    stops at loading, naming the file. Arguments as :class:`mmseg.datasets.transforms.LoadAnnotations`.

    A sample without a ``seg_map_path`` is refused with a ValueError naming its image if it comes from a
    dataset (it has ``seg_fields``): the pipeline expects masks that the dataset does not give. A bare image
    sample (only ``img_path``/``img``, as mmseg's ``inference_model`` builds them, which drops a step named
    ``LoadAnnotations`` but not this one) passes through unchanged: it has no mask to load.
    """

    def transform(self, results: dict) -> Optional[dict]:
        if 'seg_map_path' not in results:
            if 'seg_fields' in results:
                raise ValueError(
                    f'sample {results.get("img_path", "<no img_path>")} has no mask (no seg_map_path in its data '
                    f'info), but its pipeline loads masks ({type(self).__name__}): give the dataset its masks '
                    '(e.g. ann_dir), or remove the mask steps from this pipeline')
            return results
        return super().transform(results)

    def _load_seg_map(self, results: dict) -> None:
        path = results['seg_map_path']
        try:
            super()._load_seg_map(results)
        except FileNotFoundError:
            raise
        except _MASK_DECODE_ERRORS as exc:
            raise unreadable_file_error(path, 'mask', exc) from exc
        check_single_channel(results['gt_seg_map'], path)


def with_host_loaders(node: Any) -> Any:
    """A copy of a config node (a pipeline, a dataset, a whole config) with the checked loaders renamed to
    mmcv's and mmseg's own, for tools that look for ``LoadImageFromFile`` by name (mmseg's ``MMSegInferencer``)."""
    if isinstance(node, dict):
        copied = {key: with_host_loaders(value) for key, value in node.items()}
        if copied.get('type') in _HOST_NAMES:
            copied['type'] = _HOST_NAMES[copied['type']]
        return copied
    if isinstance(node, (list, tuple)):
        return type(node)(with_host_loaders(item) for item in node)
    return node

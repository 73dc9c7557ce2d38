"""Albumentations augmentations on image and mask only, with the named presets of the seed experiments."""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import albumentations as A
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

# name -> (albumentations class, its arguments). 'fill'/'fill_mask' are set from AlbuAugment's
# img_fill/seg_fill where the transform has them, so padded or dropped-out pixels are ignored by the loss.
ALBU_PRESETS: Dict[str, Tuple[str, dict]] = {
    # horizontal flip
    'HF': ('HorizontalFlip', dict(p=0.5)),
    # shift-scale-rotate (shift 0.1, scale 0.25, rotate 15 degrees) as albumentations 2.0's Affine, which
    # replaces the deprecated ShiftScaleRotate: one isotropic scale, bilinear image, nearest mask.
    'SSR': ('Affine', dict(translate_percent=(-0.1, 0.1), scale=(0.75, 1.25), rotate=(-15, 15), keep_ratio=True,
                           interpolation=cv2.INTER_LINEAR, mask_interpolation=cv2.INTER_NEAREST,
                           border_mode=cv2.BORDER_CONSTANT, p=0.5)),
    # brightness-contrast
    'BC': ('RandomBrightnessContrast', dict(brightness_limit=0.2, contrast_limit=0.2, p=0.5)),
    # coarse dropout: 1-8 holes of 5-15% of the image side
    'CD': ('CoarseDropout', dict(num_holes_range=(1, 8), hole_height_range=(0.05, 0.15),
                                 hole_width_range=(0.05, 0.15), p=0.5)),
}
_FILLED = ('Affine', 'CoarseDropout')


def build_albu(cfg: dict) -> A.BasicTransform:
    """Build one albumentations transform from ``dict(type='ClassName', **kwargs)``."""
    cfg = dict(cfg)
    name = cfg.pop('type', None)
    cls = getattr(A, str(name), None)
    if not isinstance(cls, type):
        raise ValueError(f'AlbuAugment: {name!r} is not an albumentations transform (in {cfg})')
    return cls(**cfg)


@TRANSFORMS.register_module()
class AlbuAugment(BaseTransform):
    """Augment ``img`` and ``gt_seg_map`` with albumentations, by named presets and/or explicit transforms.

    Unlike mmseg's ``Albu``, only the image and the mask are handed to albumentations; the image goes in
    as RGB (mmcv loads BGR) and comes back as BGR, and ``img``, ``gt_seg_map`` and ``img_shape`` are
    written back. Pixels that a transform pads or drops out get ``seg_fill`` (the ignore index) in the
    mask. Image-only samples (no ``gt_seg_map``) are augmented alone. Put it before ``GenerateEdge``.

    Presets (see ``ALBU_PRESETS``): ``HF`` horizontal flip (p 0.5); ``SSR`` shift 0.1 / scale 0.25 /
    rotate 15 degrees (albumentations ``Affine``, p 0.5); ``BC`` ``RandomBrightnessContrast`` (0.2/0.2,
    p 0.5); ``CD`` ``CoarseDropout`` (1-8 holes of 5-15% of each side, p 0.5).

    The albumentations pipeline draws from its own generator, seeded in each process (each dataloader
    worker) from numpy's global generator on first use, so it follows mmengine's ``randomness.seed``.

    Args:
        presets (Sequence[str]): Preset names, applied in this order. Empty: no augmentation.
        transforms (Sequence[dict]): Further albumentations transforms, ``dict(type='ClassName', ...)``,
            applied after the presets.
        overrides (dict, optional): Per-preset argument overrides, e.g. ``dict(SSR=dict(p=1.0))``.
        img_fill (int): Image fill of padded / dropped-out pixels. Defaults to 0.
        seg_fill (int): Mask fill of padded / dropped-out pixels. Defaults to 255 (ignore).

    Raises:
        ValueError: An unknown preset name (the message lists the known ones) or transform type.
    """

    def __init__(self,
                 presets: Sequence[str] = (),
                 transforms: Sequence[dict] = (),
                 overrides: Optional[Dict[str, dict]] = None,
                 img_fill: int = 0,
                 seg_fill: int = 255) -> None:
        if isinstance(presets, str):
            presets = [presets]
        overrides = dict(overrides or {})
        unknown = [name for name in list(presets) + list(overrides) if name not in ALBU_PRESETS]
        if unknown:
            raise ValueError(f'unknown AlbuAugment preset(s) {unknown}; known presets: {list(ALBU_PRESETS)}')
        self.presets = list(presets)
        self.img_fill = img_fill
        self.seg_fill = seg_fill
        albu: List[A.BasicTransform] = []
        for name in self.presets:
            type_name, kwargs = ALBU_PRESETS[name]
            kwargs = copy.deepcopy(kwargs)
            if type_name in _FILLED:
                kwargs.update(fill=img_fill, fill_mask=seg_fill)
            kwargs.update(overrides.get(name, {}))
            albu.append(build_albu(dict(type=type_name, **kwargs)))
        albu.extend(build_albu(cfg) for cfg in transforms)
        self.transforms = albu
        self.compose = A.Compose(albu) if albu else None

    def _seed_from_numpy(self) -> None:
        # albumentations 2 keeps its own generator: reseed it from numpy's on every call, so that the draws
        # follow the seeded global state (IterationSeedHook, dataloader workers) and an exact resume repeats them
        self.compose.set_random_seed(int(np.random.randint(0, 2**31 - 1)))

    def transform(self, results: dict) -> dict:
        if self.compose is None:
            return results
        extra = [k for k in results.get('seg_fields', []) if k != 'gt_seg_map']
        extra += [k for k in ('gt_edge_map', 'gt_depth_map') if k in results and k not in extra]
        if extra:
            raise ValueError(f'AlbuAugment transforms only img and gt_seg_map, but {results.get("img_path")} '
                             f'also has {extra}; put AlbuAugment before transforms that create them '
                             '(e.g. GenerateEdge)')
        self._seed_from_numpy()
        img = results['img']
        colour = img.ndim == 3 and img.shape[2] == 3
        inputs = dict(image=np.ascontiguousarray(img[..., ::-1]) if colour else img)
        if results.get('gt_seg_map') is not None:
            inputs['mask'] = results['gt_seg_map']
        out = self.compose(**inputs)
        img = out['image']
        results['img'] = np.ascontiguousarray(img[..., ::-1]) if colour else img
        results['img_shape'] = img.shape[:2]
        if 'mask' in inputs:
            results['gt_seg_map'] = out['mask']
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(presets={self.presets}, transforms={self.transforms})'

"""Albumentations augmentations on image and mask only, with the named presets of the seed experiments.

The photometric presets (``GAMMA``, ``HSV``, ``CLAHE``, ``DARK``, ``NOISE``; all of them: the group ``PHOTO``)
randomise illumination and colour (day -> dusk/night, urban -> rural lighting) for domain randomisation.
They change the image only, never the mask or the geometry, so they fit the source branch of any method
(source-only, adversarial, self-training) without touching its labels. Values are for albumentations 2.0.
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple, Union

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
    # Photometric, image only (domain randomisation of illumination):
    # tone curve: gamma 0.7-1.5 of the normalised image; > 1 darkens mid-tones (dusk), < 1 lifts them (haze, glare)
    'GAMMA': ('RandomGamma', dict(gamma_limit=(70, 150), p=0.5)),
    # colour cast of the light (warm dusk, cool shade, sodium street lamps) and washed-out / vivid colours;
    # hue in OpenCV's 0-180 units (10 = 20 degrees), saturation and value in 0-255 units
    'HSV': ('HueSaturationValue', dict(hue_shift_limit=(-10, 10), sat_shift_limit=(-30, 20),
                                       val_shift_limit=(-25, 15), p=0.5)),
    # a camera's local tone mapping (strong local contrast in shadows, HDR-like processing)
    'CLAHE': ('CLAHE', dict(clip_limit=(2, 4), tile_grid_size=(8, 8), p=0.2)),
    # under-exposure: brightness and contrast drawn mostly downwards (dusk, overcast, rural scenes without lamps)
    'DARK': ('RandomBrightnessContrast', dict(brightness_limit=(-0.4, 0.1), contrast_limit=(-0.3, 0.2), p=0.5)),
    # low-light sensor noise: per-channel Gaussian, std 2-6% of 255 (about 5-15 grey levels)
    'NOISE': ('GaussNoise', dict(std_range=(0.02, 0.06), p=0.5)),
}
# Group name -> presets, applied in this order: exposure, tone curve, colour, local contrast, sensor noise last
# (noise is added to the final image, as in a camera).
ALBU_PRESET_GROUPS: Dict[str, Tuple[str, ...]] = {
    'PHOTO': ('DARK', 'GAMMA', 'HSV', 'CLAHE', 'NOISE'),
}
_FILLED = ('Affine', 'CoarseDropout')


def expand_presets(presets: Union[str, Sequence[str]]) -> List[str]:
    """Preset names with each group (``PHOTO``) replaced by its members, in order.

    Raises:
        ValueError: An unknown name; the message lists the known presets and groups.
    """
    names = [presets] if isinstance(presets, str) else list(presets)
    unknown = [name for name in names if name not in ALBU_PRESETS and name not in ALBU_PRESET_GROUPS]
    if unknown:
        raise ValueError(f'unknown AlbuAugment preset(s) {unknown}; known presets: {list(ALBU_PRESETS)}, '
                         f'groups: {list(ALBU_PRESET_GROUPS)}')
    return [member for name in names for member in ALBU_PRESET_GROUPS.get(name, (name, ))]


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
    p 0.5); ``CD`` ``CoarseDropout`` (1-8 holes of 5-15% of each side, p 0.5). Photometric, image only:
    ``GAMMA`` ``RandomGamma`` (gamma 0.7-1.5, p 0.5); ``HSV`` ``HueSaturationValue`` (hue +-10, saturation
    -30..20, value -25..15, p 0.5); ``CLAHE`` (clip limit 2-4, p 0.2); ``DARK`` ``RandomBrightnessContrast``
    skewed darker (brightness -0.4..0.1, contrast -0.3..0.2, p 0.5); ``NOISE`` ``GaussNoise`` (std 2-6% of
    255, p 0.5). The group ``PHOTO`` expands to ``DARK, GAMMA, HSV, CLAHE, NOISE`` in this order.

    The albumentations pipeline draws from its own generator, seeded in each process (each dataloader
    worker) from numpy's global generator on first use, so it follows mmengine's ``randomness.seed``.

    Args:
        presets (Sequence[str]): Preset or group names, applied in this order (a group's members in
            its order). Empty: no augmentation.
        transforms (Sequence[dict]): Further albumentations transforms, ``dict(type='ClassName', ...)``,
            applied after the presets.
        overrides (dict, optional): Per-preset argument overrides, e.g. ``dict(SSR=dict(p=1.0))``; keyed by
            preset names, also for presets of a group (``dict(GAMMA=dict(p=1.0))`` with ``PHOTO``).
        img_fill (int): Image fill of padded / dropped-out pixels. Defaults to 0.
        seg_fill (int): Mask fill of padded / dropped-out pixels. Defaults to 255 (ignore).

    Raises:
        ValueError: An unknown preset or group name (the message lists the known ones), an override of a
            group instead of its presets, or an unknown transform type.
    """

    def __init__(self,
                 presets: Sequence[str] = (),
                 transforms: Sequence[dict] = (),
                 overrides: Optional[Dict[str, dict]] = None,
                 img_fill: int = 0,
                 seg_fill: int = 255) -> None:
        overrides = dict(overrides or {})
        groups = [name for name in overrides if name in ALBU_PRESET_GROUPS]
        if groups:
            raise ValueError(f'AlbuAugment overrides are per preset, not per group: {groups}; override the '
                             f'presets of {groups[0]!r}: {list(ALBU_PRESET_GROUPS[groups[0]])}')
        expand_presets(list(overrides))  # unknown override names fail as unknown presets do
        self.presets = expand_presets(presets)
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

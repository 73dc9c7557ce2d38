"""AutoAugment-style policies (Cubuk et al., CVPR 2019) built from albumentations operations.

A policy is a list of sub-policies; a sub-policy is two ``(operation, probability, magnitude)``
triples. For every image one sub-policy is drawn uniformly and each of its operations is applied
with its probability. Magnitudes are torchvision's bins 0..9 over the ranges of the paper (signed
operations get a random sign); geometric operations move the label map too (nearest interpolation,
uncovered pixels ignored).
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import albumentations as A
import cv2
from mmseg.registry import TRANSFORMS

from .albu import AlbuAugment

SubPolicy = Sequence[Tuple[str, float, Optional[int]]]
MAX_MAGNITUDE = 9  # magnitudes are bins 0..9, as torchvision's AutoAugment

# AutoAugment's ImageNet and CIFAR-10 policies (as listed in torchvision.transforms.AutoAugmentPolicy).
AUTO_AUGMENT_POLICIES: Dict[str, List[SubPolicy]] = {
    'imagenet': [
        (('Posterize', 0.4, 8), ('Rotate', 0.6, 9)),
        (('Solarize', 0.6, 5), ('AutoContrast', 0.6, None)),
        (('Equalize', 0.8, None), ('Equalize', 0.6, None)),
        (('Posterize', 0.6, 7), ('Posterize', 0.6, 6)),
        (('Equalize', 0.4, None), ('Solarize', 0.2, 4)),
        (('Equalize', 0.4, None), ('Rotate', 0.8, 8)),
        (('Solarize', 0.6, 3), ('Equalize', 0.6, None)),
        (('Posterize', 0.8, 5), ('Equalize', 1.0, None)),
        (('Rotate', 0.2, 3), ('Solarize', 0.6, 8)),
        (('Equalize', 0.6, None), ('Posterize', 0.4, 6)),
        (('Rotate', 0.8, 8), ('Color', 0.4, 0)),
        (('Rotate', 0.4, 9), ('Equalize', 0.6, None)),
        (('Equalize', 0.0, None), ('Equalize', 0.8, None)),
        (('Invert', 0.6, None), ('Equalize', 1.0, None)),
        (('Color', 0.6, 4), ('Contrast', 1.0, 8)),
        (('Rotate', 0.8, 8), ('Color', 1.0, 2)),
        (('Color', 0.8, 8), ('Solarize', 0.8, 7)),
        (('Sharpness', 0.4, 7), ('Invert', 0.6, None)),
        (('ShearX', 0.6, 5), ('Equalize', 1.0, None)),
        (('Color', 0.4, 0), ('Equalize', 0.6, None)),
        (('Equalize', 0.4, None), ('Solarize', 0.2, 4)),
        (('Solarize', 0.6, 5), ('AutoContrast', 0.6, None)),
        (('Invert', 0.6, None), ('Equalize', 1.0, None)),
        (('Color', 0.6, 4), ('Contrast', 1.0, 8)),
        (('Equalize', 0.8, None), ('Equalize', 0.6, None)),
    ],
    'cifar10': [
        (('Invert', 0.1, None), ('Contrast', 0.2, 6)),
        (('Rotate', 0.7, 2), ('TranslateX', 0.3, 9)),
        (('Sharpness', 0.8, 1), ('Sharpness', 0.9, 3)),
        (('ShearY', 0.5, 8), ('TranslateY', 0.7, 9)),
        (('AutoContrast', 0.5, None), ('Equalize', 0.9, None)),
        (('ShearY', 0.2, 7), ('Posterize', 0.3, 7)),
        (('Color', 0.4, 3), ('Brightness', 0.6, 7)),
        (('Sharpness', 0.3, 9), ('Brightness', 0.7, 9)),
        (('Equalize', 0.6, None), ('Equalize', 0.5, None)),
        (('Contrast', 0.6, 7), ('Sharpness', 0.6, 5)),
        (('Color', 0.7, 7), ('TranslateX', 0.5, 8)),
        (('Equalize', 0.3, None), ('AutoContrast', 0.4, None)),
        (('TranslateY', 0.4, 3), ('Sharpness', 0.2, 6)),
        (('Brightness', 0.9, 6), ('Color', 0.2, 8)),
        (('Solarize', 0.5, 2), ('Invert', 0.0, None)),
        (('Equalize', 0.2, None), ('AutoContrast', 0.6, None)),
        (('Equalize', 0.2, None), ('Equalize', 0.6, None)),
        (('Color', 0.9, 9), ('Equalize', 0.6, None)),
        (('AutoContrast', 0.8, None), ('Solarize', 0.2, 8)),
        (('Brightness', 0.1, 3), ('Color', 0.7, 0)),
        (('Solarize', 0.4, 5), ('AutoContrast', 0.9, None)),
        (('TranslateY', 0.9, 9), ('TranslateY', 0.7, 9)),
        (('AutoContrast', 0.9, None), ('Solarize', 0.8, 3)),
        (('Equalize', 0.8, None), ('Invert', 0.1, None)),
        (('TranslateY', 0.7, 9), ('AutoContrast', 0.9, None)),
    ],
}
GEOMETRIC_OPS = ('Rotate', 'ShearX', 'ShearY', 'TranslateX', 'TranslateY')
# '<policy>_color': its sub-policies without geometric operations (labels untouched: safe for any branch).
for _name in list(AUTO_AUGMENT_POLICIES):
    AUTO_AUGMENT_POLICIES[f'{_name}_color'] = [
        sp for sp in AUTO_AUGMENT_POLICIES[_name] if not any(op in GEOMETRIC_OPS for op, _, _ in sp)]

# operation -> (maximum value at magnitude 9, signed); None: the operation takes no magnitude.
OPERATIONS: Dict[str, Tuple[Optional[float], bool]] = {
    'ShearX': (0.3, True), 'ShearY': (0.3, True),  # shear factor
    'TranslateX': (150 / 331, True), 'TranslateY': (150 / 331, True),  # fraction of the image side
    'Rotate': (30.0, True),  # degrees
    'Brightness': (0.9, True), 'Color': (0.9, True), 'Contrast': (0.9, True),  # factor 1 +- value
    'Sharpness': (0.9, False),  # albumentations Sharpen's alpha (sharpening only)
    'Posterize': (4.0, False),  # bits removed: 8 - round(value)
    'Solarize': (1.0, False),  # threshold = (1 - value) x 255
    'AutoContrast': (None, False), 'Equalize': (None, False), 'Invert': (None, False),
}


def _affine(img_fill: int, seg_fill: int, **kwargs) -> A.Affine:
    return A.Affine(interpolation=cv2.INTER_LINEAR, mask_interpolation=cv2.INTER_NEAREST,
                    border_mode=cv2.BORDER_CONSTANT, fill=img_fill, fill_mask=seg_fill, p=1.0, **kwargs)


def _colour(brightness=1.0, contrast=1.0, saturation=1.0) -> A.ColorJitter:
    return A.ColorJitter(brightness=(brightness, brightness), contrast=(contrast, contrast),
                         saturation=(saturation, saturation), hue=(0.0, 0.0), p=1.0)


def build_operation(name: str, value: float, img_fill: int, seg_fill: int) -> A.BasicTransform:
    """One albumentations transform (``p=1``) for operation ``name`` at signed ``value``."""
    if name == 'Rotate':
        return _affine(img_fill, seg_fill, rotate=(value, value))
    if name in ('ShearX', 'ShearY'):
        deg = math.degrees(math.atan(value))
        axis = name[-1].lower()
        return _affine(img_fill, seg_fill, shear={axis: (deg, deg), 'xy'.replace(axis, ''): (0.0, 0.0)})
    if name in ('TranslateX', 'TranslateY'):
        axis = name[-1].lower()
        return _affine(img_fill, seg_fill,
                       translate_percent={axis: (value, value), 'xy'.replace(axis, ''): (0.0, 0.0)})
    if name == 'Brightness':
        return _colour(brightness=1 + value)
    if name == 'Contrast':
        return _colour(contrast=1 + value)
    if name == 'Color':
        return _colour(saturation=1 + value)
    if name == 'Sharpness':
        return A.Sharpen(alpha=(value, value), lightness=(1.0, 1.0), p=1.0)
    if name == 'Posterize':
        bits = 8 - int(round(value))
        return A.NoOp(p=1.0) if bits >= 8 else A.Posterize(num_bits=bits, p=1.0)  # 8 bits: unchanged
    if name == 'Solarize':
        return A.Solarize(threshold_range=(1 - value, 1 - value), p=1.0)
    if name == 'AutoContrast':
        return A.AutoContrast(p=1.0)
    if name == 'Equalize':
        return A.Equalize(mode='pil', p=1.0)
    if name == 'Invert':
        return A.InvertImg(p=1.0)
    raise ValueError(f'unknown AutoAugment operation {name!r}; known: {sorted(OPERATIONS)}')


def check_policy(policy: Sequence[SubPolicy], where: str) -> None:
    """Raise a ValueError naming ``where`` and the entry if a sub-policy is malformed."""
    if not policy:
        raise ValueError(f'{where}: the policy has no sub-policies')
    for i, sub in enumerate(policy):
        if len(sub) < 1:
            raise ValueError(f'{where}: sub-policy {i} is empty')
        for entry in sub:
            if len(entry) != 3:
                raise ValueError(f'{where}: sub-policy {i} entry {entry!r} is not (operation, probability, '
                                 'magnitude)')
            name, prob, magnitude = entry
            if name not in OPERATIONS:
                raise ValueError(f'{where}: sub-policy {i} uses unknown operation {name!r}; known: '
                                 f'{sorted(OPERATIONS)}')
            if not 0 <= prob <= 1:
                raise ValueError(f'{where}: sub-policy {i} {name} probability {prob} is not in [0, 1]')
            takes_magnitude = OPERATIONS[name][0] is not None
            if takes_magnitude and not (isinstance(magnitude, int) and 0 <= magnitude <= MAX_MAGNITUDE):
                raise ValueError(f'{where}: sub-policy {i} {name} magnitude {magnitude!r} is not an int in '
                                 f'0..{MAX_MAGNITUDE}')


def build_sub_policy(sub: SubPolicy, img_fill: int, seg_fill: int) -> A.Sequential:
    """Each operation applied with its probability, in order; signed ones with a random sign."""
    ops = []
    for name, prob, magnitude in sub:
        maximum, signed = OPERATIONS[name]
        value = 0.0 if maximum is None else maximum * magnitude / MAX_MAGNITUDE
        if signed and value != 0:
            op = A.OneOf([build_operation(name, value, img_fill, seg_fill),
                          build_operation(name, -value, img_fill, seg_fill)], p=prob)
        else:
            op = A.Sequential([build_operation(name, value, img_fill, seg_fill)], p=prob)
        ops.append(op)
    return A.Sequential(ops, p=1.0)


@TRANSFORMS.register_module()
class AlbuAutoAugment(AlbuAugment):
    """Apply a named (or given) AutoAugment-style policy to ``img`` and ``gt_seg_map``.

    Named policies (``AUTO_AUGMENT_POLICIES``): ``'imagenet'`` and ``'cifar10'`` (AutoAugment's
    learned policies) and ``'imagenet_color'``/``'cifar10_color'`` (their sub-policies without
    geometric operations, for a branch whose geometry must not change). Put it in a source and/or
    target pipeline after resizing/cropping; images must be uint8 (as loaded). Image handling (BGR in,
    BGR out, seeding per worker) is :class:`AlbuAugment`'s.

    Args:
        policy (str | list): A policy name, or a list of sub-policies, each a sequence of
            ``(operation, probability, magnitude)`` (magnitude an int 0..9, None for AutoContrast,
            Equalize and Invert).
        img_fill (int): Image fill of pixels uncovered by geometric operations.
        seg_fill (int): Label fill of those pixels (ignored by the loss).
    """

    def __init__(self,
                 policy: Union[str, Sequence[SubPolicy]] = 'imagenet',
                 img_fill: int = 0,
                 seg_fill: int = 255) -> None:
        super().__init__(presets=(), transforms=(), img_fill=img_fill, seg_fill=seg_fill)
        if isinstance(policy, str):
            if policy not in AUTO_AUGMENT_POLICIES:
                raise ValueError(f'AlbuAutoAugment: unknown policy {policy!r}; named policies: '
                                 f'{sorted(AUTO_AUGMENT_POLICIES)}')
            self.policy_name, sub_policies = policy, AUTO_AUGMENT_POLICIES[policy]
        else:
            self.policy_name, sub_policies = 'custom', [tuple(tuple(e) for e in sp) for sp in policy]
        check_policy(sub_policies, f'AlbuAutoAugment(policy={self.policy_name!r})')
        self.sub_policies = list(sub_policies)
        self.transforms = [build_sub_policy(sp, img_fill, seg_fill) for sp in self.sub_policies]
        self.compose = A.Compose([A.OneOf(self.transforms, p=1.0)])

    def transform(self, results: dict) -> dict:
        if results['img'].dtype.name != 'uint8':
            raise TypeError(f'AlbuAutoAugment expects uint8 images (as loaded), got {results["img"].dtype} '
                            f'for {results.get("img_path")}; put it before any float conversion')
        return super().transform(results)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(policy={self.policy_name!r}, sub_policies={len(self.sub_policies)})'

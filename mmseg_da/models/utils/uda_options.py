"""The option groups of a segmentor's ``train_cfg`` (``mic``, ``strong_aug``): validated once, defaults only here.

A group is off (``None``) when its ``train_cfg`` value is None or False, its defaults when True, and the
defaults updated by the keys given when a dict.
"""
import dataclasses
import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, ClassVar, Mapping, Optional, Type, TypeVar, Union

OptionsT = TypeVar('OptionsT', bound='OptionGroup')


class OptionGroup:
    """Base of the frozen dataclasses below: building from a ``train_cfg`` value, and checks of one field."""

    #: The group's key in ``train_cfg``.
    key: ClassVar[str]

    @classmethod
    def from_cfg(cls: Type[OptionsT], value: Union[None, bool, Mapping[str, Any]]) -> Optional[OptionsT]:
        """The options for a ``train_cfg`` value, or None when the group is off.

        Raises:
            ValueError: ``value`` is not None, a bool or a dict; it has a key the group does not know (the
                message names it and the known ones); or a value has the wrong type or range.
        """
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if not isinstance(value, Mapping):
            raise ValueError(f'train_cfg.{cls.key} must be a dict, True or None, got {value!r}')
        known = sorted(field.name for field in dataclasses.fields(cls))
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f'unknown train_cfg.{cls.key} key(s) {unknown}; known: {known}')
        return cls(**value)

    def _bad(self, name: str, value: Any, expected: str) -> ValueError:
        return ValueError(f'train_cfg.{self.key}.{name} must be {expected}, got {value!r}')

    def _real(self, name: str, low: float, high: float = math.inf, high_open: bool = False) -> None:
        """Check that field ``name`` is a number in ``[low, high]`` (``[low, high)``), and store it as a float."""
        value = getattr(self, name)
        closing = ')' if high_open else ']'
        expected = f'a number in [{low:g}, {high:g}{closing}' if high < math.inf else f'a finite number >= {low:g}'
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise self._bad(name, value, expected)
        if not (low <= value < high if high_open else low <= value <= high):
            raise self._bad(name, value, expected)
        object.__setattr__(self, name, float(value))

    def _bool(self, name: str) -> None:
        value = getattr(self, name)
        if not isinstance(value, bool):
            raise self._bad(name, value, 'True or False')


@dataclass(frozen=True)
class MICOptions(OptionGroup):
    """MIC's masked image consistency (Hoyer et al., CVPR 2023), ``train_cfg.mic``.

    Args:
        mask_ratio (float): Fraction of the target image's square blocks set to zero, in [0, 1).
        block_size (int, optional): The blocks' side in pixels; None: MIC's 64 px at full resolution times the
            target images' resize factor (:func:`~mmseg_da.models.utils.masking.mask_block_size`).
        loss_weight (float): Weight of the masked image's loss, >= 0.
        update_bn_stats (bool): Whether the masked batch enters the student's BatchNorm running statistics.
    """

    key: ClassVar[str] = 'mic'

    mask_ratio: float = 0.7
    block_size: Optional[int] = None
    loss_weight: float = 1.0
    update_bn_stats: bool = False

    def __post_init__(self) -> None:
        self._real('mask_ratio', 0.0, 1.0, high_open=True)
        size = self.block_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, Integral) or size < 1):
            raise self._bad('block_size', size, 'None or an integer >= 1')
        if size is not None:
            object.__setattr__(self, 'block_size', int(size))
        self._real('loss_weight', 0.0)
        self._bool('update_bn_stats')


@dataclass(frozen=True)
class StrongAugOptions(OptionGroup):
    """DACS's strong augmentation of the student's images, ``train_cfg.strong_aug``.

    See :mod:`~mmseg_da.models.utils.strong_augment` for the transform.

    Args:
        color_jitter_strength (float): Colour jitter strength ``s``, >= 0.
        color_jitter_p (float): DACS's ``p``, in [0, 1]: an image is jittered when its uniform draw is above it.
        blur (bool): Blur each image with probability 0.5.
    """

    key: ClassVar[str] = 'strong_aug'

    color_jitter_strength: float = 0.2
    color_jitter_p: float = 0.2
    blur: bool = True

    def __post_init__(self) -> None:
        self._real('color_jitter_strength', 0.0)
        self._real('color_jitter_p', 0.0, 1.0)
        self._bool('blur')

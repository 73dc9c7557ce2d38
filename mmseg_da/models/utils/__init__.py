"""Helpers of the UDA segmentors."""
from .class_mix import class_mix_masks, mix
from .ema import WarmupEMA
from .uda_options import MICOptions, StrongAugOptions

__all__ = ['class_mix_masks', 'mix', 'WarmupEMA', 'MICOptions', 'StrongAugOptions']

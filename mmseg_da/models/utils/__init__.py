"""Helpers of the UDA segmentors."""
from ..losses import normalized_entropy, weighted_cross_entropy  # moved to losses; still importable here
from .class_mix import class_mix_masks, mix
from .ema import WarmupEMA
from .uda_options import MICOptions, StrongAugOptions

__all__ = ['class_mix_masks', 'mix', 'WarmupEMA', 'normalized_entropy', 'weighted_cross_entropy', 'MICOptions',
           'StrongAugOptions']

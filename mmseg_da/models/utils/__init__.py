"""Helpers of the UDA segmentors."""
from .class_mix import class_mix_masks, mix
from .ema import WarmupEMA
from .self_training import normalized_entropy, weighted_cross_entropy

__all__ = ['class_mix_masks', 'mix', 'WarmupEMA', 'normalized_entropy', 'weighted_cross_entropy']

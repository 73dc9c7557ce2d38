"""Helpers of the UDA segmentors (no registration)."""
from .class_mix import class_mix_masks, mix
from .self_training import ema_update, main_logits, normalized_entropy, weighted_cross_entropy

__all__ = ['class_mix_masks', 'mix', 'ema_update', 'main_logits', 'normalized_entropy',
           'weighted_cross_entropy']

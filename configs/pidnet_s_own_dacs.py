# Your own two domains (configs/_base_/datasets/own_two_domains.py), DACS around PIDNet-S (ImageNet-initialised;
# configs/_base_/methods/dacs_pidnet_s.py: mean teacher, ClassMix, strong augmentation); the seed's schedule; the
# best checkpoint by the target's mIoU. Walk-through: docs/own_data.md.
#   python tools/train.py configs/pidnet_s_own_dacs.py
_base_ = [
    './_base_/datasets/own_two_domains.py',
    './_base_/methods/dacs_pidnet_s.py',
    './_base_/schedules/self_training_sgd_poly_20e.py',
]
model = dict(segmentor=dict(decode_head=dict(num_classes=_base_.num_classes)))  # noqa: F821
default_hooks = dict(checkpoint=dict(save_best=_base_.save_best_metric, rule='greater'))  # noqa: F821

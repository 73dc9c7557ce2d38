# Your own two domains (configs/_base_/datasets/own_two_domains.py), source only: PIDNet-S (ImageNet-initialised)
# trained on the labelled source with the data stream of the adapted runs (the target branch is loaded and
# ignored); the baseline of pidnet_s_own_dacs.py. Walk-through: docs/own_data.md.
#   python tools/train.py configs/pidnet_s_own_source_only.py
_base_ = [
    './_base_/datasets/own_two_domains.py',
    './_base_/methods/source_only_pidnet_s.py',
    './_base_/schedules/self_training_sgd_poly_20e.py',
]
model = dict(segmentor=dict(decode_head=dict(num_classes=_base_.num_classes)))  # noqa: F821
default_hooks = dict(checkpoint=dict(save_best=_base_.save_best_metric, rule='greater'))  # noqa: F821

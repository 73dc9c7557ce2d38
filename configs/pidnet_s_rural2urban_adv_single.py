# LoveDA Rural -> Urban, single-level AdaptSegNet around PIDNet-S (I branch, weight 0.001); the seed's
# schedule; the best checkpoint by Urban/mIoU.
# python tools/train.py configs/pidnet_s_rural2urban_adv_single.py
_base_ = [
    './_base_/datasets/loveda_rural2urban.py',
    './_base_/uda/adv_pidnet_s.py',
    './_base_/uda/adv_sgd_poly_20e.py',
]
default_hooks = dict(checkpoint=dict(save_best='Urban/mIoU', rule='greater'))

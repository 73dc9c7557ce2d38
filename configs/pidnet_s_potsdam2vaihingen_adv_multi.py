# ISPRS Potsdam -> Vaihingen (configs/_base_/datasets/potsdam2vaihingen.py: mmseg's datasets and converters),
# multi-level AdaptSegNet around PIDNet-S (ImageNet-initialised): discriminators on the I branch (0.001) and the
# P branch (0.0002); the seed's schedule (SGD 0.01, PolyLR, 20 source epochs, batch 6 at 512x512); the best
# checkpoint by Vaihingen/mIoU.
#   python tools/train.py configs/pidnet_s_potsdam2vaihingen_adv_multi.py
_base_ = [
    './_base_/datasets/potsdam2vaihingen.py',
    './_base_/methods/adv_pidnet_s.py',
    './_base_/schedules/adv_sgd_poly_20e.py',
]
model = dict(levels=('main', 'aux'), segmentor=dict(decode_head=dict(num_classes=6)))
default_hooks = dict(checkpoint=dict(save_best='Vaihingen/mIoU', rule='greater'))

# GTA5 -> Cityscapes (19 classes, 640x360 crops): multi-level AdaptSegNet around PIDNet-S (discriminators on
# the I branch, weight 0.001, and the P branch, 0.0002) with the LSGAN objective, as the seed's GTA5 runs.
# python tools/train.py configs/pidnet_s_gta2citys_adv_multi_lsgan.py
_base_ = [
    './_base_/datasets/gta5_to_cityscapes.py',
    './_base_/uda/adv_pidnet_s.py',
    './_base_/uda/adv_sgd_poly_20e.py',
]
model = dict(
    segmentor=dict(decode_head=dict(num_classes=19)),
    gan_loss=dict(gan_type='lsgan'),
    levels=('main', 'aux'))
default_hooks = dict(checkpoint=dict(save_best='mIoU', rule='greater'))

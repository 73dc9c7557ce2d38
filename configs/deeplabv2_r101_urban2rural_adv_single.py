# LoveDA Urban -> Rural, single-level AdaptSegNet around DeepLabV2-ResNet101 (discriminator on the softmax of the
# layer4 classifier at input resolution, weight 0.001); the seed's schedule; best checkpoint by Rural/mIoU.
# python tools/train.py configs/deeplabv2_r101_urban2rural_adv_single.py
_base_ = [
    './_base_/datasets/loveda_urban2rural.py',
    './_base_/methods/adv_deeplabv2_r101.py',
    './_base_/schedules/adv_sgd_poly_20e.py',
]
default_hooks = dict(checkpoint=dict(save_best='Rural/mIoU', rule='greater'))

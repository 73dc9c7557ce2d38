# LoveDA Urban -> Rural, multi-level AdaptSegNet around DeepLabV2-ResNet101: discriminators on the layer4
# (0.001) and layer3 (0.0002) classifiers, the layer3 segmentation loss weighted 0.1, as AdaptSegNet.
# python tools/train.py configs/deeplabv2_r101_urban2rural_adv_multi.py
_base_ = [
    './_base_/datasets/loveda_urban2rural.py',
    './_base_/methods/adv_deeplabv2_r101_multilevel.py',
    './_base_/schedules/adv_sgd_poly_20e.py',
]
default_hooks = dict(checkpoint=dict(save_best='Rural/mIoU', rule='greater'))

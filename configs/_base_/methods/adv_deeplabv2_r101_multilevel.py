# Multi-level AdaptSegNet around DeepLabV2-ResNet101: discriminators on the layer4 output ('main', weight
# 0.001) and on the layer3 auxiliary classifier ('aux', weight 0.0002), whose segmentation loss is weighted
# 0.1 in configs/_base_/models/deeplabv2_r101_multilevel.py (AdaptSegNet's lambda_seg).
_base_ = ['../models/deeplabv2_r101_multilevel.py']

model = dict(
    _delete_=True,
    type='AdversarialSegmentor',
    segmentor=_base_.model,  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
    discriminator=dict(type='FCDiscriminator', widths=(64, 128, 256, 512), negative_slope=0.2),
    gan_loss=dict(type='GANLoss', gan_type='vanilla'),
    levels=('main', 'aux'),
    adv_weights=dict(main=0.001, aux=0.0002),
    disc_input_scale='input')
